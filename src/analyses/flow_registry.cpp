#include <stdexcept>

#include "scanhpc/analyses/flow_analysis.hpp"

namespace scanhpc::analyses {

// Defined in this folder, one file per analysis.
std::unique_ptr<FlowAnalysis> make_flow_top(const FlowAnalysisOptions& options, int threads);
std::unique_ptr<FlowAnalysis> make_flow_series(const FlowAnalysisOptions& options, int threads);
std::unique_ptr<FlowAnalysis> make_flow_intersect(const FlowAnalysisOptions& options, int threads);

const std::vector<FlowAnalysisInfo>& flow_analyses() {
  static const std::vector<FlowAnalysisInfo> registry{
      {"top", "top-N values of fields by flows, packets or destination addresses", make_flow_top},
      {"series", "per interval: packets, distinct sources, destination nets and ASNs", make_flow_series},
      {"intersect", "flows matching every --where against the first alone, with a sample", make_flow_intersect},
  };
  return registry;
}

const FlowAnalysisInfo& flow_analysis(const std::string& name) {
  for (const auto& a : flow_analyses())
    if (a.name == name) return a;
  throw std::invalid_argument("unknown flow analysis '" + name + "'");
}

}  // namespace scanhpc::analyses
