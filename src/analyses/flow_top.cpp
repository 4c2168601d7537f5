// flow top: the top-N values of fields by flows, packets or destination
// addresses. Per thread a value -> count table per requested table; the
// tables are summed at each value's key_owner, and the global top n, which
// lies within the owners' top n (each value has one owner), is merged up a
// tree to rank 0.
#include <algorithm>
#include <unordered_map>

#include "scanhpc/analyses/flow_analysis.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/dist/tree_reduce.hpp"
#include "scanhpc/kernels/key_owner.hpp"

namespace scanhpc::analyses {
namespace {

using Counts = std::unordered_map<uint64_t, uint64_t>;

// Collective: the top rows from this rank's value -> count table, on rank 0 (empty elsewhere).
std::vector<flow::TopRow> global_top(const dist::Comm& comm, const Counts& counts, flow::Field field, size_t n,
                                     uint64_t round_bytes) {
  std::vector<dist::KeyCount<uint64_t>> local;
  uint64_t local_total = 0;
  for (const auto& [v, c] : counts) {
    local.push_back({v, c});
    local_total += c;
  }
  const int ranks = comm.size();
  std::function<int(const uint64_t&)> owner = [&](const uint64_t& v) { return key_owner(v, ranks); };
  auto owned = dist::reduce_by_owner(comm, std::move(local), owner, round_bytes);
  // Each value has one owner, so the global top n is the top n of the
  // owners' top n, merged up a tree (rank 0 receives log2 P lists of n).
  auto keep_top = [n](std::vector<dist::KeyCount<uint64_t>> v) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.count != b.count ? a.count > b.count : a.key < b.key;
    });
    if (v.size() > n) v.resize(n);
    return v;
  };
  auto top = dist::tree_reduce_to_root(comm, keep_top(std::move(owned)), [&](auto a, auto b) {
    a.insert(a.end(), b.begin(), b.end());
    return keep_top(std::move(a));
  });
  const uint64_t total = comm.allreduce_sum(local_total);
  if (!comm.is_root()) return {};
  std::vector<std::pair<uint64_t, uint64_t>> pairs;
  for (const auto& e : top) pairs.emplace_back(e.key, e.count);
  return flow::top_rows(std::move(pairs), field, n, total);
}

class FlowTop final : public FlowAnalysis {
 public:
  FlowTop(const FlowAnalysisOptions& o, int threads)
      : o_(o), counts_(size_t(threads), std::vector<Counts>(o.tables.size())) {}

  void accumulate(int thread, const flow::Ft4Columns& chunk, const std::vector<uint32_t>& selected) override {
    for (size_t k = 0; k < o_.tables.size(); ++k)
      for (const auto& [v, c] : flow::local_top_counts(chunk, selected, o_.tables[k].first, o_.tables[k].second))
        counts_[size_t(thread)][k][v] += c;
  }
  uint32_t ft4_columns() const override {  // local_top_counts
    uint32_t m = flow::ft4_bit(flow::Ft4Col::time);
    for (const auto& [field, metric] : o_.tables)
      m |= flow::ft4_columns_of(field) |
           (metric == flow::Metric::packets   ? flow::ft4_bit(flow::Ft4Col::packet_cnt)
            : metric == flow::Metric::dst_ips ? flow::ft4_bit(flow::Ft4Col::uniq_dst_ips)
                                              : 0u);
    return m;
  }

  void merge(const dist::Comm& comm) override {
    for (size_t k = 0; k < o_.tables.size(); ++k) {
      Counts merged = std::move(counts_[0][k]);
      for (size_t t = 1; t < counts_.size(); ++t)
        for (const auto& [v, c] : counts_[t][k]) merged[v] += c;
      const auto [field, metric] = o_.tables[k];
      results_.push_back({std::string(flow::field_name(field)) + "_by_" + std::string(flow::metric_name(metric)),
                          global_top(comm, merged, field, o_.top_n, o_.round_bytes)});
    }
    counts_.clear();
  }

  void write(h5::File& out, const dist::Comm&) override {
    out.create_group("/flow/top");
    for (const auto& t : results_) {
      std::vector<uint32_t> rank;
      std::vector<std::string> value;
      std::vector<uint64_t> count;
      std::vector<double> pct, cumpct;
      for (const auto& r : t.rows) {
        rank.push_back(r.rank); value.push_back(r.value); count.push_back(r.count);
        pct.push_back(r.pct); cumpct.push_back(r.cumpct);
      }
      out.write_table("/flow/top/" + t.name, {{"rank", std::move(rank)}, {"value", std::move(value)},
                                              {"count", std::move(count)}, {"pct", std::move(pct)},
                                              {"cumpct", std::move(cumpct)}});
    }
  }

  void print() const override {
    for (const auto& t : results_) {
      std::printf("%s (%s)\n%6s  %-18s %16s %9s %9s\n", t.name.c_str(), o_.selection.describe().c_str(), "rank",
                  "value", "count", "pct", "cumpct");
      for (const auto& r : t.rows)
        std::printf("%6u  %-18s %16llu %8.3f%% %8.3f%%\n", r.rank, r.value.c_str(), (unsigned long long)r.count,
                    100 * r.pct, 100 * r.cumpct);
    }
  }

 private:
  struct Table {
    std::string name;  // <field>_by_<metric>
    std::vector<flow::TopRow> rows;
  };
  FlowAnalysisOptions o_;
  std::vector<std::vector<Counts>> counts_;  // per thread, per table
  std::vector<Table> results_;
};

}  // namespace

std::unique_ptr<FlowAnalysis> make_flow_top(const FlowAnalysisOptions& options, int threads) {
  return std::make_unique<FlowTop>(options, threads);
}

}  // namespace scanhpc::analyses
