#include "scanhpc/analyses/choose.hpp"
#include "scanhpc/analyses/ports_analysis.hpp"

namespace scanhpc::analyses {

// Defined in this folder, one file per analysis.
std::unique_ptr<PortsAnalysis> make_ports_top(const PortsAnalysisOptions& options);
std::unique_ptr<PortsAnalysis> make_ports_daily(const PortsAnalysisOptions& options);
std::unique_ptr<PortsAnalysis> make_ports_neighbours(const PortsAnalysisOptions& options);

const std::vector<PortsAnalysisInfo>& ports_analyses() {
  static const std::vector<PortsAnalysisInfo> registry{
      {"top", "events per port: the top n per protocol, (Other), events without a port", make_ports_top},
      {"daily", "unique sources per (day, sensor, protocol, port), their daily mean over sensors, box plots of "
                "the top ports' means",
       make_ports_daily},
      {"neighbours", "sources that hit port a, port b and both, for each --pair", make_ports_neighbours},
  };
  return registry;
}

std::vector<const PortsAnalysisInfo*> choose_ports_analyses(const std::string& list) { return choose_from(ports_analyses(), list); }

}  // namespace scanhpc::analyses
