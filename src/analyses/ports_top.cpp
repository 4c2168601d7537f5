// ports top (seed 003's summary(factor(dpt))): events per (protocol, port),
// the top n per protocol and "(Other)", and the events without a port per
// protocol. Kernel: ports/port_stats (local_port_counts, top_candidates,
// top_ports). Counts are summed at each port's key_owner; the global top n,
// which lies within the owners' top n, is merged up a tree.
#include <cstdio>
#include <cstring>

#include "scanhpc/analyses/ports_analysis.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/dist/tree_reduce.hpp"
#include "scanhpc/kernels/key_owner.hpp"

namespace scanhpc::analyses {

std::vector<ports::TopPortRow> global_top_ports(const dist::Comm& comm, const ports::PortCounts& local, size_t n,
                                                uint64_t round_bytes) {
  using dist::KeyCount;
  std::vector<KeyCount<uint32_t>> entries;
  entries.reserve(local.ports.size());
  for (const auto& [k, c] : local.ports) entries.push_back({port_word(k.proto, k.port), c});
  const int ranks = comm.size();
  const auto owned = dist::reduce_by_owner<uint32_t>(
      comm, std::move(entries), [ranks](const uint32_t& w) { return key_owner(w, ranks); }, round_bytes);
  ports::PortCounts mine;
  std::vector<uint64_t> totals(256, 0);
  for (const auto& e : owned) {
    mine.ports[{uint8_t(e.key >> 16), uint16_t(e.key)}] = e.count;
    totals[e.key >> 16] += e.count;
  }
  comm.allreduce_sum_inplace(totals);
  // Each port has one owner, so the global top n per protocol is the top n
  // of the owners' top n, merged up a tree (rank 0 receives log2 P lists of
  // n per protocol) and broadcast: output-sized.
  auto as_entries = [](const ports::PortCounts& counts) {
    std::vector<KeyCount<uint32_t>> v;
    for (const auto& [k, c] : counts.ports) v.push_back({port_word(k.proto, k.port), c});
    return v;
  };
  auto as_counts = [](const std::vector<KeyCount<uint32_t>>& v) {
    ports::PortCounts counts;
    for (const auto& e : v) counts.ports[{uint8_t(e.key >> 16), uint16_t(e.key)}] = e.count;
    return counts;
  };
  auto top = dist::tree_reduce_to_root(
      comm, as_entries(ports::top_candidates(mine, n)), [&](std::vector<KeyCount<uint32_t>> a, const auto& b) {
        a.insert(a.end(), b.begin(), b.end());
        return as_entries(ports::top_candidates(as_counts(a), n));
      });
  std::string bytes(reinterpret_cast<const char*>(top.data()), top.size() * sizeof top[0]);
  comm.bcast(bytes, 0);
  top.resize(bytes.size() / sizeof top[0]);
  if (!top.empty()) std::memcpy(top.data(), bytes.data(), bytes.size());
  std::map<uint8_t, uint64_t> total_map;
  for (size_t p = 0; p < totals.size(); ++p)
    if (totals[p]) total_map[uint8_t(p)] = totals[p];
  return ports::top_ports(as_counts(top), total_map, n);
}

namespace {

class PortsTop final : public PortsAnalysis {
 public:
  explicit PortsTop(const PortsAnalysisOptions& o) : o_(o) {}

  // Events, not tuples: the table counts every event, repeats included (no source is needed).
  void accumulate_events(const ports::EventColumns& events) override { local_ = ports::local_port_counts(events); }
  void accumulate(const ports::PortTuples&) override {}

  void merge(const dist::Comm& comm) override {
    top_ = global_top_ports(comm, local_, o_.top_n, o_.round_bytes);
    std::vector<uint64_t> no_port(256, 0);
    for (const auto& [p, c] : local_.no_port) no_port[p] += c;
    local_ = {};
    comm.allreduce_sum_inplace(no_port);
    for (size_t p = 0; p < no_port.size(); ++p)
      if (no_port[p]) no_port_[uint8_t(p)] = no_port[p];
  }

  void write(h5::File& out, const dist::Comm& comm, const std::vector<std::string>&) override {
    // Events without a port (ICMP, empty port fields), per protocol: every rank knows them.
    std::string no_port;
    for (const auto& [p, c] : no_port_)
      no_port += (no_port.empty() ? "" : ", ") + ports::proto_name(p) + " " + std::to_string(c);
    out.write_attr("/ports", "events_without_port", no_port);
    std::vector<std::string> proto;
    std::vector<uint32_t> rank;
    std::vector<int32_t> port;  // -1: (Other)
    std::vector<uint64_t> count;
    std::vector<double> share;
    // Every rank has the table; rank 0 writes it.
    for (const auto& r : comm.is_root() ? top_ : std::vector<ports::TopPortRow>{}) {
      proto.push_back(ports::proto_name(r.proto)); rank.push_back(r.rank); port.push_back(r.port);
      count.push_back(r.count); share.push_back(r.share);
    }
    out.write_table("/ports/top", {{"protocol", std::move(proto)}, {"rank", std::move(rank)},
                                   {"port", std::move(port)}, {"count", std::move(count)},
                                   {"share", std::move(share)}});
  }

  void print() const override {
    std::printf("top ports per protocol (events)\n%-9s %5s %8s %14s %8s\n", "protocol", "rank", "port", "count",
                "share");
    for (const auto& r : top_)
      std::printf("%-9s %5u %8s %14llu %7.2f%%\n", ports::proto_name(r.proto).c_str(), r.rank,
                  r.port < 0 ? "(Other)" : std::to_string(r.port).c_str(), (unsigned long long)r.count,
                  100 * r.share);
  }

 private:
  PortsAnalysisOptions o_;
  ports::PortCounts local_;
  std::vector<ports::TopPortRow> top_;  // every rank
  std::map<uint8_t, uint64_t> no_port_;  // every rank
};

}  // namespace

std::unique_ptr<PortsAnalysis> make_ports_top(const PortsAnalysisOptions& options) {
  return std::make_unique<PortsTop>(options);
}

}  // namespace scanhpc::analyses
