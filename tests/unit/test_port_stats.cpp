// Port analyses of seed 003 against hand-computed values (arithmetic in the
// comments), and against plain std::map oracles on random events, also when
// the events are split by source prefix as ranks split them.
#include <catch2/catch.hpp>
#include <omp.h>

#include <array>
#include <map>
#include <random>
#include <set>
#include <tuple>

#include "scanhpc/core/random.hpp"
#include "scanhpc/ports/port_stats.hpp"
#include "scanhpc/ports/port_tuples.hpp"

using namespace scanhpc;
using namespace scanhpc::ports;

namespace {

constexpr uint8_t TCP = 6, UDP = 17, ICMP = 1;
constexpr uint32_t A = 19388;  // 2023-01-31; A + 1 is 2023-02-01

// Ten events on three sensors over two days (see the test cases for what each checks).
EventColumns hand_made() {
  EventColumns e;
  const uint32_t s1 = e.sensor_id("s1"), s2 = e.sensor_id("s2"), s3 = e.sensor_id("s3");
  const uint32_t t = A * 86400;
  e.push_back(t + 10, s1, 1, TCP, 1433);
  e.push_back(t + 20, s1, 1, TCP, 1433);  // duplicate of the row above (same day, sensor, source, port)
  e.push_back(t + 30, s1, 2, TCP, 1433);
  e.push_back(t + 40, s2, 1, TCP, 1433);
  e.push_back(t + 50, s1, 3, UDP, 1433);     // UDP 1433 is not TCP 1433
  e.push_back(t + 60, s1, 3, TCP, 1434);
  e.push_back(t + 70, s2, 4, ICMP, kNoPort);
  e.push_back(t + 80, s3, 5, TCP, 22);     // s3 is active on day A but never sees 1433
  e.push_back(t + 86400, s1, 1, TCP, 1433);  // 00:00:00 of day A + 1
  e.push_back(t + 86399, s2, 1, TCP, 1434);  // 23:59:59 of day A
  return e;
}

DailyCount dc(uint32_t day, uint32_t sensor, uint8_t proto, uint16_t port, uint64_t n) {
  return {pack_daily({day, sensor, proto, port}), n};
}

}  // namespace

TEST_CASE("ports: days, months, keys and names", "[ports]") {
  CHECK(day_of(A * 86400 + 86399) == A);
  CHECK(day_of((A + 1) * 86400) == A + 1);
  CHECK(month_of(0) == 197001);
  CHECK(month_of(31) == 197002);      // Jan has 31 days
  CHECK(month_of(59) == 197003);      // 31 + 28 (1970 is not a leap year)
  CHECK(month_of(11016) == 200002);   // 2000-02-29
  CHECK(month_of(11017) == 200003);
  CHECK(month_of(A) == 202301);
  CHECK(month_of(A + 1) == 202302);
  const DailyKey k{49710, kMaxSensors - 1, 255, 65535};
  CHECK(unpack_daily(pack_daily(k)) == k);
  CHECK(pack_daily({1, 0, 0, 0}) > pack_daily({0, kMaxSensors - 1, 255, 65535}));  // day leads the order
  CHECK(proto_name(TCP) == "TCP");
  CHECK(proto_name(UDP) == "UDP");
  CHECK(proto_name(ICMP) == "ICMP");
  CHECK(proto_name(47) == "47");
  CHECK(parse_port_pair("1433:1434") == PortPair{1433, 1434});
  CHECK_THROWS_WITH(parse_port_pair("1433"), Catch::Contains("expected A:B"));
  CHECK_THROWS_WITH(parse_port_pair("1433:70000"), Catch::Contains("expected A:B"));
  CHECK_THROWS_WITH(parse_port_pair(":1434"), Catch::Contains("expected A:B"));
}

