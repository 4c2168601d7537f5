// The scanner's signature from timestamps: per-second counts by hand, the
// address-time correlation of ordered and permuted scans, sums over simulated
// ranks, pauses.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/kernels/scanner_signature.hpp"

using namespace scanhpc;
using namespace scanhpc::scanner;

namespace {
ServiceEntry obs(uint32_t ip, uint16_t port, uint32_t ts, bool known = true) {
  ServiceEntry e;
  e.key = service_key(ip, port, uint8_t(Proto::tcp));
  e.ts = ts;
  e.known = known ? kKnownTs : 0;
  e.status = uint8_t(Status::open);
  return e;
}
}  // namespace

TEST_CASE("scanner: services first seen per second, observations per second, by hand", "[scanner]") {
  std::vector<ServiceEntry> s = {obs(1, 80, 105), obs(1, 80, 100), obs(1, 443, 100), obs(2, 22, 101),
                                 obs(3, 22, 0, false)};
  std::sort(s.begin(), s.end(), [](const ServiceEntry& a, const ServiceEntry& b) { return a.key < b.key; });
  const auto r = local_rates(s);
  CHECK(r.services == 4);
  CHECK(r.services_without_ts == 1);
  CHECK(r.services_per_second.entries() == std::vector<CountEntry>{{100, 2}, {101, 1}});
  CHECK(r.observations_per_second.entries() == std::vector<CountEntry>{{100, 2}, {101, 1}, {105, 1}});
  REQUIRE(r.first_seen.size() == 3);
  CHECK(r.first_seen[0].ts == 100);  // the earlier of 1:80's two sightings
}

TEST_CASE("scanner: address order and random permutations are told apart, at any split", "[scanner]") {
  std::mt19937 rng(9);
  const uint32_t n = 20000, ip0 = 0x0A000000u;
  std::vector<FirstSeen> ordered, permuted;
  std::vector<uint32_t> order(n);
  std::iota(order.begin(), order.end(), 0u);
  std::shuffle(order.begin(), order.end(), rng);
  for (uint32_t i = 0; i < n; ++i) {
    ordered.push_back({ip0 + i, 1000 + i / 100});            // 100 targets a second, in address order
    permuted.push_back({ip0 + i, 1000 + order[i] / 100});  // the same rate, a random permutation
  }
  const size_t b = 64;
  const auto co = order_cells(ordered, ip0, ip0 + n - 1, 1000, 1000 + (n - 1) / 100, b);
  const auto cp = order_cells(permuted, ip0, ip0 + n - 1, 1000, 1000 + (n - 1) / 100, b);
  CHECK(std::accumulate(co.begin(), co.end(), uint64_t(0)) == n);
  CHECK(order_correlation(co, b) > 0.99);
  CHECK(std::string(order_verdict(order_correlation(co, b))) == "address order");
  CHECK(std::abs(order_correlation(cp, b)) < 0.05);
  CHECK(std::string(order_verdict(order_correlation(cp, b))) == "random permutation");
  // Partials of disjoint hosts (simulated ranks) sum to the same grid.
  for (size_t ranks : {2u, 3u, 5u}) {
    std::vector<uint64_t> sum(b * b, 0);
    for (size_t r = 0; r < ranks; ++r) {
      std::vector<FirstSeen> part(permuted.begin() + std::ptrdiff_t(n * r / ranks),
                                  permuted.begin() + std::ptrdiff_t(n * (r + 1) / ranks));
      const auto c = order_cells(part, ip0, ip0 + n - 1, 1000, 1000 + (n - 1) / 100, b);
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += c[i];
    }
    CHECK(sum == cp);
  }
  CHECK(std::isnan(order_correlation(std::vector<uint64_t>(b * b, 0), b)));
}

TEST_CASE("scanner: pauses are the silent runs between sightings", "[scanner]") {
  const std::vector<CountEntry> seconds = {{100, 3}, {101, 2}, {110, 1}, {112, 4}, {130, 1}};
  const auto p = pauses(seconds, 5);
  REQUIRE(p.size() == 2);
  CHECK(p[0].start == 102);
  CHECK(p[0].seconds == 8);
  CHECK(p[1].start == 113);
  CHECK(p[1].seconds == 17);
  CHECK(pauses(seconds, 1).size() == 3);
}
