// The MPI-free parts of the repacked observation table: its row order, and
// which rows a byte range of its file stands for.
#include <catch2/catch.hpp>

#include <algorithm>
#include <tuple>
#include <vector>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/random.hpp"
#include "scanhpc/io/inputs.hpp"
#include "scanhpc/io/observation_rows.hpp"
#include "scanhpc/kernels/services.hpp"

using namespace scanhpc;

namespace {
auto fields(const ServiceEntry& e) { return std::tuple(e.key, e.ts, e.status, e.reason, e.ttl, e.known); }
bool same(const std::vector<ServiceEntry>& a, const std::vector<ServiceEntry>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(),
                    [](const ServiceEntry& x, const ServiceEntry& y) { return fields(x) == fields(y); });
}
}  // namespace

TEST_CASE("sort_observations orders every field as std::sort does, whatever the arrival order", "[observations]") {
  SplitMix64 rng{5};
  for (size_t n : {size_t(0), size_t(1), size_t(7), size_t(5000), size_t(150000)}) {  // past the threaded cut-over
    std::vector<ServiceEntry> v(n);
    for (auto& e : v) {  // few hosts and ports: many services with several rows, some identical
      e.key = service_key(uint32_t(rng.below(n / 8 + 2)), uint16_t(rng.below(4)), uint8_t(1 + rng.below(2)));
      e.ts = uint32_t(rng.below(6));
      e.status = uint8_t(1 + rng.below(2));
      e.reason = uint8_t(rng.below(3));
      e.ttl = uint8_t(rng.below(2));
      e.known = uint8_t(rng.below(8));
    }
    auto want = v;
    std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) { return fields(a) < fields(b); });
    CHECK(same(sort_observations(v), want));
    std::reverse(v.begin(), v.end());
    CHECK(same(sort_observations(v), want));

    auto open = want;
    keep_open(open);
    std::vector<ServiceEntry> oracle;
    for (const auto& e : want)
      if (e.status == uint8_t(Status::open)) oracle.push_back(e);
    CHECK(same(open, oracle));
  }
}

TEST_CASE("byte ranges that tile a file tile its table's rows, whole chunks each", "[observations]") {
  SplitMix64 rng{9};
  for (uint64_t bytes : {uint64_t(1), uint64_t(100), uint64_t(4096), uint64_t(151343036)}) {
    for (uint64_t rows : {uint64_t(0), uint64_t(1), uint64_t(131072), uint64_t(131073), uint64_t(6511469)}) {
      for (uint64_t chunk : {uint64_t(0), uint64_t(1000), uint64_t(131072)}) {
        for (int ranks : {1, 2, 3, 7, 64}) {
          // The plan's split of this file over `ranks`, each range cut again into read units.
          InputFile f;
          f.path = "x.h5";
          f.bytes = bytes;
          f.format = MasscanFormat::observations;
          REQUIRE(f.splittable());
          const auto plan = plan_read_tasks({f}, ranks);
          uint64_t next = 0;
          for (const auto& tasks : plan)
            for (const auto& t : tasks) {
              const uint64_t unit = 1 + rng.below(bytes);
              for (uint64_t b = t.begin; b < t.end; b += unit) {
                const RowRange r = observation_rows_of_range(bytes, rows, chunk, b, std::min(t.end, b + unit));
                if (r.end == r.begin) continue;
                CHECK(r.begin == next);  // in order, no gap, no overlap
                const uint64_t c = chunk ? chunk : rows;
                CHECK((r.begin % c == 0));        // starts at a chunk
                CHECK((r.end % c == 0 || r.end == rows));  // ends at one, or at the end
                next = r.end;
              }
            }
          CHECK(next == rows);
        }
      }
    }
  }
}