TEST_CASE("ports: top ports per protocol as categories, ICMP counted apart", "[ports]") {
  const PortCounts pc = local_port_counts(hand_made());
  // TCP events: 1433 rows 1,2,3,4,9 = 5; 1434 rows 6,10 = 2; 22 row 8 = 1; total 8. UDP 1433: row 5.
  CHECK(pc.ports == std::map<PortKey, uint64_t>{{{TCP, 22}, 1}, {{TCP, 1433}, 5}, {{TCP, 1434}, 2}, {{UDP, 1433}, 1}});
  CHECK(pc.no_port == std::map<uint8_t, uint64_t>{{ICMP, 1}});

  const auto top = top_ports(pc, 2);
  REQUIRE(top.size() == 4);
  CHECK(top[0] == TopPortRow{TCP, 1, 1433, 5, 5.0 / 8});
  CHECK(top[1] == TopPortRow{TCP, 2, 1434, 2, 2.0 / 8});
  CHECK(top[2] == TopPortRow{TCP, 3, -1, 1, 1.0 / 8});  // (Other): port 22
  CHECK(top[3] == TopPortRow{UDP, 1, 1433, 1, 1.0});    // nothing left over: no (Other)
  CHECK(top_port_keys(top) == std::vector<PortKey>{{TCP, 1433}, {TCP, 1434}, {UDP, 1433}});

  // Ties go to the smaller port (R's stable sort over numerically ordered levels).
  PortCounts tie;
  tie.ports = {{{TCP, 80}, 3}, {{TCP, 22}, 3}, {{TCP, 8080}, 3}, {{TCP, 23}, 4}};
  const auto t2 = top_ports(tie, 2);
  REQUIRE(t2.size() == 3);
  CHECK(t2[0].port == 23);
  CHECK(t2[1].port == 22);
  CHECK(t2[2] == TopPortRow{TCP, 3, -1, 6, 6.0 / 13});  // 80 and 8080: 3 + 3 of 13

  PortCounts sum = pc;
  merge_port_counts(sum, pc);
  CHECK(sum.ports.at({TCP, 1433}) == 10);
  CHECK(sum.no_port.at(ICMP) == 2);
}

TEST_CASE("ports: unique sources per day, sensor and port, and the mean over sensors", "[ports]") {
  const EventColumns e = hand_made();
  const auto daily = local_daily_sources(e);
  // Day A, s1, TCP 1433: sources {1, 2} (row 2 repeats row 1) = 2. s2 TCP 1434: row 10 (23:59:59) stays on day A.
  // Day A + 1: only row 9. ICMP (no port) is in no row.
  const std::vector<DailyCount> want = {dc(A, 0, TCP, 1433, 2), dc(A, 0, TCP, 1434, 1), dc(A, 0, UDP, 1433, 1),
                                        dc(A, 1, TCP, 1433, 1), dc(A, 1, TCP, 1434, 1), dc(A, 2, TCP, 22, 1),
                                        dc(A + 1, 0, TCP, 1433, 1)};
  CHECK(daily == want);
  // The seed's top-port basis: distinct tuples per port: TCP 1433 = 2 + 1 + 1, TCP 1434 = 1 + 1.
  CHECK(port_counts_from_daily(daily).ports ==
        std::map<PortKey, uint64_t>{{{TCP, 22}, 1}, {{TCP, 1433}, 4}, {{TCP, 1434}, 2}, {{UDP, 1433}, 1}});

  // The seed's mean: only sensors that saw the port that day (host.tcp has no zero rows).
  const auto seen = daily_means(daily);
  const std::vector<DailyMean> want_seen = {
      {A, TCP, 22, 1.0, 1, 1},       // s3 alone
      {A, TCP, 1433, 1.5, 2, 3},     // (2 + 1) / 2: s3 did not see 1433 and is not in the denominator
      {A, TCP, 1434, 1.0, 2, 2},     // (1 + 1) / 2
      {A, UDP, 1433, 1.0, 1, 1},
      {A + 1, TCP, 1433, 1.0, 1, 1}};
  CHECK(seen == want_seen);

  // The option: every sensor active that day. Day A: s1, s2 (its ICMP row counts), s3 = 3; day A + 1: s1.
  const auto active = local_active_sensors(e);
  CHECK(active == std::vector<std::pair<uint32_t, uint32_t>>{{A, 0}, {A, 1}, {A, 2}, {A + 1, 0}});
  const auto all = daily_means(daily, Denominator::active_sensors, active);
  const std::vector<DailyMean> want_all = {{A, TCP, 22, 1.0 / 3, 3, 1},
                                           {A, TCP, 1433, 1.0, 3, 3},  // 3 / 3
                                           {A, TCP, 1434, 2.0 / 3, 3, 2},
                                           {A, UDP, 1433, 1.0 / 3, 3, 1},
                                           {A + 1, TCP, 1433, 1.0, 1, 1}};
  CHECK(all == want_all);
  CHECK_THROWS_WITH(daily_means(daily, Denominator::active_sensors, {{A, 0}}), Catch::Contains("not among the active"));
  CHECK_THROWS_WITH(daily_means({want[1], want[0]}), Catch::Contains("not sorted"));
  CHECK_THROWS_WITH(daily_means({want[0], want[0]}), Catch::Contains("not sorted"));
}

