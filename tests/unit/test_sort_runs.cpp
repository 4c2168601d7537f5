#include <catch2/catch.hpp>

#include <algorithm>
#include <vector>

#include "scanhpc/core/random.hpp"
#include "scanhpc/core/sort_runs.hpp"

using namespace scanhpc;

TEST_CASE("sort_runs sorts concatenated sorted runs and anything else as std::sort does", "[core]") {
  // What reduce_by_owner receives: one sorted run per source rank (some empty,
  // some overlapping), and, past max_runs, input in no order at all.
  SplitMix64 rng{17};
  const auto less = [](uint64_t a, uint64_t b) { return a < b; };
  for (size_t runs : {0, 1, 2, 3, 5, 8, 16, 33}) {
    for (uint64_t spread : {uint64_t(4), uint64_t(1) << 40}) {  // many equal keys, or almost none
      std::vector<uint64_t> v;
      for (size_t r = 0; r < runs; ++r) {
        std::vector<uint64_t> run(rng.below(200));
        for (auto& x : run) x = rng.below(spread);
        std::sort(run.begin(), run.end());
        v.insert(v.end(), run.begin(), run.end());
      }
      auto want = v;
      std::sort(want.begin(), want.end());
      for (size_t max_runs : {size_t(1), size_t(4), size_t(64)}) {
        auto got = v;
        sort_runs(got, less, max_runs);
        CHECK(got == want);
      }
    }
  }
  std::vector<uint64_t> v(5000);
  for (auto& x : v) x = rng.next();
  auto want = v;
  std::sort(want.begin(), want.end());
  sort_runs(v, less, 8);
  CHECK(v == want);
}
