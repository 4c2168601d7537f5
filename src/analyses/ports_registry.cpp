#include <set>
#include <sstream>
#include <stdexcept>

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

std::vector<const PortsAnalysisInfo*> choose_ports_analyses(const std::string& list) {
  std::set<std::string> chosen;
  std::string names;
  for (const auto& a : ports_analyses()) names += (names.empty() ? "" : ", ") + a.name;
  std::stringstream in(list);
  for (std::string a; std::getline(in, a, ',');) {
    if (a.empty()) continue;
    if (a == "all") {
      for (const auto& info : ports_analyses()) chosen.insert(info.name);
      continue;
    }
    bool known = false;
    for (const auto& info : ports_analyses()) known |= info.name == a;
    if (!known) throw std::invalid_argument("unknown analysis '" + a + "' (" + names + ", all)");
    chosen.insert(a);
  }
  if (chosen.empty()) throw std::invalid_argument("choose at least one of " + names);
  std::vector<const PortsAnalysisInfo*> out;
  for (const auto& info : ports_analyses())
    if (chosen.count(info.name)) out.push_back(&info);
  return out;
}

}  // namespace scanhpc::analyses