// The hand-computed values below were also confirmed with R 4.2.2 (boxplot.stats, fivenum, quantile) and
// ggplot2 3.4.1 (layer_data of geom_boxplot) when this test was written.
TEST_CASE("ports: box-plot statistics follow ggplot2 and boxplot.stats", "[ports]") {
  // x sorted: 1 2 3 4 5 30 (n = 6); given unsorted so that outlier indices refer to the input.
  const std::vector<double> x = {30, 1, 5, 2, 4, 3};
  // ggplot2 (quantile type 7, index 1 + 5p): q1 at 2.25 -> .75*2 + .25*3 = 2.25; median at 3.5 -> 3.5;
  // q3 at 4.75 -> .25*4 + .75*5 = 4.75. IQR 2.5, fences 2.25 - 3.75 = -1.5 and 4.75 + 3.75 = 8.5: 30 is out.
  // Whiskers: range(c(2.25, 3.5, 4.75, 1, 5, 2, 4, 3)) = 1 .. 5.
  const BoxStats g = box_stats(x, BoxRule::ggplot2);
  CHECK(g == BoxStats{6, 1, 2.25, 3.5, 4.75, 5, {0}});
  // boxplot.stats (fivenum): n4 = floor(9/2)/2 = 2, d = 1, 2, 3.5, 5, 6 -> 1, 2, 3.5, 5, 30.
  // IQR 3, fences 2 - 4.5 = -2.5 and 5 + 4.5 = 9.5: 30 is out; whiskers range(1 2 3 4 5) = 1 .. 5.
  const BoxStats b = box_stats(x, BoxRule::boxplot_stats);
  CHECK(b == BoxStats{6, 1, 2, 3.5, 5, 5, {0}});
  // fivenum for n = 5: n4 = floor(8/2)/2 = 2, d = 1, 2, 3, 4, 5; for n = 4: n4 = floor(7/2)/2 = 1.5,
  // d = 1, 1.5, 2.5, 3.5, 4 -> 1, (1+2)/2, (2+4)/2, (4+8)/2, 8 = 1, 1.5, 3, 6, 8; IQR 4.5, no outliers.
  CHECK(box_stats({8, 1, 4, 2}, BoxRule::boxplot_stats) == BoxStats{4, 1, 1.5, 3, 6, 8, {}});
  // Type 7 for n = 4 (index 1 + 3p): q1 at 1.75 -> .25*1 + .75*2 = 1.75; median 2.5 -> 3; q3 at 3.25 -> .75*4 + .25*8 = 5.
  CHECK(box_stats({8, 1, 4, 2}, BoxRule::ggplot2) == BoxStats{4, 1, 1.75, 3, 5, 8, {}});
  // coef = 0 on 1..6: ggplot2 marks everything outside [2.25, 4.75] and clamps the whiskers to the box:
  // range(c(2.25, 3.5, 4.75, 3, 4)) = 2.25 .. 4.75; boxplot.stats marks nothing (do.out = FALSE).
  const std::vector<double> six = {1, 2, 3, 4, 5, 6};
  CHECK(box_stats(six, BoxRule::ggplot2, 0) == BoxStats{6, 2.25, 2.25, 3.5, 4.75, 4.75, {0, 1, 4, 5}});
  CHECK(box_stats(six, BoxRule::boxplot_stats, 0) == BoxStats{6, 1, 2, 3.5, 5, 6, {}});
  CHECK(box_stats({7}, BoxRule::ggplot2) == BoxStats{1, 7, 7, 7, 7, 7, {}});
  CHECK(box_stats({}).n == 0);

  // Per port and month: TCP 1433 on 2023-01-29..31 (means 2, 4, 9) and 2023-02-01..02 (1, 1).
  std::vector<DailyMean> m;
  const double v[5] = {2, 4, 9, 1, 1};
  for (uint32_t i = 0; i < 5; ++i) m.push_back({A - 2 + i, TCP, 1433, v[i], 1, 1});
  m.push_back({A, TCP, 80, 5, 1, 5});  // not listed: no box
  const auto boxes = port_boxes(m, {{TCP, 1433}, {UDP, 1433}}, true);  // UDP 1433 has no days: no box
  REQUIRE(boxes.size() == 3);
  // Whole period, sorted 1 1 2 4 9 (index 1 + 4p): q1 1, median 2, q3 4; IQR 3, upper fence 8.5: 9 (day A) is out;
  // whiskers range(c(1, 2, 4, 2, 4, 1, 1)) = 1 .. 4.
  CHECK(boxes[0].month == kAllMonths);
  CHECK(boxes[0].stats == BoxStats{5, 1, 1, 2, 4, 4, {2}});
  CHECK(boxes[0].outliers == std::vector<std::pair<uint32_t, double>>{{A, 9.0}});
  // January 2 4 9 (index 1 + 2p): q1 at 1.5 -> 3, median 4, q3 at 2.5 -> 6.5; fences -2.25, 11.75: none out.
  CHECK(boxes[1].month == 202301);
  CHECK(boxes[1].stats == BoxStats{3, 2, 3, 4, 6.5, 9, {}});
  // February 1 1: everything 1, IQR 0, nothing outside [1, 1].
  CHECK(boxes[2].month == 202302);
  CHECK(boxes[2].stats == BoxStats{2, 1, 1, 1, 1, 1, {}});
  CHECK(port_boxes(m, {{TCP, 1433}}, false).size() == 1);
}

