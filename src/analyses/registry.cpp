#include <set>
#include <sstream>
#include <stdexcept>

#include "scanhpc/analyses/scan_analysis.hpp"

namespace scanhpc::analyses {

// Defined in this folder, one file per analysis.
std::unique_ptr<ScanAnalysis> make_multiprobe();
std::unique_ptr<ScanAnalysis> make_hosts();

const std::vector<ScanAnalysisInfo>& scan_analyses() {
  static const std::vector<ScanAnalysisInfo> registry{
      {"multiprobe", "services probed more than once: probes, reasons and intervals (seed 000)", make_multiprobe},
      {"hosts", "one row per host: records, ports, TTLs, reasons, first and last seen (seed 001)", make_hosts},
  };
  return registry;
}

std::vector<const ScanAnalysisInfo*> choose_scan_analyses(const std::string& list) {
  std::set<std::string> chosen;
  std::string names;
  for (const auto& a : scan_analyses()) names += (names.empty() ? "" : ", ") + a.name;
  std::stringstream in(list);
  for (std::string a; std::getline(in, a, ',');) {
    if (a.empty()) continue;
    if (a == "all") {
      for (const auto& info : scan_analyses()) chosen.insert(info.name);
      continue;
    }
    bool known = false;
    for (const auto& info : scan_analyses()) known |= info.name == a;
    if (!known) throw std::invalid_argument("unknown analysis '" + a + "' (" + names + ", all)");
    chosen.insert(a);
  }
  if (chosen.empty()) throw std::invalid_argument("choose at least one of " + names);
  std::vector<const ScanAnalysisInfo*> out;
  for (const auto& info : scan_analyses())
    if (chosen.count(info.name)) out.push_back(&info);
  return out;
}

}  // namespace scanhpc::analyses
