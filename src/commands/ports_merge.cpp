#include "scanhpc/commands/ports_merge.hpp"

#include <algorithm>
#include <cstring>
#include <functional>
#include <stdexcept>
#include <tuple>

#include "scanhpc/core/random.hpp"
#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/dist/tree_reduce.hpp"
#include "scanhpc/dist/splitters.hpp"
#include "scanhpc/kernels/key_owner.hpp"

namespace scanhpc::commands {
namespace {

using dist::KeyCount;

uint32_t port_word(uint8_t proto, uint16_t port) { return uint32_t(proto) << 16 | port; }
int port_owner(uint32_t word, int ranks) { return key_owner(word, ranks); }

// Collective: `local` summed at port owners; the top n per protocol from
// the owners' candidates, on every rank.
std::vector<ports::TopPortRow> global_top(const dist::Comm& comm, const ports::PortCounts& local, size_t n,
                                          uint64_t round_bytes) {
  std::vector<KeyCount<uint32_t>> entries;
  entries.reserve(local.ports.size());
  for (const auto& [k, c] : local.ports) entries.push_back({port_word(k.proto, k.port), c});
  const int ranks = comm.size();
  const auto owned = dist::reduce_by_owner<uint32_t>(
      comm, std::move(entries), [ranks](const uint32_t& w) { return port_owner(w, ranks); }, round_bytes);
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
  const ports::PortCounts all = as_counts(top);
  std::map<uint8_t, uint64_t> total_map;
  for (size_t p = 0; p < totals.size(); ++p)
    if (totals[p]) total_map[uint8_t(p)] = totals[p];
  return ports::top_ports(all, total_map, n);
}

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

std::vector<ports::NeighbourRow> global_pairs(const dist::Comm& comm, const std::vector<ports::NeighbourRow>& local,
                                              uint64_t round_bytes) {
  std::vector<KeyCount<NeighbourKey>> entries;
  for (const auto& r : local) {
    const uint32_t ab = uint32_t(r.a) << 16 | r.b;
    const uint64_t counts[4] = {r.sources_a, r.sources_b, r.both, r.both_same_sensor};
    for (uint32_t f = 0; f < 4; ++f) entries.push_back({{ab, r.proto, r.day, f}, counts[f]});
  }
  const int ranks = comm.size();
  const auto owned = dist::reduce_by_owner<NeighbourKey>(
      comm, std::move(entries),
      [ranks](const NeighbourKey& k) {
        return key_owner(uint64_t(k.ab) << 32 | uint32_t(k.proto), k.day, ranks);
      },
      round_bytes);
  std::vector<uint64_t> words;  // the reduced rows, output-sized, to rank 0
  for (const auto& e : owned) words.insert(words.end(), {e.key.ab, uint32_t(e.key.proto), e.key.day, e.key.field, e.count});
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
  std::vector<ports::NeighbourRow> out;
  for (auto& [k, r] : rows) out.push_back(r);
  return ports::merge_neighbour_sources(std::move(out));  // the kernel's row order
}

}  // namespace

PortsResults merge_port_analyses(const dist::Comm& comm, const ports::EventColumns& events,
                                 const PortsMergeOptions& o) {
  PortsResults res;
  const int ranks = comm.size();
  {  // 1. top ports, and events without a port
    const auto counts = ports::local_port_counts(events);
    res.top = global_top(comm, counts, o.top, o.round_bytes);
    std::vector<uint64_t> no_port(256, 0);
    for (const auto& [p, c] : counts.no_port) no_port[p] += c;
    comm.allreduce_sum_inplace(no_port);
    for (size_t p = 0; p < no_port.size(); ++p)
      if (no_port[p]) res.no_port[uint8_t(p)] = no_port[p];
  }

  // 2. Daily counts in ranges of their key (day, sensor, proto, port), for
  // the /ports/daily rows; then at owners of ranges of (day, proto, port),
  // with the active sensors of their days, for the daily means. Ranges, not
  // whole days: one day of data still spreads over every rank.
  {
    auto daily_local = ports::local_daily_sources(events);
    std::vector<uint64_t> keys(daily_local.size());
    for (size_t i = 0; i < daily_local.size(); ++i) keys[i] = daily_local[i].key;
    const auto splitters = dist::regular_splitters(comm, keys);
    keys = {};
    res.daily = ports::merge_daily_sources(dist::send_to_owners(
        comm, std::move(daily_local),
        [&](const ports::DailyCount& d) { return dist::splitter_owner(splitters, d.key); }, o.round_bytes));
  }
  auto active_local = ports::local_active_sensors(events);
  // (day, proto, port) as one sortable word.
  auto mean_key = [](const ports::DailyKey& k) { return uint64_t(k.day) << 24 | uint64_t(k.proto) << 16 | k.port; };
  std::vector<uint64_t> mkeys(res.daily.size());
  for (size_t i = 0; i < res.daily.size(); ++i) mkeys[i] = mean_key(res.daily[i].fields());
  std::sort(mkeys.begin(), mkeys.end());
  const auto mean_splitters = dist::regular_splitters(comm, mkeys);
  mkeys = {};
  auto by_mean_owner = dist::send_to_owners(
      comm, res.daily,
      [&](const ports::DailyCount& d) { return dist::splitter_owner(mean_splitters, mean_key(d.fields())); },
      o.round_bytes);
  std::sort(by_mean_owner.begin(), by_mean_owner.end(), [](const auto& x, const auto& y) { return x.key < y.key; });
  // Active (day, sensor) pairs: distinct at the owner of the day, then to
  // every rank whose range of (day, proto, port) holds part of that day.
  struct DaySensor {  // std::pair is not trivially copyable
    uint32_t day, sensor;
  };
  std::vector<std::pair<uint32_t, uint32_t>> active;
  if (o.denominator == ports::Denominator::active_sensors) {
    std::vector<DaySensor> rows;
    for (const auto& [day, sensor] : active_local) rows.push_back({day, sensor});
    active_local = {};
    std::vector<std::pair<uint32_t, uint32_t>> pairs;
    for (const auto& a : dist::send_to_owners(
             comm, rows, [ranks](const DaySensor& a) { return int(hash2(a.day, 0xda7) % uint64_t(ranks)); },
             o.round_bytes))
      pairs.emplace_back(a.day, a.sensor);
    pairs = ports::merge_active_sensors(std::move(pairs));
    std::vector<DaySensor> copies;
    std::vector<uint64_t> counts(size_t(ranks), 0), offsets(size_t(ranks), 0);
    std::vector<std::vector<DaySensor>> to(static_cast<size_t>(ranks));
    for (const auto& [day, sensor] : pairs) {
      const int lo = dist::splitter_owner(mean_splitters, uint64_t(day) << 24);
      const int hi = dist::splitter_owner(mean_splitters, uint64_t(day) << 24 | 0xFFFFFF);
      for (int r = lo; r <= hi; ++r) to[size_t(r)].push_back({day, sensor});
    }
    for (int r = 0; r < ranks; ++r) {
      offsets[size_t(r)] = copies.size();
      counts[size_t(r)] = to[size_t(r)].size();
      copies.insert(copies.end(), to[size_t(r)].begin(), to[size_t(r)].end());
    }
    to = {};
    for (const auto& a : dist::alltoallv_rounds(comm, copies, counts, offsets, o.round_bytes))
      active.emplace_back(a.day, a.sensor);
    active = ports::merge_active_sensors(std::move(active));
  }
  active_local = {};
  res.means = ports::daily_means(by_mean_owner, o.denominator, active);
  by_mean_owner = {};

  // 3. The boxes' ports, the seed's top.ports: ranked by deduplicated
  // (day, sensor, source, port) tuples.
  const auto box_ports = ports::top_port_keys(global_top(comm, ports::port_counts_from_daily(res.daily), o.top, o.round_bytes));

  // 4. Means at the owners of their ports: per-port averages in day order
  // (lower ranks hold earlier days, so arrival order is day order).
  auto by_port = dist::send_to_owners(
      comm, res.means, [ranks](const ports::DailyMean& m) { return port_owner(port_word(m.proto, m.port), ranks); },
      o.round_bytes);
  std::stable_sort(by_port.begin(), by_port.end(), [](const auto& x, const auto& y) {
    return std::tie(x.proto, x.port, x.day) < std::tie(y.proto, y.port, y.day);
  });
  std::vector<uint64_t> avg_words, box_words;
  {
    std::vector<PortAverage> avgs;
    for (size_t i = 0; i < by_port.size();) {
      size_t j = i;
      double sum = 0;
      for (; j < by_port.size() && by_port[j].proto == by_port[i].proto && by_port[j].port == by_port[i].port; ++j)
        sum += by_port[j].mean_sources;
      avgs.push_back({by_port[i].proto, by_port[i].port, sum / double(j - i)});
      i = j;
    }
    const auto better = [](const PortAverage& x, const PortAverage& y) {
      return x.mean != y.mean ? x.mean > y.mean : std::tie(x.proto, x.port) < std::tie(y.proto, y.port);
    };
    std::sort(avgs.begin(), avgs.end(), better);
    for (size_t i = 0; i < avgs.size() && i < 10; ++i) {
      uint64_t bits;
      std::memcpy(&bits, &avgs[i].mean, sizeof bits);
      avg_words.insert(avg_words.end(), {port_word(avgs[i].proto, avgs[i].port), bits});
    }
    for (const auto& m : by_port)
      if (std::find(box_ports.begin(), box_ports.end(), ports::PortKey{m.proto, m.port}) != box_ports.end()) {
        uint64_t bits;
        std::memcpy(&bits, &m.mean_sources, sizeof bits);
        box_words.insert(box_words.end(), {m.day, port_word(m.proto, m.port), bits, m.sensors, m.sources});
      }
  }
  by_port = {};
  const auto all_avgs = comm.gatherv(avg_words, 0);   // at most 10 per rank
  const auto all_boxes = comm.gatherv(box_words, 0);  // the top ports' days
  if (comm.is_root()) {
    for (size_t i = 0; i + 2 <= all_avgs.size(); i += 2) {
      PortAverage a{uint8_t(all_avgs[i] >> 16), uint16_t(all_avgs[i]), 0};
      std::memcpy(&a.mean, &all_avgs[i + 1], sizeof a.mean);
      res.busiest.push_back(a);
    }
    std::sort(res.busiest.begin(), res.busiest.end(), [](const PortAverage& x, const PortAverage& y) {
      return x.mean != y.mean ? x.mean > y.mean : std::tie(x.proto, x.port) < std::tie(y.proto, y.port);
    });
    if (res.busiest.size() > 10) res.busiest.resize(10);
    std::vector<ports::DailyMean> box_means;
    for (size_t i = 0; i + 5 <= all_boxes.size(); i += 5) {
      ports::DailyMean m;
      m.day = uint32_t(all_boxes[i]);
      m.proto = uint8_t(all_boxes[i + 1] >> 16);
      m.port = uint16_t(all_boxes[i + 1]);
      std::memcpy(&m.mean_sources, &all_boxes[i + 2], sizeof m.mean_sources);
      m.sensors = uint32_t(all_boxes[i + 3]);
      m.sources = all_boxes[i + 4];
      box_means.push_back(m);
    }
    res.boxes = ports::port_boxes(box_means, box_ports, true, o.box_rule);
  }

  // 5. Neighbour ports.
  res.pairs = global_pairs(comm, ports::local_neighbour_sources(events, o.pairs, false), o.round_bytes);
  return res;
}

}  // namespace scanhpc::commands