TEST_CASE("ports: sources on neighbour ports 1433 and 1434", "[ports]") {
  const auto rows = local_neighbour_sources(hand_made(), {{1433, 1434}}, false);
  // Any protocol: 1433 by sources {1, 2, 3 (UDP)}; 1434 by {3, 1}; both {1, 3}; on one sensor: 1 (s2: rows 4, 10)
  // and 3 (s1: UDP 1433 row 5, TCP 1434 row 6).
  // TCP: 1433 by {1, 2}, 1434 by {3, 1}, both {1}, on one sensor {1}. UDP: 1433 by {3}.
  const std::vector<NeighbourRow> want = {{1433, 1434, kAnyProto, kAllDays, 3, 2, 2, 2},
                                          {1433, 1434, TCP, kAllDays, 2, 2, 1, 1},
                                          {1433, 1434, UDP, kAllDays, 1, 0, 0, 0}};
  CHECK(rows == want);

  const auto daily = local_neighbour_sources(hand_made(), {{1433, 1434}, {1433, 1434}}, true);  // repeats count once
  // Day A + 1: only row 9 (source 1, TCP 1433).
  const std::vector<NeighbourRow> want_daily = {
      {1433, 1434, kAnyProto, A, 3, 2, 2, 2},     {1433, 1434, kAnyProto, A + 1, 1, 0, 0, 0},
      {1433, 1434, kAnyProto, kAllDays, 3, 2, 2, 2}, {1433, 1434, TCP, A, 2, 2, 1, 1},
      {1433, 1434, TCP, A + 1, 1, 0, 0, 0},       {1433, 1434, TCP, kAllDays, 2, 2, 1, 1},
      {1433, 1434, UDP, A, 1, 0, 0, 0},           {1433, 1434, UDP, kAllDays, 1, 0, 0, 0}};
  CHECK(daily == want_daily);
  // A source on both sides of one port only: 22:22 gives a = b = both.
  CHECK(local_neighbour_sources(hand_made(), {{22, 22}}, false)[0] == NeighbourRow{22, 22, kAnyProto, kAllDays, 1, 1, 1, 1});
}

