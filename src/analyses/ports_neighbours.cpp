// ports neighbours (seed 003's 1433 and 1434): per --pair a:b and protocol
// (and any protocol), the sources that hit a, b and both, on any sensors or
// on one same sensor. Kernel: ports/port_stats (local_neighbour_sources).
// Each row's counts are summed at the key_owner of the row, then gathered
// on rank 0 (output-sized: a few rows per pair).
#include <cstdio>
#include <map>
#include <tuple>

#include "scanhpc/analyses/ports_analysis.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/kernels/key_owner.hpp"

namespace scanhpc::analyses {
namespace {

using dist::KeyCount;

// A neighbour-row count as a reducible key: the row's key and which count.
struct NeighbourKey {
  uint32_t ab;
  int32_t proto;
  uint32_t day;
  uint32_t field;  // 0 sources_a, 1 sources_b, 2 both, 3 both_same_sensor
  friend bool operator<(const NeighbourKey& x, const NeighbourKey& y) {
    return std::tie(x.ab, x.proto, x.day, x.field) < std::tie(y.ab, y.proto, y.day, y.field);
  }
};

class PortsNeighbours final : public PortsAnalysis {
 public:
  explicit PortsNeighbours(const PortsAnalysisOptions& o) : o_(o) {}

  void accumulate(const ports::PortTuples& tuples) override {
    local_ = ports::neighbour_sources(tuples, o_.pairs, false);
  }

  // Collective: the rows summed at their owners, then on rank 0 (empty elsewhere).
  void merge(const dist::Comm& comm) override {
    std::vector<KeyCount<NeighbourKey>> entries;
    for (const auto& r : local_) {
      const uint32_t ab = uint32_t(r.a) << 16 | r.b;
      const uint64_t counts[4] = {r.sources_a, r.sources_b, r.both, r.both_same_sensor};
      for (uint32_t f = 0; f < 4; ++f) entries.push_back({{ab, r.proto, r.day, f}, counts[f]});
    }
    local_ = {};
    const int ranks = comm.size();
    const auto owned = dist::reduce_by_owner<NeighbourKey>(
        comm, std::move(entries),
        [ranks](const NeighbourKey& k) {
          return key_owner(uint64_t(k.ab) << 32 | uint32_t(k.proto), k.day, ranks);
        },
        o_.round_bytes);
    std::vector<uint64_t> words;  // the reduced rows, output-sized, to rank 0
    for (const auto& e : owned)
      words.insert(words.end(), {e.key.ab, uint32_t(e.key.proto), e.key.day, e.key.field, e.count});
    const auto all = comm.gatherv(words, 0);
    std::map<std::tuple<uint32_t, int32_t, uint32_t>, ports::NeighbourRow> rows;
    for (size_t i = 0; i + 5 <= all.size(); i += 5) {
      const auto ab = uint32_t(all[i]);
      const auto proto = int32_t(uint32_t(all[i + 1]));
      const auto day = uint32_t(all[i + 2]);
      auto& r = rows[{ab, proto, day}];
      r.a = uint16_t(ab >> 16), r.b = uint16_t(ab), r.proto = proto, r.day = day;
      uint64_t* fields[4] = {&r.sources_a, &r.sources_b, &r.both, &r.both_same_sensor};
      *fields[all[i + 3]] += all[i + 4];
    }
    std::vector<ports::NeighbourRow> merged;
    for (auto& [k, r] : rows) merged.push_back(r);
    rows_ = ports::merge_neighbour_sources(std::move(merged));  // the kernel's row order
  }

  void write(h5::File& out, const dist::Comm&, const std::vector<std::string>&) override {
    std::vector<uint16_t> a, b;
    std::vector<std::string> proto;
    std::vector<uint64_t> sa, sb, both, same;
    for (const auto& r : rows_) {
      a.push_back(r.a); b.push_back(r.b); proto.push_back(r.proto < 0 ? "any" : ports::proto_name(uint8_t(r.proto)));
      sa.push_back(r.sources_a); sb.push_back(r.sources_b); both.push_back(r.both); same.push_back(r.both_same_sensor);
    }
    out.write_table("/ports/neighbours", {{"port_a", std::move(a)}, {"port_b", std::move(b)},
                                          {"protocol", std::move(proto)}, {"sources_a", std::move(sa)},
                                          {"sources_b", std::move(sb)}, {"sources_both", std::move(both)},
                                          {"sources_both_same_sensor", std::move(same)}});
  }

  void print() const override {
    std::printf("neighbour ports (sources)\n%6s %6s %-6s %10s %10s %10s\n", "a", "b", "proto", "a", "b", "both");
    for (const auto& r : rows_)
      std::printf("%6u %6u %-6s %10llu %10llu %10llu\n", r.a, r.b,
                  r.proto < 0 ? "any" : ports::proto_name(uint8_t(r.proto)).c_str(), (unsigned long long)r.sources_a,
                  (unsigned long long)r.sources_b, (unsigned long long)r.both);
  }

 private:
  PortsAnalysisOptions o_;
  std::vector<ports::NeighbourRow> local_;
  std::vector<ports::NeighbourRow> rows_;  // rank 0
};

}  // namespace

std::unique_ptr<PortsAnalysis> make_ports_neighbours(const PortsAnalysisOptions& options) {
  return std::make_unique<PortsNeighbours>(options);
}

}  // namespace scanhpc::analyses
