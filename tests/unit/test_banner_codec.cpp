#include <catch2/catch.hpp>

#include <random>

#include "scanhpc/kernels/banner_codec.hpp"

using namespace scanhpc;

namespace {
BannerColumns some_banners(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  BannerColumns b;
  for (size_t i = 0; i < n; ++i) {
    std::string banner(rng() % 300, 'x');
    for (auto& c : banner) c = char(rng());  // any bytes, NULs included
    b.push_back(uint32_t(rng()), uint32_t(i), uint16_t(rng()), 1, 1, i % 2 ? "http" : "title", banner);
  }
  return b;
}
}  // namespace

TEST_CASE("banner records round-trip through the owner-grouped encoding", "[banners]") {
  auto original = some_banners(500, 1);
  auto copy = original;
  PrefixOwnership own({0, 0x40000000, 0x80000000, 0xC0000000});
  auto packed = pack_banners_by_owner(copy, own);
  CHECK(copy.size() == 0);
  BannerColumns back;
  for (int r = 0; r < 4; ++r) {
    BannerColumns part;
    unpack_banners(packed.per_rank[size_t(r)].data(), packed.per_rank[size_t(r)].size(), part);
    for (size_t i = 0; i < part.size(); ++i) CHECK(own.owner(part.ip[i]) == r);
    back.append(part);
  }
  REQUIRE(back.size() == original.size());
  // Same multiset: records are identified by ts (= original index).
  std::vector<size_t> at(original.size());
  for (size_t i = 0; i < back.size(); ++i) at[back.ts[i]] = i;
  for (size_t i = 0; i < original.size(); ++i) {
    size_t j = at[i];
    CHECK(back.ip[j] == original.ip[i]);
    CHECK(back.port[j] == original.port[i]);
    CHECK(back.service.at(j) == original.service.at(i));
    CHECK(back.banner.at(j) == original.banner.at(i));
  }
}

TEST_CASE("rounds carry whole records, and a record larger than a round still moves", "[banners]") {
  auto b = some_banners(50, 2);
  auto packed = pack_banners_by_owner(b, PrefixOwnership({0}));
  const std::string& buf = packed.per_rank[0];
  for (size_t limit : {size_t(1), size_t(100), size_t(1000), buf.size()}) {
    size_t at = 0, records = 0;
    while (at < buf.size()) {
      size_t n = whole_records_prefix(buf, at, limit);
      REQUIRE(n > 0);
      BannerColumns part;
      unpack_banners(buf.data() + at, n, part);  // throws if a record was cut
      CHECK((n <= limit || part.size() == 1));
      records += part.size();
      at += n;
    }
    CHECK(records == 50);
  }
  CHECK_THROWS(unpack_banners(buf.data(), 7, b));
}