// ----------------------------------------------------------- random events --
namespace {

EventColumns random_events(uint64_t seed, size_t n) {
  SplitMix64 rng{seed};
  EventColumns e;
  for (int s = 0; s < 5; ++s) e.sensor_id("sensor" + std::to_string(s));
  const uint16_t ports[] = {22, 23, 80, 445, 1433, 1434, 3389};
  for (size_t i = 0; i < n; ++i) {
    const uint32_t t = uint32_t(19380 * 86400ull + rng.below(40 * 86400));
    const uint32_t src = uint32_t(rng.below(16)) << 24 | uint32_t(rng.below(8));  // 128 sources in 16 /8s
    const uint64_t r = rng.below(100);
    const uint8_t proto = r < 70 ? TCP : r < 90 ? UDP : r < 97 ? ICMP : 47;
    uint32_t port = ports[rng.below(7)];
    if (proto == ICMP || rng.below(50) == 0) port = kNoPort;
    e.push_back(t, uint32_t(rng.below(5)), src, proto, port);
    (void)rng.below(65536);  // was the source port: the same events as before
  }
  return e;
}

using Tuple4 = std::tuple<uint32_t, uint32_t, uint8_t, uint16_t>;  // day, sensor, proto, port

std::map<Tuple4, std::set<uint32_t>> oracle_daily(const EventColumns& e) {
  std::map<Tuple4, std::set<uint32_t>> m;
  for (size_t i = 0; i < e.size(); ++i)
    if (e.dst_port[i] != kNoPort) m[{e.time[i] / 86400, e.sensor[i], e.proto[i], uint16_t(e.dst_port[i])}].insert(e.src[i]);
  return m;
}

// Rows of one protocol code (-1: any) and day (kAllDays: all), by brute force over sources.
std::map<std::tuple<int32_t, uint32_t>, std::array<uint64_t, 4>> oracle_neighbours(const EventColumns& e, PortPair pp) {
  // (proto, day) -> source -> sensor -> bits
  std::map<std::tuple<int32_t, uint32_t>, std::map<uint32_t, std::map<uint32_t, int>>> seen;
  for (size_t i = 0; i < e.size(); ++i) {
    const uint32_t p = e.dst_port[i];
    const int bits = (p == pp.a ? 1 : 0) | (p == pp.b ? 2 : 0);
    if (!bits) continue;
    for (int32_t proto : {kAnyProto, int32_t(e.proto[i])})
      for (uint32_t day : {kAllDays, e.time[i] / 86400}) seen[{proto, day}][e.src[i]][e.sensor[i]] |= bits;
  }
  std::map<std::tuple<int32_t, uint32_t>, std::array<uint64_t, 4>> out;
  for (const auto& [k, sources] : seen)
    for (const auto& [src, sensors] : sources) {
      int any = 0;
      bool same = false;
      for (const auto& [s, bits] : sensors) any |= bits, same = same || bits == 3;
      auto& c = out[k];
      c[0] += any & 1 ? 1 : 0, c[1] += any & 2 ? 1 : 0, c[2] += any == 3, c[3] += same;
    }
  return out;
}

}  // namespace

