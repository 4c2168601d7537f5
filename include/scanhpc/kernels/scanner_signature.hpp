#pragma once
// The scanner's signature from a scan's timestamps (issue 14, seed 000: "could
// we characterize the scanner based on the timestamps?"): services found per
// second, the scan's span and pauses, and whether targets were visited in a
// random permutation (masscan, ZMap) or in address order. MPI-free: every part
// is an integer count that sums over disjoint hosts; the statistics are
// computed from the sums, so they do not depend on the rank count.
#include <cstdint>
#include <vector>

#include "scanhpc/core/countmap.hpp"
#include "scanhpc/kernels/services.hpp"

namespace scanhpc::scanner {

// A service's first timestamp, for services whose records carry one.
struct FirstSeen {
  uint32_t ip = 0;
  uint32_t ts = 0;
};

struct RatePartial {
  CountMap services_per_second;      // second -> services first seen in it
  CountMap observations_per_second;  // second -> open observations in it
  std::vector<FirstSeen> first_seen; // one per service with a timestamp, in (ip, port, proto) order
  uint64_t services = 0, services_without_ts = 0;
};
// From this rank's open observations sorted by (ip, port, proto).
RatePartial local_rates(const std::vector<ServiceEntry>& sorted);

// The (address bucket, time bucket) grid of services' first sightings:
// buckets x buckets counts, row-major [address bucket * buckets + time
// bucket], over the global address and time bounds (inclusive).
std::vector<uint64_t> order_cells(const std::vector<FirstSeen>& first_seen, uint32_t ip_min, uint32_t ip_max,
                                  uint32_t t_min, uint32_t t_max, size_t buckets);
// Pearson correlation of the address bucket and the time bucket over the
// grid's services: near 0 for a random permutation of the targets, near +1
// (or -1) for a scan in (reverse) address order; NaN with fewer than two
// distinct buckets on either axis.
double order_correlation(const std::vector<uint64_t>& cells, size_t buckets);
// "random permutation" (|r| < 0.2), "address order" (|r| > 0.8), or "unclear".
const char* order_verdict(double correlation);

// Gaps: runs of at least `min_seconds` seconds without a service first seen,
// strictly between the first and the last such second. Input sorted by value.
struct Pause {
  uint64_t start = 0;    // the first silent second
  uint64_t seconds = 0;  // its length
};
std::vector<Pause> pauses(const std::vector<CountEntry>& per_second, uint64_t min_seconds);

}  // namespace scanhpc::scanner
