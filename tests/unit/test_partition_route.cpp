// Prefix ownership and routing, at many simulated rank counts.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "scanhpc/kernels/prefix_partition.hpp"
#include "scanhpc/kernels/route.hpp"

using namespace scanhpc;

namespace {
std::vector<uint32_t> skewed_ips(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<uint32_t> ips;
  for (size_t i = 0; i < n; ++i) {
    uint64_t u = rng() % 100;
    if (u < 40) ips.push_back(0xC6120000u | uint32_t(rng() % 1024));  // one hot /22 inside one /16
    else if (u < 50) ips.push_back(0x08080808u);                       // one very hot host
    else ips.push_back(uint32_t(rng()));
  }
  return ips;
}
auto identity = [](std::vector<uint64_t>&) {};
}  // namespace

TEST_CASE("ownership is contiguous, complete and balanced despite hot prefixes", "[partition]") {
  auto ips = skewed_ips(200000, 3);
  for (int ranks : {1, 2, 3, 4, 7, 16, 64}) {
    INFO("ranks " << ranks);
    auto own = build_ownership(ips, ranks, identity);
    REQUIRE(own.ranks() == ranks);
    std::vector<uint64_t> load(size_t(ranks), 0);
    for (uint32_t ip : ips) ++load[size_t(own.owner(ip))];
    // One host holds 10% and cannot be split; otherwise within 2x of even.
    uint64_t even = ips.size() / size_t(ranks), host = ips.size() / 10;
    for (auto l : load) CHECK(l <= std::max<uint64_t>(2 * even, host + even / 2) + 1000);
    // owner() is the range lookup: monotone in the address.
    std::mt19937_64 rng(9);
    std::vector<uint32_t> probe(20000);
    for (auto& p : probe) p = uint32_t(rng());
    std::sort(probe.begin(), probe.end());
    for (size_t i = 1; i < probe.size(); ++i) CHECK(own.owner(probe[i - 1]) <= own.owner(probe[i]));
  }
}

TEST_CASE("the /16 fast path agrees with the range search", "[partition]") {
  PrefixOwnership own({0, 0x0A000000, 0x0A000080, 0x0A000081, 0xC0000000, uint64_t(1) << 32});
  CHECK(own.owner(0x00000001) == 0);
  CHECK(own.owner(0x0A00007F) == 1);
  CHECK(own.owner(0x0A000080) == 2);
  CHECK(own.owner(0x0A000081) == 3);
  CHECK(own.owner(0xBFFFFFFF) == 3);
  CHECK(own.owner(0xC0000000) == 4);
  CHECK(own.owner(0xFFFFFFFF) == 4);  // rank 5 owns nothing
  CHECK_THROWS(PrefixOwnership({5}));
  CHECK_THROWS(PrefixOwnership({0, 10, 5}));
}

TEST_CASE("no data still gives every address an owner", "[partition]") {
  auto own = build_ownership({}, 4, identity);
  CHECK(own.owner(0) >= 0);
  CHECK(own.owner(0xFFFFFFFF) < 4);
}

TEST_CASE("routing groups rows by owner without losing any", "[route]") {
  auto ips = skewed_ips(50000, 5);
  for (int ranks : {1, 2, 3, 5}) {
    auto own = build_ownership(ips, ranks, identity);
    StatusColumns c;
    for (size_t i = 0; i < ips.size(); ++i) c.push_back({ips[i], uint32_t(i), uint16_t(i), 1, 1, 0x12, 64, 7, 0});
    auto routed = route_by_owner(c, own);
    CHECK(c.size() == 0);
    REQUIRE(routed.rows.size() == ips.size());
    uint64_t sum = 0;
    for (int d = 0; d < ranks; ++d) {
      for (uint64_t k = 0; k < routed.counts[size_t(d)]; ++k)
        CHECK(own.owner(key_ip(routed.rows[routed.offsets[size_t(d)] + k].key)) == d);
      sum += routed.counts[size_t(d)];
    }
    CHECK(sum == ips.size());
    std::vector<uint32_t> ts;
    for (const auto& r : routed.rows) ts.push_back(r.ts);
    std::sort(ts.begin(), ts.end());
    for (size_t i = 0; i < ts.size(); ++i) CHECK(ts[i] == i);
  }
}

TEST_CASE("exchange rounds slice every block exactly and respect the byte bound", "[route]") {
  CHECK(exchange_rounds(0, 16, 1 << 20) == 1);
  CHECK(exchange_rounds(65536, 16, 1 << 20) == 1);
  CHECK(exchange_rounds(65537, 16, 1 << 20) == 2);
  CHECK_THROWS(exchange_rounds(10, 16, 8));
  for (uint64_t n : {0ull, 1ull, 7ull, 1000ull, 3000000000ull})
    for (uint64_t rounds : {1ull, 2ull, 3ull, 64ull}) {
      CHECK(slice_begin(n, rounds, 0) == 0);
      CHECK(slice_begin(n, rounds, rounds) == n);
      for (uint64_t k = 0; k < rounds; ++k) {
        uint64_t size = slice_begin(n, rounds, k + 1) - slice_begin(n, rounds, k);
        CHECK(size <= n / rounds + 1);  // a round never carries more than its share
      }
    }
}