TEST_CASE("ports: random events equal the oracles, whole and split by source prefix", "[ports]") {
  const EventColumns e = random_events(3, 5000);
  const auto want = oracle_daily(e);
  std::vector<DailyCount> want_counts;
  std::map<std::tuple<uint32_t, uint8_t, uint16_t>, std::pair<uint64_t, uint32_t>> want_mean;  // sum, sensors
  for (const auto& [k, s] : want) {
    const auto [day, sensor, proto, port] = k;
    want_counts.push_back(dc(day, sensor, proto, port, s.size()));
    auto& m = want_mean[{day, proto, port}];
    m.first += s.size();
    ++m.second;
  }
  std::map<PortKey, uint64_t> want_ports;
  std::map<uint8_t, uint64_t> want_no_port;
  for (size_t i = 0; i < e.size(); ++i)
    e.dst_port[i] == kNoPort ? ++want_no_port[e.proto[i]] : ++want_ports[{e.proto[i], uint16_t(e.dst_port[i])}];
  const PortPair pp{1433, 1434};
  const auto want_nb = oracle_neighbours(e, pp);

  const auto whole = local_daily_sources(e);
  CHECK(whole == want_counts);
  const auto means = daily_means(whole);
  REQUIRE(means.size() == want_mean.size());
  size_t i = 0;
  for (const auto& [k, m] : want_mean) {
    CHECK(std::tie(means[i].day, means[i].proto, means[i].port) == k);
    CHECK(means[i].sources == m.first);
    CHECK(means[i].sensors == m.second);
    CHECK(means[i].mean_sources == double(m.first) / double(m.second));
    ++i;
  }
  const PortCounts pc = local_port_counts(e);
  CHECK(pc.ports == want_ports);
  CHECK(pc.no_port == want_no_port);
  const auto nb = local_neighbour_sources(e, {pp}, true);
  REQUIRE(nb.size() == want_nb.size());
  for (const NeighbourRow& r : nb) {
    const auto& c = want_nb.at({r.proto, r.day});
    CHECK(std::array<uint64_t, 4>{r.sources_a, r.sources_b, r.both, r.both_same_sensor} == c);
  }
  for (const PortBox& b : port_boxes(means, top_port_keys(top_ports(pc, 3)), true)) {
    CHECK(b.stats.lower <= b.stats.q1);  // shape only: the values are checked by hand above
    CHECK(b.stats.q1 <= b.stats.median);
    CHECK(b.stats.median <= b.stats.q3);
    CHECK(b.stats.q3 <= b.stats.upper);
  }

  for (uint32_t parts : {2u, 3u, 7u}) {
    std::vector<DailyCount> daily;
    std::vector<NeighbourRow> nbs;
    std::vector<std::pair<uint32_t, uint32_t>> act;
    PortCounts ports;
    for (uint32_t p = 0; p < parts; ++p) {
      EventColumns part;  // numbers sensors in its own order of first use, as a rank's reader would
      for (size_t j = 0; j < e.size(); ++j)
        if ((e.src[j] >> 24) % parts == p)
          part.push_back(e.time[j], part.sensor_id(e.sensors[e.sensor[j]]), e.src[j], e.proto[j], e.dst_port[j]);
      std::vector<uint32_t> to_global;
      for (const auto& name : part.sensors) to_global.push_back(uint32_t(name.back() - '0'));
      auto local = local_daily_sources(part);
      remap_sensors(local, to_global);
      daily.insert(daily.end(), local.begin(), local.end());
      for (auto& [d, s] : local_active_sensors(part)) act.emplace_back(d, to_global[s]);
      const auto n = local_neighbour_sources(part, {pp}, true);
      nbs.insert(nbs.end(), n.begin(), n.end());
      merge_port_counts(ports, local_port_counts(part));
    }
    CHECK(merge_daily_sources(daily) == whole);
    CHECK(merge_neighbour_sources(nbs) == nb);
    CHECK(merge_active_sensors(act) == local_active_sensors(e));
    CHECK(ports == pc);
  }
}

TEST_CASE("ports: results do not depend on the thread count", "[ports]") {
  const EventColumns e = random_events(11, 200000);  // above the parallel sort's threshold
  const int saved = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto daily1 = local_daily_sources(e);
  const auto active1 = local_active_sensors(e);
  const auto ports1 = local_port_counts(e);
  for (int threads : {2, 3, 4}) {
    omp_set_num_threads(threads);
    CHECK(local_daily_sources(e) == daily1);
    CHECK(local_active_sensors(e) == active1);
    CHECK(local_port_counts(e) == ports1);
  }
  omp_set_num_threads(saved);
  // Days over all of u32 time: too many (day, sensor, protocol) groups for the 64-bit key, the 96-bit path.
  EventColumns wide = random_events(12, 100000);  // above the parallel sort's threshold
  SplitMix64 rng{5};
  for (uint32_t& t : wide.time) t = uint32_t(rng.next());
  std::vector<DailyCount> want;
  for (const auto& [k, s] : oracle_daily(wide))
    want.push_back(dc(std::get<0>(k), std::get<1>(k), std::get<2>(k), std::get<3>(k), s.size()));
  CHECK(local_daily_sources(wide) == want);
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    CHECK(local_daily_sources(wide) == want);
  }
  omp_set_num_threads(saved);
  CHECK(local_daily_sources(EventColumns{}).empty());
  CHECK_THROWS_WITH([] {
    EventColumns bad;
    bad.push_back(0, kMaxSensors, 1, TCP, 80);
    local_daily_sources(bad);
  }(), Catch::Contains("sensor index"));
}

