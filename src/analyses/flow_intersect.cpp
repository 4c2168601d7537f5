// flow intersect: the flows matching every --where against those matching
// the first alone (the baseline), and the first --sample matching flows in
// input order. Threads and ranks hold consecutive blocks, so thread order
// and rank order are input order: the sample is merged up a tree to rank 0,
// lower ranks first, and cut to --sample at every step (output-sized).
#include <algorithm>

#include "scanhpc/analyses/flow_analysis.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/dist/tree_reduce.hpp"

namespace scanhpc::analyses {
namespace {

constexpr size_t kWidth = 9;  // values of one sample row

struct SampleRow {
  uint64_t v[kWidth];
};

class FlowIntersect final : public FlowAnalysis {
 public:
  FlowIntersect(const FlowAnalysisOptions& o, int threads)
      : o_(o), base_(o.selection), baseline_(size_t(threads), 0), matching_(size_t(threads), 0),
        sample_(size_t(threads)) {
    base_.where.resize(std::min<size_t>(base_.where.size(), 1));
  }

  void accumulate(int thread, const flow::Ft4Columns& rows, const std::vector<uint32_t>& selected) override {
    const size_t t = size_t(thread);
    baseline_[t] += flow::local_select(rows, base_).size();
    matching_[t] += selected.size();
    auto& mine = sample_[t];
    for (size_t k = 0; k < selected.size() && mine.size() < o_.sample; ++k) {
      const uint32_t i = selected[k];
      mine.push_back({{rows.time[i], rows.src_ip[i], rows.dst_net[i], rows.dst_port[i], rows.protocol[i],
                       rows.packet_cnt[i], rows.uniq_dst_ips[i], rows.netacq_country[i], rows.prefix2asn[i]}});
    }
  }

  void merge(const dist::Comm& comm) override {
    std::vector<SampleRow> mine;
    for (size_t t = 0; t < sample_.size(); ++t) {  // threads hold consecutive blocks: thread order is input order
      baseline_total_ += baseline_[t];
      intersection_ += matching_[t];
      mine.insert(mine.end(), sample_[t].begin(), sample_[t].end());
    }
    if (mine.size() > o_.sample) mine.resize(o_.sample);
    baseline_total_ = comm.allreduce_sum(baseline_total_);
    intersection_ = comm.allreduce_sum(intersection_);
    const size_t n = o_.sample;
    rows_ = dist::tree_reduce_to_root(comm, std::move(mine), [n](std::vector<SampleRow> a, const auto& b) {
      a.insert(a.end(), b.begin(), b.end());  // a: the lower ranks', earlier in the input
      if (a.size() > n) a.resize(n);
      return a;
    });
    sample_.clear();
  }

  void write(h5::File& out, const dist::Comm&) override {
    std::vector<uint32_t> time, src, dst, dpkts, asn;
    std::vector<uint16_t> port;
    std::vector<uint8_t> proto;
    std::vector<uint64_t> packets;
    std::vector<std::string> country;
    for (const auto& r : rows_) {
      time.push_back(uint32_t(r.v[0])); src.push_back(uint32_t(r.v[1]));
      dst.push_back(uint32_t(r.v[2])); port.push_back(uint16_t(r.v[3]));
      proto.push_back(uint8_t(r.v[4])); packets.push_back(r.v[5]);
      dpkts.push_back(uint32_t(r.v[6])); country.push_back(flow::code2_text(flow::Code2(r.v[7])));
      asn.push_back(uint32_t(r.v[8]));
    }
    out.create_group("/flow/intersection");
    out.write_attr("/flow/intersection", "baseline", baseline_total_);
    out.write_attr("/flow/intersection", "intersection", intersection_);
    out.write_attr("/flow/intersection", "share",
                   baseline_total_ ? double(intersection_) / double(baseline_total_) : 0.0);
    out.write_attr("/flow/intersection", "conditions", conditions());
    out.write_table("/flow/intersection/sample",
                    {{"time", time}, {"src_ip", src}, {"dst_net", dst}, {"dst_port", port}, {"protocol", proto},
                     {"packet_cnt", packets}, {"uniq_dst_ips", dpkts}, {"netacq_country", country},
                     {"prefix2asn", asn}});
  }

  void print() const override {
    std::printf("baseline (%s): %llu flows\nintersection (%s): %llu flows (%.4f%% of the baseline)\n",
                o_.selection.where.front().text.c_str(), (unsigned long long)baseline_total_, conditions().c_str(),
                (unsigned long long)intersection_,
                baseline_total_ ? 100.0 * double(intersection_) / double(baseline_total_) : 0.0);
    for (const auto& r : rows_)
      std::printf("  %u %s -> %s port %u proto %u packets %llu dst_ips %u %s AS%u\n", uint32_t(r.v[0]),
                  format_ipv4(uint32_t(r.v[1])).c_str(), format_ipv4(uint32_t(r.v[2])).c_str(), unsigned(r.v[3]),
                  unsigned(r.v[4]), (unsigned long long)r.v[5], uint32_t(r.v[6]),
                  flow::code2_text(flow::Code2(r.v[7])).c_str(), uint32_t(r.v[8]));
  }

 private:
  std::string conditions() const {
    std::string conds;
    for (const auto& w : o_.selection.where) {
      if (!conds.empty()) conds += " AND ";
      conds += w.text;
    }
    return conds;
  }

  FlowAnalysisOptions o_;
  flow::Selection base_;  // the first --where only
  std::vector<uint64_t> baseline_, matching_;   // per thread
  std::vector<std::vector<SampleRow>> sample_;  // per thread, in input order
  uint64_t baseline_total_ = 0, intersection_ = 0;
  std::vector<SampleRow> rows_;  // rank 0: the sample
};

}  // namespace

std::unique_ptr<FlowAnalysis> make_flow_intersect(const FlowAnalysisOptions& options, int threads) {
  if (options.selection.where.empty())
    throw std::invalid_argument("intersect: give at least one --where (the first is the baseline)");
  return std::make_unique<FlowIntersect>(options, threads);
}

}  // namespace scanhpc::analyses
