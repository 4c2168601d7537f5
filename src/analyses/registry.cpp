#include "scanhpc/analyses/choose.hpp"
#include "scanhpc/analyses/scan_analysis.hpp"

namespace scanhpc::analyses {

// Defined in this folder, one file per analysis.
std::unique_ptr<ScanAnalysis> make_multiprobe();
std::unique_ptr<ScanAnalysis> make_hosts();
std::unique_ptr<ScanAnalysis> make_structure();
std::unique_ptr<ScanAnalysis> make_scanner();

const std::vector<ScanAnalysisInfo>& scan_analyses() {
  static const std::vector<ScanAnalysisInfo> registry{
      {"multiprobe",
       "services probed more than once: probes, reasons and intervals, and why (scanner retries, target "
       "retransmissions, separate scans), with the share of services that answered no probe (seed 000)",
       make_multiprobe},
      {"hosts", "one row per host: records, ports, TTLs, reasons, first and last seen (seed 001)", make_hosts},
      {"structure", "ports open together: P(a | b), a spectral embedding and clusters of the top ports, host profiles",
       make_structure},
      {"scanner",
       "the scanner from its timestamps: services per second, span, pauses, random or address order, retry "
       "count and spacing",
       make_scanner},
  };
  return registry;
}

std::vector<const ScanAnalysisInfo*> choose_scan_analyses(const std::string& list) { return choose_from(scan_analyses(), list); }

}  // namespace scanhpc::analyses
