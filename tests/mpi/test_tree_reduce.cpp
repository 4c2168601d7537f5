// tree_reduce_to_root: the top n of every rank's values on rank 0, equal to
// the top n every rank can compute from all values, at the rank count
// mpirun gave us (ctest runs 1-4).
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "scanhpc/dist/tree_reduce.hpp"

using namespace scanhpc;

namespace {

struct Item {
  uint64_t key, count;
};

std::vector<Item> items_of(int r) {  // disjoint keys per rank, tied counts across ranks
  std::vector<Item> v;
  for (uint64_t i = 0; i < 50 + uint64_t(r) * 7; ++i) v.push_back({uint64_t(r) * 1000 + i, (i * 37 + uint64_t(r)) % 23});
  return v;
}

std::vector<Item> keep_top(std::vector<Item> v, size_t n) {
  std::sort(v.begin(), v.end(), [](const Item& a, const Item& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  if (v.size() > n) v.resize(n);
  return v;
}

}  // namespace

TEST_CASE("tree_reduce_to_root: the top n of all ranks on rank 0, nothing elsewhere", "[tree-reduce]") {
  dist::Comm comm;
  for (size_t n : {size_t(1), size_t(5), size_t(1000)}) {
    size_t largest = 0;  // the largest part any merge was handed
    const auto got = dist::tree_reduce_to_root(comm, keep_top(items_of(comm.rank()), n), [&](auto a, auto b) {
      largest = std::max({largest, a.size(), b.size()});
      a.insert(a.end(), b.begin(), b.end());
      return keep_top(std::move(a), n);
    });
    CHECK(largest <= n);
    if (!comm.is_root()) {
      CHECK(got.empty());
      continue;
    }
    std::vector<Item> all;
    for (int r = 0; r < comm.size(); ++r) {
      const auto v = items_of(r);
      all.insert(all.end(), v.begin(), v.end());
    }
    const auto want = keep_top(all, n);
    INFO("n " << n << " at " << comm.size() << " rank(s)");
    REQUIRE(got.size() == want.size());
    for (size_t i = 0; i < got.size(); ++i) CHECK((got[i].key == want[i].key && got[i].count == want[i].count));
  }
}
