#include "scanhpc/kernels/interval_stats.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

namespace scanhpc {

uint64_t order_statistic(const std::vector<CountEntry>& e, uint64_t k) {
  uint64_t seen = 0;
  for (const auto& x : e) {
    seen += x.count;
    if (k < seen) return x.value;
  }
  throw std::out_of_range("order_statistic: k beyond the data");
}

namespace {
double quantile(const std::vector<CountEntry>& e, uint64_t n, uint64_t num, uint64_t den) {
  // h = (n-1) * num/den, split exactly into integer and fractional parts.
  unsigned __int128 scaled = (unsigned __int128)(n - 1) * num;
  uint64_t lo = uint64_t(scaled / den);
  uint64_t rem = uint64_t(scaled % den);
  double x_lo = double(order_statistic(e, lo));
  if (rem == 0) return x_lo;
  double x_hi = double(order_statistic(e, lo + 1));
  return x_lo + (double(rem) / double(den)) * (x_hi - x_lo);
}
}  // namespace

SummaryStats summarize(const std::vector<CountEntry>& e) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  SummaryStats s{0, nan, nan, nan, nan, nan, nan, nan, nan, nan};
  unsigned __int128 sum = 0, sum_sq = 0;
  uint64_t n = 0, best_count = 0, mode = 0;
  for (const auto& x : e) {
    n += x.count;
    sum += (unsigned __int128)x.value * x.count;
    sum_sq += (unsigned __int128)x.value * x.value * x.count;
    if (x.count > best_count) { best_count = x.count; mode = x.value; }
  }
  s.n = n;
  if (n == 0) return s;
  s.mean = double((long double)sum / (long double)n);
  if (n > 1) {
    // n*sum_sq - sum^2 is exact in 128 bits for the value ranges here
    // (values < 2^32, n < 2^40); divide once at the end.
    unsigned __int128 num = (unsigned __int128)n * sum_sq - sum * sum;
    long double var = (long double)num / ((long double)n * (long double)(n - 1));
    s.std = double(std::sqrt(var));
  }
  s.min = double(e.front().value);
  s.max = double(e.back().value);
  s.q25 = quantile(e, n, 1, 4);
  s.median = quantile(e, n, 1, 2);
  s.q75 = quantile(e, n, 3, 4);
  s.iqr = s.q75 - s.q25;
  s.mode = double(mode);
  return s;
}

}  // namespace scanhpc
