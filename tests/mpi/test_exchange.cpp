// The collective exchange at the rank count mpirun gave us (ctest runs 1-4):
// every row reaches its owner exactly once, also with rounds far smaller
// than the data, and every rank computes the same ownership.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "scanhpc/dist/exchange.hpp"

using namespace scanhpc;

namespace {
// Rows that rank `rank` starts with: deterministic, skewed, ts = global id.
StatusColumns start_rows(int rank, size_t n) {
  std::mt19937_64 rng(uint64_t(rank) + 11);
  StatusColumns c;
  for (size_t i = 0; i < n; ++i) {
    uint32_t ip = rng() % 3 == 0 ? 0xC6120000u | uint32_t(rng() % 256) : uint32_t(rng());
    c.push_back({ip, uint32_t(rank * 1000000 + i), uint16_t(i), 1, 1, 0x12, 64, 7, 0});
  }
  return c;
}
}  // namespace

TEST_CASE("exchange_by_owner delivers every row to its owner, in bounded rounds", "[exchange]") {
  dist::Comm comm;
  const size_t n = 20000 + size_t(comm.rank()) * 3000;
  for (uint64_t round_bytes : {uint64_t(64) << 20, uint64_t(4096)}) {
    auto rows = start_rows(comm.rank(), n);
    auto ownership = dist::build_ownership(comm, rows.ip);
    // Same boundaries everywhere.
    std::vector<uint64_t> first = ownership.first();
    std::vector<uint64_t> max_first = first;
    comm.allreduce_sum_inplace(max_first);
    for (size_t r = 0; r < first.size(); ++r) CHECK(max_first[r] == first[r] * uint64_t(comm.size()));

    dist::ExchangeStats stats;
    auto owned = dist::exchange_by_owner(comm, rows, ownership, round_bytes, &stats);
    if (comm.size() == 1) CHECK(stats.rounds == 0);  // one rank keeps its rows: nothing to move
    else if (round_bytes == 4096) CHECK(stats.rounds > 10);
    else CHECK(stats.rounds == 1);
    for (const auto& e : owned) REQUIRE(ownership.owner(key_ip(e.key)) == comm.rank());

    // Conservation: the multiset of global ids is exactly 0..n_r for each rank.
    uint64_t total_in = comm.allreduce_sum(n), total_out = comm.allreduce_sum(owned.size());
    CHECK(total_in == total_out);
    std::vector<uint64_t> seen(size_t(comm.size()) * 64, 0);  // per source rank: count and id sum
    for (const auto& e : owned) {
      size_t src = e.ts / 1000000;
      seen[src * 64] += 1;
      seen[src * 64 + 1] += e.ts % 1000000;
      CHECK(key_port(e.key) == uint16_t(e.ts % 1000000));  // every field survives the trip
      CHECK((e.status == 1 && e.reason == 0x12 && e.ttl == 64 && e.known == 7));
    }
    comm.allreduce_sum_inplace(seen);
    for (int r = 0; r < comm.size(); ++r) {
      uint64_t nr = 20000 + uint64_t(r) * 3000;
      CHECK(seen[size_t(r) * 64] == nr);
      CHECK(seen[size_t(r) * 64 + 1] == nr * (nr - 1) / 2);
    }
    // Contiguous ownership: this rank's addresses lie below the next rank's.
    uint32_t my_max = 0;
    for (const auto& e : owned) my_max = std::max(my_max, key_ip(e.key));
    auto maxes = comm.allgather(owned.size() ? my_max : 0);
    for (int r = 0; r + 1 < comm.size(); ++r)
      if (maxes[size_t(r)]) CHECK(ownership.owner(uint32_t(maxes[size_t(r)])) == r);
  }
}

TEST_CASE("MPI errors become exceptions carrying MPI's text", "[exchange]") {
  dist::Comm comm;
  try {
    dist::check(MPI_ERR_COUNT, "test call");
    FAIL("no exception");
  } catch (const dist::MpiError& e) {
    CHECK_THAT(e.what(), Catch::Contains("test call"));
    CHECK_THAT(e.what(), Catch::Contains("count"));
  }
  comm.barrier();
}
