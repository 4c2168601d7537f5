// Dealing: each rank's batch is cut into contiguous pieces, piece r to rank
// r, arriving in source-rank order; at 1-4 ranks and in rounds far smaller
// than the data. Checked against the pieces computed here by hand.
#include <catch2/catch.hpp>

#include "scanhpc/dist/deal.hpp"
#include "scanhpc/kernels/route.hpp"

using namespace scanhpc;

namespace {

// Rank r's batch: n_r rows whose fields say where they came from.
StatusRow row_of(int source, uint32_t i) {
  StatusRow r;
  r.ip = uint32_t(source) << 24 | i;
  r.ts = 1000 + i;
  r.port = uint16_t(i * 7);
  r.proto = 6;
  r.status = 1;
  r.ttl = uint8_t(source);
  return r;
}
uint32_t rows_at(int rank) { return uint32_t(rank) * 1237 + (rank % 2 ? 3 : 0); }  // rank 0: none

}  // namespace

TEST_CASE("dealt_to agrees with the slices it deals", "[deal]") {
  for (uint64_t n : {1, 2, 3, 7, 100, 1001})
    for (size_t ranks : {1, 2, 3, 4, 16, 256})
      for (uint64_t i = 0; i < n; ++i) {
        size_t r = dist::dealt_to(i, n, ranks);
        REQUIRE(r < ranks);
        REQUIRE(slice_begin(n, ranks, r) <= i);
        REQUIRE(i < slice_begin(n, ranks, r + 1));
      }
}

TEST_CASE("deal_evenly spreads each rank's rows and banners in order", "[deal]") {
  dist::Comm comm;
  const size_t ranks = size_t(comm.size()), me = size_t(comm.rank());
  for (uint64_t round_bytes : {uint64_t(64) << 20, uint64_t(512)}) {
    StatusColumns batch, status;
    BannerColumns banner_batch, banners;
    const uint32_t n = rows_at(comm.rank());
    for (uint32_t i = 0; i < n; ++i) batch.push_back(row_of(comm.rank(), i));
    const uint32_t nb = n / 3;
    for (uint32_t i = 0; i < nb; ++i)
      banner_batch.push_back(uint32_t(comm.rank()), i, 80, 6, 1, "http", std::string(i % 700, char('a' + i % 26)));
    status.push_back(row_of(99, 0));  // rows already there stay first
    uint64_t rounds = 0;
    dist::deal_evenly(comm, batch, banner_batch, status, banners, round_bytes, &rounds);
    CHECK(batch.empty());
    CHECK(banner_batch.size() == 0);
    if (round_bytes == 512 && ranks > 1) CHECK(rounds > 2);

    std::vector<StatusRow> want{row_of(99, 0)};
    std::vector<std::pair<uint32_t, uint32_t>> want_banners;  // (source, index)
    for (int s = 0; s < comm.size(); ++s) {
      const uint32_t ns = rows_at(s), nbs = ns / 3;
      for (uint64_t i = slice_begin(ns, ranks, me); i < slice_begin(ns, ranks, me + 1); ++i)
        want.push_back(row_of(s, uint32_t(i)));
      for (uint64_t i = slice_begin(nbs, ranks, me); i < slice_begin(nbs, ranks, me + 1); ++i)
        want_banners.emplace_back(uint32_t(s), uint32_t(i));
    }
    REQUIRE(status.size() == want.size());
    for (size_t i = 0; i < want.size(); ++i) REQUIRE(status.row(i) == want[i]);
    REQUIRE(banners.size() == want_banners.size());
    for (size_t i = 0; i < want_banners.size(); ++i) {
      REQUIRE(banners.ip[i] == want_banners[i].first);
      REQUIRE(banners.ts[i] == want_banners[i].second);
      REQUIRE(banners.banner.at(i).size() == want_banners[i].second % 700);
    }
  }
}
