#include "scanhpc/kernels/services.hpp"

#include <omp.h>

#include <algorithm>
#include <array>
#include <stdexcept>
#include <tuple>

#include "scanhpc/core/codes.hpp"

namespace scanhpc {
namespace {

// One stable counting pass on the 16-bit digit `shift` of the key, from `in`
// to `out`, with per-thread histograms.
void radix_pass(const std::vector<ServiceEntry>& in, std::vector<ServiceEntry>& out, int shift, int threads) {
  const size_t n = in.size();
  constexpr size_t kBuckets = 1 << 16;
  std::vector<std::vector<uint64_t>> hist(size_t(threads), std::vector<uint64_t>(kBuckets, 0));
  auto digit = [&](const ServiceEntry& e) { return size_t((e.key >> shift) & 0xFFFF); };
#pragma omp parallel num_threads(threads)
  {
    size_t t = size_t(omp_get_thread_num()), nt = size_t(omp_get_num_threads());
    size_t lo = n * t / nt, hi = n * (t + 1) / nt;
    auto& h = hist[t];
    for (size_t i = lo; i < hi; ++i) ++h[digit(in[i])];
#pragma omp barrier
#pragma omp single
    {
      uint64_t at = 0;
      for (size_t b = 0; b < kBuckets; ++b)
        for (size_t u = 0; u < nt; ++u) {
          uint64_t c = hist[u][b];
          hist[u][b] = at;
          at += c;
        }
    }
    for (size_t i = lo; i < hi; ++i) out[h[digit(in[i])]++] = in[i];
  }
}

}  // namespace

namespace {
std::vector<ServiceEntry> open_entries(const StatusColumns& c) {
  std::vector<ServiceEntry> a;
  a.reserve(c.size());
  for (size_t i = 0; i < c.size(); ++i)
    if (c.status[i] == uint8_t(Status::open)) a.push_back(entry_of(c, i));
  return a;
}

std::vector<ServiceEntry> radix_sort(std::vector<ServiceEntry> a, std::vector<ServiceEntry> b) {
  if (a.size() < 2) return a;

  // Skip digits that are the same in every entry (e.g. proto, or the high
  // bits of the ip on a rank that owns a narrow range).
  uint64_t key_or = 0, key_and = ~uint64_t(0);
  for (const auto& e : a) {
    key_or |= e.key;
    key_and &= e.key;
  }
  const uint64_t key_varies = key_or ^ key_and;
  int threads = omp_get_max_threads();
  if (a.size() < 100000) threads = 1;
  b.resize(a.size());  // reuses scratch memory that is already faulted in
  // LSD over the key only: every consumer of timestamps either orders its
  // own (small) service group or takes a min/max, so sorting by ts here
  // would cost two passes for nothing.
  for (int shift : {0, 16, 32, 48})
    if ((key_varies >> shift) & 0xFFFF) { radix_pass(a, b, shift, threads); a.swap(b); }
  return a;
}
}  // namespace

std::vector<ServiceEntry> sort_open_services(const StatusColumns& c) { return radix_sort(open_entries(c), {}); }

std::vector<ServiceEntry> sort_open_services(std::vector<ServiceEntry> e, std::vector<ServiceEntry> scratch) {
  auto open_end = std::remove_if(e.begin(), e.end(),
                                 [](const ServiceEntry& x) { return x.status != uint8_t(Status::open); });
  e.erase(open_end, e.end());
  return radix_sort(std::move(e), std::move(scratch));
}

std::vector<ServiceEntry> sort_observations(std::vector<ServiceEntry> e, std::vector<ServiceEntry> scratch) {
  e = radix_sort(std::move(e), std::move(scratch));
  // Inside a service (a few probes), order by the other fields; hosts never
  // straddle two threads' ranges.
  auto rest = [](const ServiceEntry& x) {
    return std::tuple(x.ts, x.status, x.reason, x.ttl, x.known);
  };
  const int threads = e.size() < 100000 ? 1 : omp_get_max_threads();
  const auto cuts = split_at_hosts(e, size_t(threads) * 4);
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t p = 1; p < cuts.size(); ++p) {
    size_t i = cuts[p - 1];
    while (i < cuts[p]) {
      size_t j = i + 1;
      while (j < cuts[p] && e[j].key == e[i].key) ++j;
      if (j - i > 1)
        std::sort(e.begin() + ptrdiff_t(i), e.begin() + ptrdiff_t(j),
                  [&](const ServiceEntry& a, const ServiceEntry& b) { return rest(a) < rest(b); });
      i = j;
    }
  }
  return e;
}

void keep_open(std::vector<ServiceEntry>& e) {
  e.erase(std::remove_if(e.begin(), e.end(), [](const ServiceEntry& x) { return x.status != uint8_t(Status::open); }),
          e.end());
}

std::vector<size_t> split_at_hosts(const std::vector<ServiceEntry>& e, size_t parts) {
  std::vector<size_t> cuts{0};
  const size_t n = e.size();
  for (size_t p = 1; p < parts; ++p) {
    size_t i = std::max(cuts.back(), n * p / parts);
    while (i > 0 && i < n && key_ip(e[i].key) == key_ip(e[i - 1].key)) ++i;
    cuts.push_back(std::min(i, n));
  }
  cuts.push_back(n);
  return cuts;
}

}  // namespace scanhpc
