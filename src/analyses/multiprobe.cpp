// multiprobe (seed 000): per service, how many probes answered, with which
// reasons, and the intervals between them. Kernel: kernels/multiprobe.
#include <cstdio>
#include <utility>

#include "scanhpc/analyses/scan_analysis.hpp"
#include "scanhpc/commands/scan_output.hpp"
#include "scanhpc/kernels/interval_stats.hpp"
#include "scanhpc/kernels/multiprobe.hpp"

namespace scanhpc::analyses {
namespace {

class Multiprobe final : public ScanAnalysis {
 public:
  void accumulate(const std::vector<ServiceEntry>& sorted) override { local_ = local_multiprobe(sorted); }
  // Countmaps are small (values are probe counts, reason masks, seconds): summed whole.
  void merge(const dist::Comm& comm) override { merged_ = commands::merge_multiprobe(comm, local_); local_ = {}; }
  void write(h5::File& out, const dist::Comm& comm) override {
    const auto& m = merged_;
    out.create_group("/multiprobe");
    out.write_attr("/multiprobe", "services", m.services);
    out.write_attr("/multiprobe", "probes", m.probes);
    commands::write_countmap(out, comm, "/multiprobe/probes_per_service", m.probes_per_service, "probes", "services");
    commands::write_countmap(out, comm, "/multiprobe/reasons_per_service", m.reasons_per_service, "reasons", "services");
    commands::write_countmap(out, comm, "/multiprobe/intervals", m.intervals, "seconds", "count");
    auto st = summarize(m.intervals.entries());
    const std::string p = "/multiprobe/intervals";
    out.write_attr(p, "n", st.n);
    for (auto [name, v] : {std::pair{"mean", st.mean}, {"std", st.std}, {"min", st.min}, {"q25", st.q25},
                           {"median", st.median}, {"q75", st.q75}, {"max", st.max}, {"mode", st.mode},
                           {"iqr", st.iqr}})
      out.write_attr(p, name, v);
  }
  std::string summary(const dist::Comm&) const override {
    char line[160];
    std::snprintf(line, sizeof line, "multiprobe: %llu services, %llu probes, %llu duplicate observations",
                  (unsigned long long)merged_.services, (unsigned long long)merged_.probes,
                  (unsigned long long)merged_.duplicates);
    return line;
  }
  uint64_t duplicates() const override { return merged_.duplicates; }

 private:
  MultiprobePartial local_, merged_;
};

}  // namespace

std::unique_ptr<ScanAnalysis> make_multiprobe() { return std::make_unique<Multiprobe>(); }

}  // namespace scanhpc::analyses
