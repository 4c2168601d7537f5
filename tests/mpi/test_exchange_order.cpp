// The exchanges keep order: rows arrive grouped by source rank, in rank
// order, and each source's rows in the order it sent them, whatever the
// number of rounds. "First record" choices downstream (flow convert) depend
// on it. Checked at the rank count mpirun gave us (ctest runs 1-4), against
// the order every rank can compute for itself.
#include <catch2/catch.hpp>

#include <cstring>
#include <random>
#include <string>
#include <vector>

#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/record_exchange.hpp"

using namespace scanhpc;

namespace {

struct Row {
  uint32_t source, seq, dest, pad;
};

// What rank `r` sends: `n` rows with skewed destinations, grouped by destination (stable).
std::vector<Row> rows_of(int r, int ranks, size_t n) {
  std::mt19937 rng(uint32_t(r) * 7 + 1);
  std::vector<Row> rows;
  for (size_t i = 0; i < n; ++i) rows.push_back({uint32_t(r), uint32_t(i), uint32_t(rng() % 5 == 0 ? 0 : rng() % unsigned(ranks)), 0});
  return rows;
}

}  // namespace

TEST_CASE("alltoallv_rounds: each source's rows in its order, at any round size", "[exchange-order]") {
  dist::Comm comm;
  const int ranks = comm.size();
  for (uint64_t round_bytes : {uint64_t(64) << 20, uint64_t(1) << 12, uint64_t(sizeof(Row))})
   for (uint64_t direct_limit : {uint64_t(INT32_MAX), uint64_t(0)}) {  // 0: every round packs its slices
    const auto mine = rows_of(comm.rank(), ranks, 3000 + size_t(comm.rank()) * 500);
    std::vector<uint64_t> counts(size_t(ranks), 0), offsets(size_t(ranks), 0);
    for (const auto& r : mine) ++counts[r.dest];
    for (int d = 1; d < ranks; ++d) offsets[size_t(d)] = offsets[size_t(d) - 1] + counts[size_t(d) - 1];
    std::vector<Row> grouped(mine.size());
    auto at = offsets;
    for (const auto& r : mine) grouped[at[r.dest]++] = r;
    uint64_t rounds = 0;
    const auto got = dist::alltoallv_rounds(comm, grouped, counts, offsets, round_bytes, &rounds, direct_limit);
    // The expected arrival: every source's rows for this rank, sources in rank order.
    std::vector<Row> want;
    for (int s = 0; s < ranks; ++s)
      for (const auto& r : rows_of(s, ranks, 3000 + size_t(s) * 500))
        if (int(r.dest) == comm.rank()) want.push_back(r);
    INFO("round_bytes " << round_bytes << ", direct up to " << direct_limit << " rows, " << rounds << " round(s)");
    REQUIRE(got.size() == want.size());
    size_t i = 0;
    while (i < got.size() && got[i].source == want[i].source && got[i].seq == want[i].seq) ++i;
    CHECK(i == got.size());
    if (ranks > 1 && round_bytes == sizeof(Row)) CHECK(rounds > 100);
  }
}

TEST_CASE("exchange_records: each source's records in its order, at any round size", "[exchange-order]") {
  dist::Comm comm;
  const int ranks = comm.size();
  // Records: 4-byte length, then "source:seq" padded to a varying length.
  auto record = [](int source, int seq) {
    std::string body = std::to_string(source) + ":" + std::to_string(seq);
    body.append(size_t(seq % 37), '.');
    uint32_t len = uint32_t(body.size());
    return std::string(reinterpret_cast<const char*>(&len), 4) + body;
  };
  auto size_of = [](const char* p) {
    uint32_t len;
    std::memcpy(&len, p, 4);
    return size_t(4) + len;
  };
  auto dest_of = [&](int source, int seq) { return (source * 31 + seq * 7 + seq / 3) % ranks; };
  for (uint64_t round_bytes : {uint64_t(1) << 20, uint64_t(256), uint64_t(1)}) {
    std::vector<std::string> per_rank(static_cast<size_t>(ranks));
    for (int seq = 0; seq < 2000; ++seq) per_rank[size_t(dest_of(comm.rank(), seq))] += record(comm.rank(), seq);
    uint64_t rounds = 0;
    const std::string got = dist::exchange_records(comm, per_rank, size_of, round_bytes, &rounds);
    std::string want;
    for (int s = 0; s < ranks; ++s)
      for (int seq = 0; seq < 2000; ++seq)
        if (dest_of(s, seq) == comm.rank()) want += record(s, seq);
    INFO("round_bytes " << round_bytes << ", " << rounds << " round(s)");
    CHECK(got == want);
  }
}

TEST_CASE("send_to_owners: the consuming form delivers as the copying form, in order", "[exchange-order]") {
  dist::Comm comm;
  const int ranks = comm.size();
  for (uint64_t round_bytes : {uint64_t(64) << 20, uint64_t(sizeof(Row)) * 7}) {
    const auto mine = rows_of(comm.rank(), ranks, 2000 + size_t(comm.rank()) * 300);
    auto owner = [](const Row& r) { return int(r.dest); };
    const auto copied = dist::send_to_owners(comm, mine, owner, round_bytes);
    auto consumed_input = mine;
    const auto moved = dist::send_to_owners(comm, std::move(consumed_input), owner, round_bytes);
    CHECK(consumed_input.empty());
    std::vector<Row> want;  // every source's rows for this rank, sources in rank order, each in its order
    for (int s = 0; s < ranks; ++s)
      for (const auto& r : rows_of(s, ranks, 2000 + size_t(s) * 300))
        if (int(r.dest) == comm.rank()) want.push_back(r);
    REQUIRE(moved.size() == want.size());
    REQUIRE(copied.size() == want.size());
    bool same = true;
    for (size_t i = 0; i < want.size(); ++i)
      same = same && moved[i].source == want[i].source && moved[i].seq == want[i].seq &&
             copied[i].source == want[i].source && copied[i].seq == want[i].seq;
    CHECK(same);
  }
}
