// Sparse tables summed by key owner at 1-4 ranks equal a sequential sum.
#include <catch2/catch.hpp>

#include <map>
#include <random>

#include "scanhpc/dist/reduce_by_owner.hpp"

using namespace scanhpc;

namespace {
struct PairKey {
  uint16_t p1, p2;
  uint32_t pad = 0;
  uint64_t feature;
  friend bool operator<(const PairKey& a, const PairKey& b) {
    return std::tie(a.p1, a.feature, a.p2) < std::tie(b.p1, b.feature, b.p2);
  }
};
std::vector<dist::KeyCount<PairKey>> table_of(int rank) {
  std::mt19937_64 rng(uint64_t(rank) * 7 + 1);
  std::vector<dist::KeyCount<PairKey>> t;
  for (int i = 0; i < 3000; ++i) t.push_back({{uint16_t(rng() % 20), uint16_t(rng() % 20), 0, rng() % 50}, rng() % 5 + 1});
  return t;
}
}  // namespace

TEST_CASE("reduce_by_owner sums every key exactly once, on its owner", "[reduce]") {
  dist::Comm comm;
  std::map<std::tuple<uint16_t, uint64_t, uint16_t>, uint64_t> oracle;  // every rank builds the full oracle
  for (int r = 0; r < comm.size(); ++r)
    for (const auto& e : table_of(r)) oracle[{e.key.p1, e.key.feature, e.key.p2}] += e.count;
  std::function<int(const PairKey&)> owner = [&](const PairKey& k) {
    return int((k.feature * 31 + k.p1) % uint64_t(comm.size()));
  };
  for (uint64_t round_bytes : {uint64_t(64) << 20, uint64_t(256)}) {
    auto mine = dist::reduce_by_owner(comm, table_of(comm.rank()), owner, round_bytes);
    for (size_t i = 1; i < mine.size(); ++i) REQUIRE(mine[i - 1].key < mine[i].key);
    uint64_t matched = 0;
    for (const auto& e : mine) {
      REQUIRE(owner(e.key) == comm.rank());
      CHECK(oracle.at({e.key.p1, e.key.feature, e.key.p2}) == e.count);
      ++matched;
    }
    CHECK(comm.allreduce_sum(matched) == oracle.size());
  }
}
