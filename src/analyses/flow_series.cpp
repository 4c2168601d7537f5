// flow series: per interval, packets and the distinct sources, destination
// nets and ASNs of the selected flows. Distinct keys are gathered per thread
// (compacted as they grow), then deduplicated at one owner per key: sources
// at the owners of the partitioner every address key shares (contiguous
// ranges balanced by the sampled sources, hot /16s refined, so sources
// crowded into one prefix still spread), other keys at their key_owner.
// The per-interval counts, output-sized, are summed on rank 0.
#include <algorithm>
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

// Collective: the number of distinct (time, key) pairs per time, on rank 0.
// Pairs go to the owner of their key (`owner_of`), which deduplicates them.
std::map<uint32_t, uint64_t> distinct_per_time(const dist::Comm& comm,
                                               const std::vector<std::pair<uint32_t, uint32_t>>& local,
                                               const std::function<int(uint32_t)>& owner_of, uint64_t round_bytes) {
  std::vector<dist::KeyCount<TimeKey>> keys;
  keys.reserve(local.size());
  for (const auto& [t, k] : local) keys.push_back({{t, k}, 1});
  std::function<int(const TimeKey&)> by_key = [&](const TimeKey& k) { return owner_of(k.key); };
  auto owned = dist::reduce_by_owner(comm, std::move(keys), by_key, round_bytes);
  std::vector<dist::KeyCount<uint32_t>> per_time;
  for (const auto& e : owned) {
    if (per_time.empty() || per_time.back().key != e.key.time) per_time.push_back({e.key.time, 0});
    ++per_time.back().count;
  }
  std::function<int(const uint32_t&)> to_root = [](const uint32_t&) { return 0; };
  std::map<uint32_t, uint64_t> out;
  for (const auto& e : dist::reduce_by_owner(comm, std::move(per_time), to_root, round_bytes)) out[e.key] = e.count;
  return out;
}

std::map<uint32_t, uint64_t> distinct_sources_per_time(const dist::Comm& comm,
                                                       const std::vector<std::pair<uint32_t, uint32_t>>& local,
                                                       uint64_t round_bytes) {
  std::vector<uint32_t> ips;
  ips.reserve(local.size());
  for (const auto& tk : local) ips.push_back(tk.second);
  const PrefixOwnership owners = dist::build_ownership(comm, ips);
  std::vector<uint32_t>().swap(ips);
  return distinct_per_time(comm, local, [&](uint32_t ip) { return owners.owner(ip); }, round_bytes);
}

std::map<uint32_t, uint64_t> distinct_keys_per_time(const dist::Comm& comm,
                                                    const std::vector<std::pair<uint32_t, uint32_t>>& local,
                                                    uint64_t round_bytes) {
  const int ranks = comm.size();
  return distinct_per_time(comm, local, [&](uint32_t key) { return key_owner(key, ranks); }, round_bytes);
}

// Distinct series keys gathered chunk by chunk: sorted and deduplicated
// whenever they have doubled since the last time, so memory follows the
// number of distinct keys, not of rows.
struct SeriesAccumulator {
  flow::SeriesKeys keys;
  size_t compacted = 0;
  void add(const flow::SeriesKeys& chunk) {
    for (const auto& [t, p] : chunk.packets) keys.packets[t] += p;
    keys.src_ips.insert(keys.src_ips.end(), chunk.src_ips.begin(), chunk.src_ips.end());
    keys.dst_nets.insert(keys.dst_nets.end(), chunk.dst_nets.begin(), chunk.dst_nets.end());
    keys.asns.insert(keys.asns.end(), chunk.asns.begin(), chunk.asns.end());
    const size_t n = keys.src_ips.size() + keys.dst_nets.size() + keys.asns.size();
    if (n > 2 * compacted + (1 << 16)) compact();
  }
  void compact() {
    for (auto* v : {&keys.src_ips, &keys.dst_nets, &keys.asns}) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    compacted = keys.src_ips.size() + keys.dst_nets.size() + keys.asns.size();
  }
};

class FlowSeries final : public FlowAnalysis {
 public:
  FlowSeries(const FlowAnalysisOptions& o, int threads) : o_(o), parts_(size_t(threads)) {}

  void accumulate(int thread, const flow::Ft4Columns& chunk, const std::vector<uint32_t>& selected) override {
    parts_[size_t(thread)].add(flow::local_series_keys(chunk, selected));
  }

  void merge(const dist::Comm& comm) override {
    SeriesAccumulator& local = parts_[0];
    for (size_t t = 1; t < parts_.size(); ++t) local.add(parts_[t].keys);
    local.compact();
    const auto& keys = local.keys;
    std::vector<dist::KeyCount<uint32_t>> packets;
    for (const auto& [t, p] : keys.packets) packets.push_back({t, p});
    std::function<int(const uint32_t&)> to_root = [](const uint32_t&) { return 0; };
    auto packets_global = dist::reduce_by_owner(comm, std::move(packets), to_root, o_.round_bytes);
    auto sources = distinct_sources_per_time(comm, keys.src_ips, o_.round_bytes);
    auto nets = distinct_keys_per_time(comm, keys.dst_nets, o_.round_bytes);
    auto asns = distinct_keys_per_time(comm, keys.asns, o_.round_bytes);
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
