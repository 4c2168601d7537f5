// flow series: per interval, packets and the distinct sources, destination
// nets and ASNs of the selected flows. Distinct keys are gathered per thread
// (folded into sorted runs as they grow), then deduplicated at one owner per key: sources
// at the owners of the partitioner every address key shares (contiguous
// ranges balanced by the sampled sources, hot /16s refined, so sources
// crowded into one prefix still spread), other keys at their key_owner.
// The per-interval counts, output-sized, are summed on rank 0.
#include <algorithm>
#include <iterator>
#include <map>

#include "scanhpc/analyses/flow_analysis.hpp"
#include "scanhpc/dist/exchange.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/kernels/key_owner.hpp"

namespace scanhpc::analyses {
namespace {

struct TimeKey {
  uint32_t time, key;
  friend auto operator<=>(const TimeKey&, const TimeKey&) = default;
};

// Collective: the number of distinct (time, key) pairs per time, on rank 0,
// from each rank's sorted distinct pairs (consumed). Pairs go to the owner of
// their key (`owner_of`), where equal pairs from several ranks meet; one
// rank counts its pairs where they are.
std::map<uint32_t, uint64_t> distinct_per_time(const dist::Comm& comm, std::vector<TimeKey>&& local,
                                               const std::function<int(uint32_t)>& owner_of, uint64_t round_bytes) {
  auto owned = dist::send_to_owners(comm, std::move(local), [&](const TimeKey& k) { return owner_of(k.key); },
                                    round_bytes);
  if (comm.size() > 1) std::sort(owned.begin(), owned.end());  // each source's part is sorted; equal pairs meet
  std::vector<dist::KeyCount<uint32_t>> per_time;
  for (size_t i = 0; i < owned.size(); ++i) {
    if (i > 0 && owned[i] == owned[i - 1]) continue;
    if (per_time.empty() || per_time.back().key != owned[i].time) per_time.push_back({owned[i].time, 0});
    ++per_time.back().count;
  }
  std::vector<TimeKey>().swap(owned);
  std::function<int(const uint32_t&)> to_root = [](const uint32_t&) { return 0; };
  std::map<uint32_t, uint64_t> out;
  for (const auto& e : dist::reduce_by_owner(comm, std::move(per_time), to_root, round_bytes)) out[e.key] = e.count;
  return out;
}

std::map<uint32_t, uint64_t> distinct_sources_per_time(const dist::Comm& comm, std::vector<TimeKey>&& local,
                                                       uint64_t round_bytes) {
  std::vector<uint32_t> ips;
  ips.reserve(local.size());
  for (const auto& tk : local) ips.push_back(tk.key);
  const PrefixOwnership owners = dist::build_ownership(comm, ips);
  std::vector<uint32_t>().swap(ips);
  return distinct_per_time(comm, std::move(local), [&](uint32_t ip) { return owners.owner(ip); }, round_bytes);
}

std::map<uint32_t, uint64_t> distinct_keys_per_time(const dist::Comm& comm, std::vector<TimeKey>&& local,
                                                    uint64_t round_bytes) {
  const int ranks = comm.size();
  return distinct_per_time(comm, std::move(local), [&](uint32_t key) { return key_owner(key, ranks); }, round_bytes);
}

// Distinct (time, key) pairs gathered chunk by chunk: a sorted, distinct
// run and a buffer of pending pairs, folded into the run whenever it reaches
// half the run's size (at least 4,096 pairs). Memory follows the number of
// distinct pairs (at most 1.5 times it between folds, 3 times while folding),
// whatever the chunk size or the number of rows.
class DistinctPairs {
 public:
  void add(const std::vector<std::pair<uint32_t, uint32_t>>& more) {
    for (const auto& [t, k] : more) pending_.push_back({t, k});
    if (pending_.size() >= std::max<size_t>(size_t(1) << 12, run_.size() / 2)) fold();
  }
  void add(DistinctPairs&& other) {
    other.fold();
    pending_.insert(pending_.end(), other.run_.begin(), other.run_.end());
    other = DistinctPairs{};
    fold();
  }
  // The distinct pairs, sorted; the accumulator is empty afterwards.
  std::vector<TimeKey> take() {
    fold();
    return std::move(run_);
  }

