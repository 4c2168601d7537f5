// Banner records reach the rank owning their address, at 1-4 ranks, also in
// rounds far smaller than the data.
#include <catch2/catch.hpp>

#include <random>

#include "scanhpc/dist/banner_exchange.hpp"
#include "scanhpc/dist/exchange.hpp"

using namespace scanhpc;

TEST_CASE("exchange_banners_by_owner delivers every record intact", "[banners]") {
  dist::Comm comm;
  std::mt19937_64 rng(uint64_t(comm.rank()) + 3);
  const uint32_t n = 700 + uint32_t(comm.rank()) * 50;
  BannerColumns local;
  std::vector<uint32_t> ips;
  for (uint32_t i = 0; i < n; ++i) {
    uint32_t ip = uint32_t(rng());
    std::string banner(size_t(i % 2000), char('a' + i % 26));  // up to 2 KB, some larger than a round
    local.push_back(ip, uint32_t(comm.rank()) * 1000000 + i, uint16_t(i), 1, 1, "http", banner);
    ips.push_back(ip);
  }
  auto ownership = dist::build_ownership(comm, ips);
  for (uint64_t round_bytes : {uint64_t(64) << 20, uint64_t(1000)}) {
    auto copy = local;
    uint64_t rounds = 0;
    auto owned = dist::exchange_banners_by_owner(comm, copy, ownership, round_bytes, &rounds);
    if (round_bytes == 1000 && comm.size() > 1) CHECK(rounds > 10);
    uint64_t checksum = 0;
    for (size_t i = 0; i < owned.size(); ++i) {
      REQUIRE(ownership.owner(owned.ip[i]) == comm.rank());
      uint32_t idx = owned.ts[i] % 1000000;
      CHECK(owned.banner.at(i).size() == idx % 2000);
      CHECK(owned.port[i] == uint16_t(idx));
      checksum += owned.ts[i];
    }
    uint64_t want = 0;
    for (int r = 0; r < comm.size(); ++r) {
      uint64_t nr = 700 + uint64_t(r) * 50;
      want += nr * uint64_t(r) * 1000000 + nr * (nr - 1) / 2;
    }
    CHECK(comm.allreduce_sum(owned.size()) == comm.allreduce_sum(n));
    CHECK(comm.allreduce_sum(checksum) == want);
  }
}
