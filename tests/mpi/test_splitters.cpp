// regular_splitters: range ownership by regular sampling. The owners'
// keys, concatenated in rank order, are the sorted union of every rank's
// keys (the sequential oracle: every key gathered here, in the test only);
// equal keys share an owner; with skewed and empty ranks too.
#include <catch2/catch.hpp>

#include <algorithm>
#include <random>

#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/splitters.hpp"

using namespace scanhpc;

TEST_CASE("regular_splitters: ranges in rank order, equal keys together", "[splitters]") {
  dist::Comm comm;
  for (int shape = 0; shape < 4; ++shape) {
    std::mt19937_64 rng(uint64_t(comm.rank()) * 31 + uint64_t(shape));
    // 0: uniform; 1: a few heavy keys; 2: rank 0 holds nothing; 3: only rank 0 holds keys
    size_t n = 5000;
    if ((shape == 2 && comm.rank() == 0) || (shape == 3 && comm.rank() != 0)) n = 0;
    std::vector<uint64_t> keys(n);
    for (auto& k : keys) k = shape == 1 && rng() % 2 ? rng() % 4 : rng() % 100000;
    std::sort(keys.begin(), keys.end());
    const auto splitters = dist::regular_splitters(comm, keys);
    REQUIRE(std::is_sorted(splitters.begin(), splitters.end()));
    REQUIRE(splitters.size() <= size_t(comm.size()) - 1);
    std::vector<uint64_t> counts(size_t(comm.size()), 0), offsets(size_t(comm.size()), 0);
    for (uint64_t k : keys) ++counts[size_t(dist::splitter_owner(splitters, k))];
    for (size_t d = 1; d < counts.size(); ++d) offsets[d] = offsets[d - 1] + counts[d - 1];
    auto mine = dist::alltoallv_rounds(comm, keys, counts, offsets, 1 << 20);
    std::sort(mine.begin(), mine.end());
    // The oracle: all keys, sorted; the ranks' ranges concatenated must equal it.
    auto all = dist::allgatherv(comm, keys);
    std::sort(all.begin(), all.end());
    auto joined = dist::allgatherv(comm, mine);  // rank order
    CHECK(joined == all);
    // Equal keys never on two ranks: this rank's first key is above the previous rank's last.
    const uint64_t first = mine.empty() ? UINT64_MAX : mine.front();
    const auto firsts = comm.allgather(first);
    const uint64_t last = mine.empty() ? 0 : mine.back() + 1;
    const auto lasts = comm.allgather(last);
    for (size_t r = 1; r < firsts.size(); ++r)
      if (firsts[r] != UINT64_MAX && lasts[r - 1] != 0) CHECK(lasts[r - 1] <= firsts[r]);
  }
}

TEST_CASE("regular_splitters: ranges balance the rows when ranks hold unequal numbers of keys", "[splitters]") {
  dist::Comm comm;
  const int ranks = comm.size();
  // Rank r holds (r + 1) x 4000 keys, most in a part of the key space of its own (as a rank's
  // partial tables cover the days and ports of its own sources), some anywhere.
  std::mt19937_64 rng(uint64_t(comm.rank()) * 7 + 3);
  std::vector<uint64_t> keys(size_t(comm.rank() + 1) * 4000);
  for (auto& k : keys) k = rng() % 5 ? uint64_t(comm.rank()) * 1000000000 + rng() % 1000000000 : rng() % (uint64_t(ranks) * 1000000000);
  std::sort(keys.begin(), keys.end());
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  const auto splitters = dist::regular_splitters(comm, keys);
  std::vector<uint64_t> counts(size_t(ranks), 0);
  for (uint64_t k : keys) ++counts[size_t(dist::splitter_owner(splitters, k))];
  std::vector<uint64_t> received(size_t(ranks), 0);
  for (int r = 0; r < ranks; ++r) received[size_t(r)] = comm.allreduce_sum(counts[size_t(r)]);
  const uint64_t total = comm.allreduce_sum(keys.size());
  const uint64_t most = *std::max_element(received.begin(), received.end());
  INFO("total " << total << ", most " << most);
  CHECK(double(most) <= 1.3 * double(total) / ranks + 1);
}