 private:
  void fold() {
    if (pending_.empty()) return;
    std::sort(pending_.begin(), pending_.end());
    pending_.erase(std::unique(pending_.begin(), pending_.end()), pending_.end());
    if (run_.empty()) {
      run_.swap(pending_);
      return;
    }
    std::vector<TimeKey> merged;
    merged.reserve(run_.size() + pending_.size());
    std::set_union(run_.begin(), run_.end(), pending_.begin(), pending_.end(), std::back_inserter(merged));
    run_ = std::move(merged);
    std::vector<TimeKey>().swap(pending_);
  }
  std::vector<TimeKey> run_, pending_;
};

struct SeriesAccumulator {
  std::map<uint32_t, uint64_t> packets;
  DistinctPairs src_ips, dst_nets, asns;
  void add(const flow::SeriesKeys& chunk) {
    for (const auto& [t, p] : chunk.packets) packets[t] += p;
    src_ips.add(chunk.src_ips);
    dst_nets.add(chunk.dst_nets);
    asns.add(chunk.asns);
  }
  void add(SeriesAccumulator&& other) {
    for (const auto& [t, p] : other.packets) packets[t] += p;
    src_ips.add(std::move(other.src_ips));
    dst_nets.add(std::move(other.dst_nets));
    asns.add(std::move(other.asns));
  }
};

class FlowSeries final : public FlowAnalysis {
 public:
  FlowSeries(const FlowAnalysisOptions& o, int threads) : o_(o), parts_(size_t(threads)) {}

  void accumulate(int thread, const flow::Ft4Columns& chunk, const std::vector<uint32_t>& selected) override {
    parts_[size_t(thread)].add(flow::local_series_keys(chunk, selected));
  }
  uint32_t ft4_columns() const override {  // local_series_keys
    using flow::Ft4Col, flow::ft4_bit;
    return ft4_bit(Ft4Col::time) | ft4_bit(Ft4Col::packet_cnt) | ft4_bit(Ft4Col::src_ip) |
           ft4_bit(Ft4Col::dst_net) | ft4_bit(Ft4Col::prefix2asn);
  }

  void merge(const dist::Comm& comm) override {
    SeriesAccumulator& local = parts_[0];
    for (size_t t = 1; t < parts_.size(); ++t) local.add(std::move(parts_[t]));
    std::vector<dist::KeyCount<uint32_t>> packets;
    for (const auto& [t, p] : local.packets) packets.push_back({t, p});
    std::function<int(const uint32_t&)> to_root = [](const uint32_t&) { return 0; };
    auto packets_global = dist::reduce_by_owner(comm, std::move(packets), to_root, o_.round_bytes);
    auto sources = distinct_sources_per_time(comm, local.src_ips.take(), o_.round_bytes);
    auto nets = distinct_keys_per_time(comm, local.dst_nets.take(), o_.round_bytes);
    auto asns = distinct_keys_per_time(comm, local.asns.take(), o_.round_bytes);
    for (const auto& e : packets_global)  // rank 0 only: every selected time is here
      rows_.push_back({e.key, e.count, sources[e.key], nets[e.key], asns[e.key]});
    parts_.clear();
  }

  void write(h5::File& out, const dist::Comm&) override {
    std::vector<uint32_t> time;
    std::vector<uint64_t> pk, src, dst, asn;
    for (const auto& r : rows_) {
      time.push_back(r.time); pk.push_back(r.packets); src.push_back(r.src_ips);
      dst.push_back(r.dst_nets); asn.push_back(r.asns);
    }
    out.write_table("/flow/series", {{"time", time}, {"packets", pk}, {"src_ips", src}, {"dst_nets", dst},
                                     {"asns", asn}});
  }

  void print() const override {
    std::printf("series (%s)\n%12s %16s %12s %10s %8s\n", o_.selection.describe().c_str(), "time", "packets",
                "src_ips", "dst_nets", "asns");
    for (const auto& r : rows_)
      std::printf("%12u %16llu %12llu %10llu %8llu\n", r.time, (unsigned long long)r.packets,
                  (unsigned long long)r.src_ips, (unsigned long long)r.dst_nets, (unsigned long long)r.asns);
  }

 private:
  FlowAnalysisOptions o_;
  std::vector<SeriesAccumulator> parts_;  // per thread
  std::vector<flow::SeriesRow> rows_;     // rank 0
};

}  // namespace

std::unique_ptr<FlowAnalysis> make_flow_series(const FlowAnalysisOptions& options, int threads) {
  return std::make_unique<FlowSeries>(options, threads);
}

}  // namespace scanhpc::analyses
