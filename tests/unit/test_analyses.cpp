// multiprobe and hosts against a plain sequential oracle, and the interval
// statistics against the numbers Julia printed in seed 000.
#include <catch2/catch.hpp>

#include <bitset>
#include <map>
#include <random>
#include <set>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/kernels/hosts.hpp"
#include "scanhpc/kernels/interval_stats.hpp"
#include "scanhpc/kernels/multiprobe.hpp"

using namespace scanhpc;

namespace {

StatusColumns random_rows(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  StatusColumns c;
  for (size_t i = 0; i < n; ++i) {
    StatusRow r;
    r.ip = 0x0A000000u + uint32_t(rng() % 300);
    r.port = uint16_t(rng() % 4 * 1000);
    r.proto = uint8_t(rng() % 8 == 0 ? Proto::udp : Proto::tcp);
    r.status = uint8_t(rng() % 10 == 0 ? Status::closed : Status::open);
    r.ts = 1000 + uint32_t(rng() % 50);
    r.reason = uint8_t(rng() % 3 == 0 ? 0xD2 : 0x12);
    r.ttl = uint8_t(40 + rng() % 30);
    r.known = uint8_t(rng() % 5 == 0 ? kKnownTs : (kKnownTs | kKnownReason | kKnownTtl));
    if (rng() % 20 == 0) r.known = 0;
    c.push_back(r);
  }
  return c;
}

// The oracle: std::map group-bys over the rows, written for clarity.
struct Oracle {
  std::map<uint64_t, uint64_t> probes, reasons, intervals;
  std::vector<HostRow> hosts;
  std::map<uint64_t, uint64_t> ports_per_host;
  uint64_t duplicates = 0;
};

Oracle oracle(const StatusColumns& c) {
  std::map<std::tuple<uint32_t, uint16_t, uint8_t>, std::vector<StatusRow>> services;
  for (size_t i = 0; i < c.size(); ++i)
    if (c.status[i] == uint8_t(Status::open)) services[{c.ip[i], c.port[i], c.proto[i]}].push_back(c.row(i));
  Oracle o;
  std::map<uint32_t, std::vector<std::pair<std::tuple<uint16_t, uint8_t>, StatusRow>>> by_host;
  for (auto& [key, rows] : services) {
    o.probes[rows.size()]++;
    std::set<uint8_t> rs;
    for (auto& r : rows) if (r.known & kKnownReason) rs.insert(r.reason);
    o.reasons[rs.size()]++;
    std::vector<uint32_t> ts;
    for (auto& r : rows) if (r.known & kKnownTs) ts.push_back(r.ts);
    std::sort(ts.begin(), ts.end());
    for (size_t i = 1; i < ts.size(); ++i) o.intervals[ts[i] - ts[i - 1]]++;
    std::multiset<std::tuple<uint32_t, uint8_t, uint8_t, uint8_t>> seen;
    for (auto& r : rows) {
      auto t = std::make_tuple(r.ts, r.reason, r.ttl, r.known);
      if (seen.count(t)) o.duplicates++;
      seen.insert(t);
      by_host[std::get<0>(key)].push_back({{std::get<1>(key), std::get<2>(key)}, r});
    }
  }
  for (auto& [ip, rows] : by_host) {
    HostRow h;
    h.ip = ip;
    h.records = uint32_t(rows.size());
    std::set<std::tuple<uint16_t, uint8_t>> ports;
    std::set<uint8_t> reasons;
    std::vector<uint8_t> ttls;
    std::vector<uint32_t> ts;
    for (auto& [p, r] : rows) {
      ports.insert(p);
      h.known |= r.known;
      if (r.known & kKnownReason) reasons.insert(r.reason);
      if (r.known & kKnownTtl) ttls.push_back(r.ttl);
      if (r.known & kKnownTs) ts.push_back(r.ts);
    }
    h.ports = uint32_t(ports.size());
    h.reasons = uint32_t(reasons.size());
    if (!ttls.empty()) {
      h.ttl_min = *std::min_element(ttls.begin(), ttls.end());
      h.ttl_max = *std::max_element(ttls.begin(), ttls.end());
    }
    if (!ts.empty()) {
      h.first_seen = *std::min_element(ts.begin(), ts.end());
      h.last_seen = *std::max_element(ts.begin(), ts.end());
    }
    o.hosts.push_back(h);
    o.ports_per_host[h.ports]++;
  }
  return o;
}

std::map<uint64_t, uint64_t> as_map(const CountMap& m) {
  std::map<uint64_t, uint64_t> out;
  for (auto e : m.entries()) out[e.value] = e.count;
  return out;
}

}  // namespace

