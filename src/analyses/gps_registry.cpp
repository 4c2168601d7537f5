#include "scanhpc/analyses/choose.hpp"
#include "scanhpc/analyses/gps_analysis.hpp"

namespace scanhpc::analyses {

// Defined in this folder, one file per analysis.
std::unique_ptr<GpsAnalysis> make_gps_model(const GpsSettings& settings, uint64_t round_bytes);
std::unique_ptr<GpsAnalysis> make_gps_structure(const GpsSettings& settings, uint64_t round_bytes);

const std::vector<GpsAnalysisInfo>& gps_analyses() {
  static const std::vector<GpsAnalysisInfo> registry{
      {"model", "GPS's model: rules P(port | port, feature), best predictors, the (port, prefix) scan plan",
       make_gps_model},
      {"structure", "ports open together in the seed: P(a | b), spectral clusters of the top ports, host profiles",
       make_gps_structure},
  };
  return registry;
}

std::vector<const GpsAnalysisInfo*> choose_gps_analyses(const std::string& list) { return choose_from(gps_analyses(), list); }

}  // namespace scanhpc::analyses
