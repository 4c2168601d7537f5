#include <catch2/catch.hpp>

#include <algorithm>
#include <random>
#include <vector>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/flat_index.hpp"
#include "scanhpc/core/countmap.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/core/radix_sort.hpp"

using namespace scanhpc;

TEST_CASE("IPv4 text parses strictly to host-order u32", "[core]") {
  CHECK(parse_ipv4("198.18.0.33") == 0xC6120021u);
  CHECK(parse_ipv4("0.0.0.0") == 0u);
  CHECK(parse_ipv4("255.255.255.255") == 0xFFFFFFFFu);
  for (const char* bad : {"", "1.2.3", "1.2.3.4.5", "256.1.1.1", "1.2.3.4 ", " 1.2.3.4", "1..2.3", "2001:db8::1",
                          "::ffff:1.2.3.4", "1.2.3.-4", "1.2.3.4a", "0001.2.3.4", "99999999999.1.1.1"})
    CHECK_FALSE(parse_ipv4(bad));
  CHECK(format_ipv4(0xC6120021u) == "198.18.0.33");
}

TEST_CASE("reasons are masscan's TCP flag bitmask in fin-syn-rst-psh-ack-urg-ece-cwr order", "[core]") {
  CHECK(parse_reason("none") == 0);
  CHECK(parse_reason("syn-ack") == 0x12);
  CHECK(parse_reason("rst") == 0x04);
  CHECK(parse_reason("syn-ack-ece-cwr") == 0xD2);
  CHECK(parse_reason("fin-syn-ack") == 0x13);
  for (const char* bad : {"", "ack-syn", "syn-syn", "syn-", "-syn", "syn-foo", "SYN-ACK"}) CHECK_FALSE(parse_reason(bad));
  for (int flags = 0; flags < 256; ++flags) CHECK(parse_reason(format_reason(uint8_t(flags))) == flags);
}

TEST_CASE("codes for proto and status round-trip", "[core]") {
  for (auto name : {"tcp", "udp", "sctp", "icmp", "arp", "err"}) CHECK(proto_name(*parse_proto(name)) == name);
  for (auto name : {"open", "closed", "up", "unknown"}) CHECK(status_name(*parse_status(name)) == name);
  CHECK_FALSE(parse_proto("TCP"));
  CHECK_FALSE(parse_status("filtered"));
}

TEST_CASE("countmaps merge exactly and flatten round-trips", "[core]") {
  CountMap a, b;
  a.add(1); a.add(1); a.add(5, 3);
  b.add(1, 10); b.add(7);
  a.merge(b);
  std::vector<CountEntry> want{{1, 12}, {5, 3}, {7, 1}};
  CHECK(a.entries() == want);
  CHECK(a.total() == 16);
  auto flat = a.flatten();
  CHECK(CountMap::from_flat(flat.data(), flat.size()).entries() == want);
}

TEST_CASE("checked_cast refuses values that do not fit", "[core]") {
  CHECK(checked_cast<int>(uint64_t(2147483647)) == 2147483647);
  CHECK_THROWS_AS(checked_cast<int>(uint64_t(2147483648ull)), std::overflow_error);
  CHECK_THROWS_AS(checked_cast<uint32_t>(-1), std::overflow_error);
}

TEST_CASE("flat index: positions of keys, absent keys, struct keys", "[core]") {
  std::vector<uint64_t> ids;
  for (uint64_t i = 0; i < 5000; ++i) ids.push_back(i * 0x10000 + (i % 7));  // low bits alike: the mix must spread them
  const scanhpc::FlatIndex index(ids, [](uint64_t x) { return x; });
  for (size_t i = 0; i < ids.size(); ++i) CHECK(index.find(ids[i]) == i);
  CHECK(index.find(1) == index.npos);
  CHECK(!index.contains(ids.back() + 1));
  struct Key {
    uint16_t a;
    uint64_t b;
    bool operator==(const Key&) const = default;
  };
  const std::vector<Key> keys = {{80, 7}, {443, 7}, {80, 8}};
  const scanhpc::FlatIndex pairs(keys, [](const Key& k) { return k.b ^ (uint64_t(k.a) << 48); });
  CHECK(pairs.find({443, 7}) == 1);
  CHECK(pairs.find({80, 8}) == 2);
  CHECK(pairs.find({443, 8}) == pairs.npos);
  const std::vector<uint64_t> none;
  CHECK(!scanhpc::FlatIndex(none, [](uint64_t x) { return x; }).contains(0));
}

TEST_CASE("radix sort orders 64- and 128-bit keys as std::sort does (shared digits skipped)", "[core]") {
  std::mt19937_64 rng(7);
  using u128 = unsigned __int128;
  for (size_t n : {size_t(0), size_t(1), size_t(2), size_t(1000), size_t(100000)}) {
    // Full-width keys, narrow keys (high digits all zero), keys that share their low bits,
    // and many duplicates (few distinct values).
    std::vector<uint64_t> wide(n), narrow(n), low_shared(n), dups(n);
    std::vector<u128> packed(n);
    for (size_t i = 0; i < n; ++i) {
      wide[i] = rng();
      narrow[i] = rng() & 0xFFFFF;
      low_shared[i] = (rng() << 20) | 0x5A5A5;
      dups[i] = rng() % 7;
      // GPS's packing: p1 (16 bits) << 80 | feature (64-bit hash) << 16 | p2 (16 bits)
      packed[i] = (u128(rng() % 5) << 80) | (u128(rng()) << 16) | u128(rng() % 3);
    }
    for (auto* v : {&wide, &narrow, &low_shared, &dups}) {
      auto want = *v;
      std::sort(want.begin(), want.end());
      scanhpc::radix_sort(*v);
      CHECK(*v == want);
    }
    auto want = packed;
    std::sort(want.begin(), want.end());
    scanhpc::radix_sort(packed);
    CHECK(packed == want);
  }
}
