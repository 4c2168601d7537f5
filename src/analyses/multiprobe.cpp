// multiprobe (seed 000): per service, how many probes answered, with which
// reasons, and the intervals between them; and why (issue 14): each service
// seen more than once labelled scanner retries, target retransmissions or
// separate scans under the schedule the whole scan's offsets show, and where
// the scanner retried, the services that answered no probe (capture-
// recapture). Kernels: kernels/multiprobe, kernels/multiprobe_causes.
#include <cstdio>
#include <utility>

#include "scanhpc/analyses/scan_analysis.hpp"
#include "scanhpc/commands/scan_output.hpp"
#include "scanhpc/kernels/interval_stats.hpp"
#include "scanhpc/kernels/multiprobe.hpp"
#include "scanhpc/kernels/multiprobe_causes.hpp"

namespace scanhpc::analyses {
namespace {

class Multiprobe final : public ScanAnalysis {
 public:
  void accumulate(const std::vector<ServiceEntry>& sorted) override {
    local_ = local_multiprobe(sorted);
    sequences_ = causes::local_sequences(sorted);
    seconds_ = causes::local_seconds(sorted);
  }
  // Countmaps are small (values are probe counts, reason masks, seconds): summed whole.
  void merge(const dist::Comm& comm) override {
    merged_ = commands::merge_multiprobe(comm, local_);
    local_ = {};
    // The file's scans (silences of more than a minute), then the schedule
    // their repeats show, then each service's label: the same on every rank.
    epochs_ = causes::epoch_starts(commands::merge_countmap(comm, seconds_).entries());
    auto words = causes::local_evidence(sequences_, epochs_).words();
    comm.allreduce_sum_inplace(words);  // fixed length: 130 integers
    schedule_ = causes::infer_schedule(causes::Evidence::from_words(words));
    causes_ = causes::local_causes(sequences_, schedule_, epochs_);
    sequences_ = {};
    seconds_ = {};
    services_by_label_ = commands::merge_countmap(comm, causes_.services_by_label);
    repeats_by_label_ = commands::merge_countmap(comm, causes_.repeats_by_label);
    repeats_by_cause_gap_ = commands::merge_countmap(comm, causes_.repeats_by_cause_gap);
    comm.allreduce_sum_inplace(causes_.seen_k);
    if (schedule_.retries > 0 && !schedule_.retransmissions && !schedule_.immediate_retries)
      loss_ = causes::estimate_loss(causes_.seen_k, schedule_.retries + 1);
    else
      loss_.why_not = schedule_.retries == 0 ? "the scan shows no retries"
                                             : "repeats other than retries (retransmissions) blur the probe counts";
  }
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
    write_causes(out, comm);
  }
  std::string summary(const dist::Comm&) const override {
    char line[400];
    int n = std::snprintf(line, sizeof line, "multiprobe: %llu services, %llu probes, %llu duplicate observations",
                          (unsigned long long)merged_.services, (unsigned long long)merged_.probes,
                          (unsigned long long)merged_.duplicates);
    if (n > 0 && size_t(n) < sizeof line) {
      n += std::snprintf(line + n, sizeof line - size_t(n), "; repeats explained by %s (%.0f%%)",
                         schedule_name().c_str(), 100.0 * schedule_.explained);
      if (loss_.estimable && size_t(n) < sizeof line)
        std::snprintf(line + n, sizeof line - size_t(n), "; services that answered no probe %.1f%% (95%%: %.1f-%.1f%%)",
                      100.0 * loss_.missed_share, 100.0 * loss_.missed_low, 100.0 * loss_.missed_high);
    }
    return line;
  }
  uint64_t duplicates() const override { return merged_.duplicates; }

 private:
  std::string schedule_name() const {
    std::string s;
    if (schedule_.retry_spacing_tenths) {
      char b[80];
      std::snprintf(b, sizeof b, "%u retries %.1f s apart", schedule_.retries, schedule_.retry_spacing_tenths / 10.0);
      s = b;
    }
    if (schedule_.retransmissions) s += s.empty() ? "target retransmissions" : " and target retransmissions";
    if (schedule_.immediate_retries) s += s.empty() ? "immediate retries" : " and immediate retries";
    return s.empty() ? "no schedule" : s;
  }