TEST_CASE("multiprobe and hosts equal the sequential oracle, in any input order", "[analyses]") {
  for (uint64_t seed : {1, 2, 3}) {
    auto rows = random_rows(20000, seed);
    auto want = oracle(rows);
    // Shuffle the input: the results must not depend on row order.
    std::vector<uint32_t> order(rows.size());
    for (uint32_t i = 0; i < order.size(); ++i) order[i] = i;
    std::shuffle(order.begin(), order.end(), std::mt19937_64(seed));
    rows.permute(order);
    auto sorted = sort_open_services(rows);
    for (size_t i = 1; i < sorted.size(); ++i)
      REQUIRE(sorted[i - 1].key <= sorted[i].key);
    auto mp = local_multiprobe(sorted);
    CHECK(as_map(mp.probes_per_service) == want.probes);
    CHECK(as_map(mp.reasons_per_service) == want.reasons);
    CHECK(as_map(mp.intervals) == want.intervals);
    CHECK(mp.duplicates == want.duplicates);
    CHECK(mp.services == mp.probes_per_service.total());
    auto hosts = local_hosts(sorted);
    REQUIRE(hosts.table.size() == want.hosts.size());
    for (size_t i = 0; i < want.hosts.size(); ++i) CHECK(hosts.table.row(i) == want.hosts[i]);
    CHECK(as_map(hosts.ports_per_host) == want.ports_per_host);
  }
}

TEST_CASE("multiprobe partials survive serialisation and merge additively", "[analyses]") {
  auto a_rows = random_rows(3000, 7), b_rows = random_rows(3000, 8);
  auto a = local_multiprobe(sort_open_services(a_rows));
  auto b = local_multiprobe(sort_open_services(b_rows));
  auto words = a.serialize();
  auto back = MultiprobePartial::deserialize(words.data(), words.size());
  CHECK(back.probes_per_service.entries() == a.probes_per_service.entries());
  CHECK(back.intervals.entries() == a.intervals.entries());
  back.merge(b);
  CHECK(back.services == a.services + b.services);
  CHECK(back.intervals.total() == a.intervals.total() + b.intervals.total());
}

TEST_CASE("interval statistics reproduce seed 000's Julia output exactly", "[analyses]") {
  // countmap(df2.interval) from the seed post (14,623 intervals)
  std::vector<CountEntry> seed{{0, 320},  {1, 2793}, {2, 585},  {3, 2625}, {4, 843},  {5, 159}, {6, 316},
                               {7, 1364}, {8, 512},  {9, 1435}, {10, 495}, {11, 149}, {12, 103}, {13, 52},
                               {14, 139}, {15, 1715}, {16, 828}, {17, 15}, {18, 6},   {19, 1},  {23, 2},
                               {24, 5},   {25, 3},   {28, 2},   {29, 1},   {31, 55},  {32, 92}, {33, 4},
                               {34, 3},   {40, 1}};
  auto s = summarize(seed);
  CHECK(s.n == 14623);
  CHECK(s.mean == Approx(6.805101552349039).epsilon(1e-15));
  CHECK(s.std == Approx(5.752370354791699).epsilon(1e-14));
  CHECK(s.min == 0);
  CHECK(s.q25 == 2.0);
  CHECK(s.median == 5.0);
  CHECK(s.q75 == 10.0);
  CHECK(s.max == 40);
  CHECK(s.mode == 1);
  CHECK(s.iqr == 8.0);
}

TEST_CASE("linear quantiles interpolate as numpy does", "[analyses]") {
  // numpy.quantile([1, 2, 3, 4], [.25, .5, .75]) == [1.75, 2.5, 3.25]
  auto s = summarize({{1, 1}, {2, 1}, {3, 1}, {4, 1}});
  CHECK(s.q25 == 1.75);
  CHECK(s.median == 2.5);
  CHECK(s.q75 == 3.25);
  CHECK(s.mode == 1);  // all tie: the smallest
  CHECK(s.std == Approx(1.2909944487358056));
  auto one = summarize({{7, 1}});
  CHECK(one.median == 7);
  CHECK(std::isnan(one.std));
  CHECK(std::isnan(summarize({}).mean));
}
