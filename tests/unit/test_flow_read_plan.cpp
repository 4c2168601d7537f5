// Choosing flowtuple files by name time, and splitting blocks over ranks.
#include <catch2/catch.hpp>

#include <algorithm>
#include <set>

#include "scanhpc/core/random.hpp"
#include "scanhpc/flow/read_plan.hpp"

using namespace scanhpc;
using namespace scanhpc::flow;

TEST_CASE("flow plan: the time in a file name", "[flow-plan]") {
  CHECK(file_name_time("s3/datasource=ucsd-nt/year=2021/v3_5min_1617235200.ft4.avro") == 1617235200u);
  CHECK(file_name_time("ucsd-nt.1617235200.flowtuple-v4.avro") == 1617235200u);
  CHECK(file_name_time("/d/ft-999999999-mon2.avro") == 999999999u);  // 9 digits
  CHECK_FALSE(file_name_time("flows-2021.avro").has_value());
  CHECK_FALSE(file_name_time("x_99999999999.avro").has_value());  // 11 digits
  CHECK_FALSE(file_name_time("dir1617235200/flows.avro").has_value());  // only the base name counts
  CHECK(file_may_overlap(1000, 300, 1000, 1000));
  CHECK(file_may_overlap(1000, 300, 1299, std::nullopt));
  CHECK_FALSE(file_may_overlap(1000, 300, 1300, std::nullopt));
  CHECK_FALSE(file_may_overlap(1000, 300, std::nullopt, 999));
  CHECK(file_may_overlap(1000, 300, std::nullopt, 1000));
}

TEST_CASE("flow plan: the span of a file from its name", "[flow-plan]") {
  CHECK(file_name_seconds("d/v3_5min_1617235200.ft4.avro") == 300u);
  CHECK(file_name_seconds("d/v3_3600s_1617235200.ft4.avro") == 3600u);
  CHECK(file_name_seconds("v3_60s_1617235200.ft4.avro") == 60u);
  CHECK(file_name_seconds("x.120s.avro") == 120u);
  CHECK(file_name_seconds("hourly-60min-1617235200.avro") == 3600u);
  CHECK_FALSE(file_name_seconds("ucsd-nt.1617235200.flowtuple-v4.avro").has_value());
  CHECK_FALSE(file_name_seconds("ucsd-nt-synth.1617235200.ft3.avro").has_value());
  CHECK_FALSE(file_name_seconds("v3_5minutes_1617235200.avro").has_value());  // the unit must end the run
  CHECK_FALSE(file_name_seconds("scans_0s_1.avro").has_value());
  CHECK_FALSE(file_name_seconds("3600s/flows.avro").has_value());  // only the base name counts
  // A 3600 s file starting at 1000 holds records up to 4599; read as 300 s it would be skipped.
  CHECK(file_may_overlap(1000, *file_name_seconds("v3_3600s_1000.avro"), 2000, 2100));
  CHECK_FALSE(file_may_overlap(1000, 300, 2000, 2100));
}

TEST_CASE("flow plan: units split over ranks contiguously, covering all, balanced", "[flow-plan]") {
  SplitMix64 rng{7};
  for (int trial = 0; trial < 200; ++trial) {
    std::vector<uint64_t> w(rng.below(40));
    uint64_t total = 0, biggest = 0;
    for (auto& x : w) {
      x = rng.below(4) ? rng.below(100000) : 0;
      total += x;
      biggest = std::max(biggest, x);
    }
    const int ranks = 1 + int(rng.below(9));
    auto parts = split_units(w, ranks);
    REQUIRE(parts.size() == size_t(ranks));
    size_t next = 0;
    for (const auto& [b, e] : parts) {
      CHECK(b == next);
      CHECK(e >= b);
      next = e;
      uint64_t share = 0;
      for (size_t i = b; i < e; ++i) share += w[i];
      CHECK(share <= total / uint64_t(ranks) + biggest + 1);  // within one unit of an equal share
    }
    CHECK(next == w.size());
  }
  CHECK(split_units({}, 3) == std::vector<std::pair<size_t, size_t>>{{0, 0}, {0, 0}, {0, 0}});
  CHECK(split_units({5, 5, 5, 5}, 2) == std::vector<std::pair<size_t, size_t>>{{0, 2}, {2, 4}});
}

TEST_CASE("flow plan: convert windows cover whole intervals in time order, within the budget", "[flow-plan]") {
  // Minute files of 5-minute intervals, listed out of time order.
  std::vector<std::optional<uint32_t>> times;
  std::vector<uint64_t> bytes;
  const uint32_t t0 = 1612130100;  // a multiple of 300
  for (uint32_t m : {7u, 0u, 1u, 12u, 2u, 3u, 4u, 5u, 6u, 8u, 9u, 10u, 11u}) {
    times.push_back(t0 + 60 * m);
    bytes.push_back(10);
  }
  SECTION("no budget: one window, input order") {
    const auto w = convert_windows(times, bytes, 300, 0);
    REQUIRE(w.size() == 1);
    CHECK(w[0].size() == times.size());
  }
  SECTION("a budget of two intervals") {
    const auto w = convert_windows(times, bytes, 300, 100);  // 50 bytes an interval
    // Every file once; an interval never spans windows; windows in time order.
    std::vector<int> seen(times.size(), 0);
    uint32_t last_interval = 0;
    for (const auto& win : w) {
      uint64_t total = 0;
      std::set<uint32_t> intervals;
      for (size_t i : win) {
        ++seen[i];
        total += bytes[i];
        intervals.insert(*times[i] - *times[i] % 300);
      }
      CHECK(std::is_sorted(win.begin(), win.end()));  // input order within a window
      CHECK(total <= 100);
      CHECK(*intervals.begin() > last_interval);
      last_interval = *intervals.rbegin();
    }
    CHECK(std::all_of(seen.begin(), seen.end(), [](int n) { return n == 1; }));
    CHECK(w.size() == 2);  // intervals of 50, 50 and 30 bytes: {0, 1} and {2}
  }
  SECTION("an interval larger than the budget is a window of its own") {
    const auto w = convert_windows(times, bytes, 300, 20);
    CHECK(w.size() == 3);
  }
  SECTION("a name without a time: one window") {
    auto some = times;
    some[3].reset();
    CHECK(convert_windows(some, bytes, 300, 20).size() == 1);
  }
  CHECK_THROWS_AS(convert_windows(times, {1}, 300, 20), std::invalid_argument);
}