TEST_CASE("ports: the top table from each owner's candidates equals the table from all counts",
          "[ports][ports-top]") {
  // What the ranks do: every port counted on one owner, each owner's top n
  // per protocol gathered, the table made from them and the protocol totals.
  std::mt19937_64 rng(12);
  for (int trial = 0; trial < 100; ++trial) {
    PortCounts all;
    const size_t ports_n = 1 + rng() % 300;
    for (size_t i = 0; i < ports_n; ++i) {
      const uint8_t proto = std::array<uint8_t, 3>{6, 17, 47}[rng() % 3];
      all.ports[{proto, uint16_t(rng() % 2000)}] += 1 + rng() % (rng() % 2 ? 5 : 500);  // many ties
    }
    const size_t n = 1 + rng() % 12;
    const int owners = 1 + int(rng() % 9);
    std::vector<PortCounts> owned(static_cast<size_t>(owners));
    for (const auto& [k, c] : all.ports) owned[(k.port * 7919u + k.proto) % unsigned(owners)].ports[k] = c;
    PortCounts candidates;
    std::map<uint8_t, uint64_t> totals;
    for (const auto& o : owned) {
      merge_port_counts(candidates, top_candidates(o, n));
      for (const auto& [k, c] : o.ports) totals[k.proto] += c;
    }
    REQUIRE(top_ports(candidates, totals, n) == top_ports(all, n));
  }
}

// sort_distinct (the tuples' dedup: a counting pass by the top varying bits,
// buckets sorted in cache) against std::sort + std::unique, on keys shaped
// like compact tuples, full-width keys, one hot group, all-equal and small
// inputs; and as the command uses it, at 1-4 simulated ranks: each rank's
// share sorted distinct, the runs merged (merge_tuple_runs) = the oracle of all.
TEST_CASE("ports: sorted distinct tuple keys equal sort + unique, whole and per simulated rank", "[ports]") {
  SplitMix64 rng{7};
  auto oracle = [](std::vector<uint64_t> v) {
    std::sort(v.begin(), v.end());
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return v;
  };
  for (int shape = 0; shape < 6; ++shape) {
    for (size_t n : {size_t(0), size_t(1), size_t(5), size_t(4095), size_t(4096), size_t(70000), size_t(300000)}) {
      std::vector<uint64_t> keys(n);
      for (auto& k : keys) {
        const uint64_t group = shape == 3 ? 17 : rng.below(shape == 4 ? 3 : 4860);
        const uint64_t port = rng.below(8) == 0 ? rng.below(65536) : 1433 + rng.below(3);
        const uint64_t src = rng.below(shape == 1 ? 50 : 2000000) * 2654435761u;
        switch (shape) {
          case 2: k = uint64_t(rng.below(1u << 31)) << 33 ^ rng.below(1u << 31) << 2 ^ rng.below(4); break;
          case 5: k = 0x1234; break;
          default: k = group << 48 | port << 32 | uint32_t(src);
        }
      }
      const auto want = oracle(keys);
      auto got = keys;
      sort_distinct(got);
      CHECK(got == want);
      for (int ranks : {1, 2, 3, 4}) {
        std::vector<std::vector<uint64_t>> share(static_cast<size_t>(ranks));
        for (size_t i = 0; i < keys.size(); ++i) share[(keys[i] * 0x9E3779B97F4A7C15ull >> 40) % size_t(ranks)].push_back(keys[i]);
        PortTuples t;
        t.layout.compact = true;
        std::vector<uint64_t> runs;
        for (auto& s : share) {
          sort_distinct(s);
          runs.push_back(s.size());
          t.compact.insert(t.compact.end(), s.begin(), s.end());
        }
        merge_tuple_runs(t, runs);
        CHECK(t.compact == want);
      }
    }
  }
}