  void write_causes(h5::File& out, const dist::Comm& comm) {
    const bool root = comm.is_root();
    {
      std::vector<uint8_t> cause;
      std::vector<uint64_t> services, repeats;
      if (root) {
        const auto r = repeats_by_label_.entries();
        for (const auto& e : services_by_label_.entries()) {
          cause.push_back(uint8_t(e.value));
          services.push_back(e.count);
          uint64_t n = 0;
          for (const auto& x : r)
            if (x.value == e.value) n = x.count;
          repeats.push_back(n);
        }
      }
      out.write_table("/multiprobe/causes",
                      {{"cause", std::move(cause)}, {"services", std::move(services)}, {"repeats", std::move(repeats)}});
    }
    const std::string c = "/multiprobe/causes";
    std::string names;
    for (uint8_t l = 0; l < 8; ++l) names += std::to_string(l) + ": " + causes::label_name(l) + (l < 7 ? "; " : "");
    out.write_attr(c, "label_names", names);
    out.write_attr(c, "schedule", schedule_name());
    out.write_attr(c, "retries", uint64_t(schedule_.retries));
    out.write_attr(c, "retry_spacing_seconds", schedule_.retry_spacing_tenths / 10.0);
    out.write_attr(c, "retransmissions", uint64_t(schedule_.retransmissions));
    out.write_attr(c, "immediate_retries", uint64_t(schedule_.immediate_retries));
    out.write_attr(c, "explained_share", schedule_.explained);
    out.write_attr(c, "separate_scan_gap_seconds", uint64_t(causes::kSeparateGapSeconds));
    out.write_attr(c, "scans", uint64_t(epochs_.size()));
    out.write_attr(c, "scan_starts", std::vector<uint64_t>(epochs_.begin(), epochs_.end()));
    out.write_attr(c, "loss_estimable", uint64_t(loss_.estimable));
    if (loss_.estimable) {
      out.write_attr(c, "loss_probes", uint64_t(loss_.probes));
      out.write_attr(c, "loss_services_seen", loss_.seen);
      out.write_attr(c, "loss_services_estimated", loss_.services_estimated);
      out.write_attr(c, "loss_missed_share", loss_.missed_share);
      out.write_attr(c, "loss_missed_share_low", loss_.missed_low);
      out.write_attr(c, "loss_missed_share_high", loss_.missed_high);
      out.write_attr(c, "loss_probe_loss", loss_.probe_loss);
      out.write_attr(c, "loss_probe_loss_low", loss_.probe_loss_low);
      out.write_attr(c, "loss_probe_loss_high", loss_.probe_loss_high);
    } else {
      out.write_attr(c, "loss_why_not", loss_.why_not);
    }
    if (schedule_.retries > 0) {
      out.write_attr(c, "loss_seen_k", std::vector<uint64_t>(causes_.seen_k.begin() + 1, causes_.seen_k.end()));
      out.write_attr(c, "loss_fit_p_value", loss_.fit_p_value);
      out.write_attr(c, "loss_fit_distance", loss_.fit_distance);
      out.write_attr(c, "loss_overdispersion", loss_.overdispersion);
    }
    {
      std::vector<uint8_t> cause;
      std::vector<uint32_t> seconds;
      std::vector<uint64_t> repeats;
      if (root)
        for (const auto& e : repeats_by_cause_gap_.entries()) {
          cause.push_back(uint8_t(e.value >> 32));
          seconds.push_back(uint32_t(e.value));
          repeats.push_back(e.count);
        }
      out.write_table("/multiprobe/cause_intervals",
                      {{"cause", std::move(cause)}, {"seconds", std::move(seconds)}, {"repeats", std::move(repeats)}});
    }
    // One row per service seen more than once, from the rank that owns it (key order across ranks).
    out.write_table("/multiprobe/service_causes",
                    {{"ip", std::move(causes_.ip)}, {"port", std::move(causes_.port)}, {"proto", std::move(causes_.proto)},
                     {"observations", std::move(causes_.observations)}, {"cause", std::move(causes_.label)}});
  }

  MultiprobePartial local_, merged_;
  causes::LocalSequences sequences_;
  CountMap seconds_;
  causes::Schedule schedule_;
  std::vector<uint32_t> epochs_;
  causes::LocalCauses causes_;
  CountMap services_by_label_, repeats_by_label_, repeats_by_cause_gap_;
  causes::LossEstimate loss_;
};

}  // namespace

std::unique_ptr<ScanAnalysis> make_multiprobe() { return std::make_unique<Multiprobe>(); }

}  // namespace scanhpc::analyses
