// scanner (issue 14, seed 000): what the timestamps say about the scanner:
// services found per second, the span and pauses of the scan, and whether it
// visited targets in a random permutation or in address order
// (kernels/scanner_signature). Counts are summed over ranks; the tables are
// small (one row per second of the scan, a 64 x 64 grid) and written by rank 0.
#include <algorithm>
#include <cmath>
#include <cstdio>

#include "scanhpc/analyses/scan_analysis.hpp"
#include "scanhpc/commands/scan_output.hpp"
#include "scanhpc/kernels/multiprobe_causes.hpp"
#include "scanhpc/kernels/scanner_signature.hpp"

namespace scanhpc::analyses {
namespace {

constexpr size_t kOrderBuckets = 64;
constexpr uint64_t kPauseSeconds = 5;

class Scanner final : public ScanAnalysis {
 public:
  void accumulate(const std::vector<ServiceEntry>& sorted) override {
    part_ = scanner::local_rates(sorted);
    sequences_ = causes::local_sequences(sorted);
  }
  void merge(const dist::Comm& comm) override {
    services_ = commands::merge_countmap(comm, part_.services_per_second);
    observations_ = commands::merge_countmap(comm, part_.observations_per_second);
    n_services_ = comm.allreduce_sum(part_.services);
    n_without_ts_ = comm.allreduce_sum(part_.services_without_ts);
    uint32_t lo = UINT32_MAX, hi = 0;
    for (const auto& f : part_.first_seen) lo = std::min(lo, f.ip), hi = std::max(hi, f.ip);
    ip_min_ = uint32_t(UINT32_MAX - comm.allreduce_max(uint64_t(UINT32_MAX - lo)));
    ip_max_ = uint32_t(comm.allreduce_max(uint64_t(hi)));
    const auto seconds = services_.entries();
    if (!seconds.empty()) t_min_ = seconds.front().value, t_max_ = seconds.back().value;
    cells_ = scanner::order_cells(part_.first_seen, ip_min_, ip_max_, uint32_t(t_min_), uint32_t(t_max_), kOrderBuckets);
    comm.allreduce_sum_inplace(cells_);
    correlation_ = scanner::order_correlation(cells_, kOrderBuckets);
    pauses_ = scanner::pauses(seconds, kPauseSeconds);
    part_ = {};
    // The retry schedule, as multiprobe infers it (kernels/multiprobe_causes).
    auto words = causes::local_evidence(sequences_, causes::epoch_starts(observations_.entries())).words();
    sequences_ = {};
    comm.allreduce_sum_inplace(words);
    schedule_ = causes::infer_schedule(causes::Evidence::from_words(words));
  }
  void write(h5::File& out, const dist::Comm& comm) override {
    const auto per_second = services_.entries();
    const auto obs = observations_.entries();
    const uint64_t duration = per_second.empty() ? 0 : t_max_ - t_min_ + 1;
    uint64_t peak = 0;
    std::vector<uint64_t> active;
    for (const auto& e : per_second) peak = std::max(peak, e.count), active.push_back(e.count);
    std::sort(active.begin(), active.end());
    out.create_group("/scanner");
    out.write_attr("/scanner", "services", n_services_);
    out.write_attr("/scanner", "services_without_timestamp", n_without_ts_);
    out.write_attr("/scanner", "first_seen", t_min_);
    out.write_attr("/scanner", "last_seen", t_max_);
    out.write_attr("/scanner", "duration_seconds", duration);
    out.write_attr("/scanner", "services_per_second_mean",
                   duration ? double(n_services_ - n_without_ts_) / double(duration) : std::nan(""));
    out.write_attr("/scanner", "services_per_second_peak", peak);
    out.write_attr("/scanner", "services_per_second_median_active",
                   active.empty() ? std::nan("") : double(active[(active.size() - 1) / 2]));
    out.write_attr("/scanner", "pause_min_seconds", kPauseSeconds);
    out.write_attr("/scanner", "ip_time_correlation", correlation_);
    out.write_attr("/scanner", "order", std::string(scanner::order_verdict(correlation_)));
    out.write_attr("/scanner", "address_min", uint64_t(ip_min_));
    out.write_attr("/scanner", "address_max", uint64_t(ip_max_));
    // The retry schedule the repeats show (docs/multiprobe-causes.md; per service in /multiprobe).
    out.write_attr("/scanner", "retries_inferred", uint64_t(schedule_.retries));
    out.write_attr("/scanner", "retry_spacing_seconds", schedule_.retry_spacing_tenths / 10.0);
    out.write_attr("/scanner", "immediate_retries", uint64_t(schedule_.immediate_retries));
    out.write_attr("/scanner", "target_retransmissions", uint64_t(schedule_.retransmissions));
    const bool root = comm.is_root();
    {
      std::vector<uint64_t> second, services, observations;
      if (root) {
        size_t s = 0;
        for (const auto& o : obs) {  // every second with a first sighting has an observation
          while (s < per_second.size() && per_second[s].value < o.value) ++s;
          second.push_back(o.value);
          observations.push_back(o.count);
          services.push_back(s < per_second.size() && per_second[s].value == o.value ? per_second[s].count : 0);
        }
      }
      out.write_table("/scanner/rate", {{"second", std::move(second)}, {"services", std::move(services)},
                                        {"observations", std::move(observations)}});
    }
    {
      std::vector<uint64_t> start, seconds;
      if (root)
        for (const auto& p : pauses_) start.push_back(p.start), seconds.push_back(p.seconds);
      out.write_table("/scanner/pauses", {{"start", std::move(start)}, {"seconds", std::move(seconds)}});
    }
    {
      std::vector<uint32_t> address_bucket, time_bucket;
      std::vector<uint64_t> services;
      if (root)
        for (size_t a = 0; a < kOrderBuckets; ++a)
          for (size_t t = 0; t < kOrderBuckets; ++t) {
            address_bucket.push_back(uint32_t(a));
            time_bucket.push_back(uint32_t(t));
            services.push_back(cells_[a * kOrderBuckets + t]);
          }
      out.write_table("/scanner/order", {{"address_bucket", std::move(address_bucket)},
                                         {"time_bucket", std::move(time_bucket)}, {"services", std::move(services)}});
    }
  }
  std::string summary(const dist::Comm&) const override {
    char r[32];
    std::snprintf(r, sizeof r, "%.2f", correlation_);
    return "scanner: " + std::to_string(t_max_ >= t_min_ && n_services_ > n_without_ts_ ? t_max_ - t_min_ + 1 : 0) +
           " s, " + std::to_string(pauses_.size()) + " pause(s), " + scanner::order_verdict(correlation_) +
           " (address-time correlation " + r + ")" +
           (schedule_.retries ? ", " + std::to_string(schedule_.retries) + " retries " +
                                    std::to_string(schedule_.retry_spacing_tenths / 10) + "." +
                                    std::to_string(schedule_.retry_spacing_tenths % 10) + " s apart"
                              : std::string(schedule_.immediate_retries ? ", immediate retries (same second)"
                                                                        : ", no retries seen"));
  }

 private:
  scanner::RatePartial part_;
  CountMap services_, observations_;
  uint64_t n_services_ = 0, n_without_ts_ = 0, t_min_ = 0, t_max_ = 0;
  uint32_t ip_min_ = 0, ip_max_ = 0;
  std::vector<uint64_t> cells_;
  double correlation_ = 0;
  std::vector<scanner::Pause> pauses_;
  causes::LocalSequences sequences_;
  causes::Schedule schedule_;
};

}  // namespace

std::unique_ptr<ScanAnalysis> make_scanner() { return std::make_unique<Scanner>(); }

}  // namespace scanhpc::analyses
