#pragma once
// Exact summary statistics of a countmap of integer values, as Julia's
// StatsBase / numpy compute them on the expanded data.
#include <cstdint>
#include <vector>

#include "scanhpc/core/countmap.hpp"

namespace scanhpc {

struct SummaryStats {
  uint64_t n = 0;
  double mean, std, min, q25, median, q75, max, mode, iqr;  // NaN when n == 0 (std: n < 2)
};

// std with n-1; quantiles linear (h = (n-1)p, numpy "linear" = Julia default);
// mode = most frequent value, smallest on ties. Sums are exact (128-bit).
SummaryStats summarize(const std::vector<CountEntry>& sorted_entries);

// Value of the k-th order statistic (0-based) of the expanded countmap.
uint64_t order_statistic(const std::vector<CountEntry>& sorted_entries, uint64_t k);

}  // namespace scanhpc
