// The scanner's signature from timestamps (scanner_signature.hpp).
#include "scanhpc/kernels/scanner_signature.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/radix_sort.hpp"

namespace scanhpc::scanner {

RatePartial local_rates(const std::vector<ServiceEntry>& sorted) {
  RatePartial out;
  std::vector<uint32_t> obs, first;  // seconds, counted by sorting (Unix seconds are too wide for a table)
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    bool any = false;
    uint32_t earliest = std::numeric_limits<uint32_t>::max();
    for (; j < sorted.size() && sorted[j].key == sorted[i].key; ++j)
      if (sorted[j].known & kKnownTs) {
        obs.push_back(sorted[j].ts);
        earliest = std::min(earliest, sorted[j].ts);
        any = true;
      }
    ++out.services;
    if (any) {
      first.push_back(earliest);
      out.first_seen.push_back({key_ip(sorted[i].key), earliest});
    } else {
      ++out.services_without_ts;
    }
    i = j;
  }
  auto count = [](std::vector<uint32_t>& v, CountMap& into) {
    radix_sort(v);  // millions of seconds: std::sort was most of the analysis
    for (size_t i = 0; i < v.size();) {
      size_t j = i;
      while (j < v.size() && v[j] == v[i]) ++j;
      into.add(v[i], uint64_t(j - i));
      i = j;
    }
  };
  count(obs, out.observations_per_second);
  count(first, out.services_per_second);
  return out;
}

std::vector<uint64_t> order_cells(const std::vector<FirstSeen>& first_seen, uint32_t ip_min, uint32_t ip_max,
                                  uint32_t t_min, uint32_t t_max, size_t buckets) {
  std::vector<uint64_t> cells(buckets * buckets, 0);
  if (buckets == 0 || ip_min > ip_max || t_min > t_max) return cells;
  const uint64_t ip_span = uint64_t(ip_max) - ip_min + 1, t_span = uint64_t(t_max) - t_min + 1;
  for (const auto& f : first_seen) {
    if (f.ip < ip_min || f.ip > ip_max || f.ts < t_min || f.ts > t_max) continue;
    const uint64_t a = (uint64_t(f.ip) - ip_min) * buckets / ip_span;
    const uint64_t t = (uint64_t(f.ts) - t_min) * buckets / t_span;
    ++cells[a * buckets + t];
  }
  return cells;
}

double order_correlation(const std::vector<uint64_t>& cells, size_t buckets) {
  // Sums of integers first (exact), then one division: the same at any split.
  double n = 0, sa = 0, st = 0, saa = 0, stt = 0, sat = 0;
  for (size_t a = 0; a < buckets; ++a)
    for (size_t t = 0; t < buckets; ++t) {
      const double c = double(cells[a * buckets + t]);
      if (c == 0) continue;
      n += c;
      sa += c * double(a);
      st += c * double(t);
      saa += c * double(a) * double(a);
      stt += c * double(t) * double(t);
      sat += c * double(a) * double(t);
    }
  const double va = n * saa - sa * sa, vt = n * stt - st * st;
  if (n < 2 || va <= 0 || vt <= 0) return std::numeric_limits<double>::quiet_NaN();
  return (n * sat - sa * st) / std::sqrt(va * vt);
}

const char* order_verdict(double r) {
  if (std::isnan(r)) return "unclear";
  if (std::abs(r) < 0.2) return "random permutation";
  if (std::abs(r) > 0.8) return r > 0 ? "address order" : "reverse address order";
  return "unclear";
}

std::vector<Pause> pauses(const std::vector<CountEntry>& per_second, uint64_t min_seconds) {
  std::vector<Pause> out;
  for (size_t i = 1; i < per_second.size(); ++i) {
    const uint64_t gap = per_second[i].value - per_second[i - 1].value - 1;
    if (gap >= std::max<uint64_t>(min_seconds, 1)) out.push_back({per_second[i - 1].value + 1, gap});
  }
  return out;
}

}  // namespace scanhpc::scanner
