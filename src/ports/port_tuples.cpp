// Distinct port tuples: keys, their radix sort, the merge of received runs,
// and the daily counts read off them (port_tuples.hpp).
#include "scanhpc/ports/port_tuples.hpp"

#include "scanhpc/core/radix_sort.hpp"

#include <omp.h>

#include <algorithm>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>

namespace scanhpc::ports {
namespace {

bool has_port(uint32_t p) { return p <= 0xFFFFu; }  // kNoPort (and anything out of range) is no port

// In-cache LSD radix sort of [a, a + n) on bits [0, bits), 8-bit digits, the
// digits every key shares skipped; `tmp` holds n keys. The result is in a.
void small_radix(uint64_t* a, uint64_t* tmp, size_t n, int bits) {
  constexpr size_t kB = 256;
  const int passes = (bits + 7) / 8;
  uint32_t count[8][kB];
  std::fill(&count[0][0], &count[0][0] + passes * kB, 0u);
  for (size_t i = 0; i < n; ++i)
    for (int p = 0; p < passes; ++p) ++count[p][(a[i] >> (8 * p)) & 0xFF];
  uint64_t* from = a;
  uint64_t* to = tmp;
  for (int p = 0; p < passes; ++p) {
    uint32_t* c = count[p];
    if (c[(from[0] >> (8 * p)) & 0xFF] == n) continue;  // one digit value: nothing moves
    uint32_t offset = 0;
    for (size_t b = 0; b < kB; ++b) offset += std::exchange(c[b], offset);
    for (size_t i = 0; i < n; ++i) to[c[(from[i] >> (8 * p)) & 0xFF]++] = from[i];
    std::swap(from, to);
  }
  if (from != a) std::copy(from, from + n, a);
}

// Sorted and distinct, in place. One counting pass by the top bits that vary
// (buckets of about 1,000 keys), then each bucket sorted in cache by its
// remaining bits and its duplicates dropped: two passes over memory, not one
// per 11-bit digit.
void sort_distinct_keys(std::vector<uint64_t>& v) {
  const size_t n = v.size();
  if (n < 4096) {
    radix_sort(v);
    v.erase(std::unique(v.begin(), v.end()), v.end());
    return;
  }
  uint64_t all_or = 0, all_and = ~uint64_t(0);
  for (const uint64_t x : v) {
    all_or |= x;
    all_and &= x;
  }
  const uint64_t varying = all_or ^ all_and;
  if (varying == 0) {  // every key the same
    v.erase(v.begin() + 1, v.end());
    return;
  }
  const int top = 64 - __builtin_clzll(varying);  // bits [top, 64) are the same in every key
  int d = 1;
  while (d < 16 && (n >> d) > 1024) ++d;
  d = std::min(d, top);
  const int low = top - d;  // bits sorted inside a bucket
  const size_t buckets = size_t(1) << d;
  std::vector<uint64_t> start(buckets + 1, 0);
  for (const uint64_t x : v) ++start[((x >> low) & (buckets - 1)) + 1];
  size_t largest = 0;
  for (size_t b = 0; b < buckets; ++b) {
    largest = std::max<size_t>(largest, start[b + 1]);
    start[b + 1] += start[b];
  }
  std::unique_ptr<uint64_t[]> grouped(new uint64_t[n]);
  {
    std::vector<uint64_t> cursor(start.begin(), start.end() - 1);
    for (const uint64_t x : v) grouped[cursor[(x >> low) & (buckets - 1)]++] = x;
  }
  std::unique_ptr<uint64_t[]> scratch(new uint64_t[std::max<size_t>(largest, 1)]);
  size_t out = 0;
  for (size_t b = 0; b < buckets; ++b) {
    uint64_t* a = grouped.get() + start[b];
    const size_t m = size_t(start[b + 1] - start[b]);
    if (m == 0) continue;
    if (m > 1) small_radix(a, scratch.get(), m, low);
    v[out++] = a[0];
    for (size_t i = 1; i < m; ++i)
      if (a[i] != a[i - 1]) v[out++] = a[i];
  }
  v.resize(out);
}

template <class K>
void dedup_sorted(std::vector<K>& v) {
  v.erase(std::unique(v.begin(), v.end()), v.end());
}

// Sorted distinct runs of the given sizes -> one sorted distinct list: pairs of
// neighbouring runs merged, log2(runs) passes.
template <class K>
void merge_runs(std::vector<K>& v, const std::vector<uint64_t>& sizes) {
  std::vector<size_t> bounds{0};
  for (uint64_t s : sizes) bounds.push_back(bounds.back() + size_t(s));
  if (bounds.back() != v.size()) throw std::invalid_argument("merge_tuple_runs: run sizes do not add up to the keys");
  if (bounds.size() > 2) {
    std::vector<K> tmp(v.size());
    while (bounds.size() > 2) {
      std::vector<size_t> next{0};
      size_t i = 0;
      for (; i + 2 < bounds.size(); i += 2) {
        std::merge(v.begin() + std::ptrdiff_t(bounds[i]), v.begin() + std::ptrdiff_t(bounds[i + 1]),
                   v.begin() + std::ptrdiff_t(bounds[i + 1]), v.begin() + std::ptrdiff_t(bounds[i + 2]),
                   tmp.begin() + std::ptrdiff_t(bounds[i]));
        next.push_back(bounds[i + 2]);
      }
      if (i + 1 < bounds.size()) {  // an odd run out
        std::copy(v.begin() + std::ptrdiff_t(bounds[i]), v.begin() + std::ptrdiff_t(bounds[i + 1]),
                  tmp.begin() + std::ptrdiff_t(bounds[i]));
        next.push_back(bounds[i + 1]);
      }
      v.swap(tmp);
      bounds = std::move(next);
    }
  }
  dedup_sorted(v);
}

template <class K, class Key>
std::vector<K> tuple_keys(const EventColumns& e, Key key) {
  const size_t n = e.size();
  std::vector<K> keys;
  keys.reserve(n);
  for (size_t i = 0; i < n; ++i)
    if (has_port(e.dst_port[i])) keys.push_back(key(day_of(e.time[i]), e.sensor[i], e.proto[i], e.dst_port[i], e.src[i]));
  return keys;
}

template <class K>
void sort_distinct_tuples(std::vector<K>& keys) {
  if constexpr (sizeof(K) == 8) {
    sort_distinct_keys(keys);
  } else {
    radix_sort(keys);
    dedup_sorted(keys);
  }
}

// The keys of `e` (released after them when `release`), sorted and distinct.
template <class Events>
PortTuples port_tuples(Events& e, const TupleLayout& layout, bool release) {
  PortTuples t;
  t.layout = layout;
  if (layout.compact)
    t.compact = tuple_keys<uint64_t>(e, [&](uint32_t d, uint32_t s, uint8_t p, uint32_t port, uint32_t src) {
      return layout.compact_key(d, s, p, port, src);
    });
  else
    t.wide = tuple_keys<u128>(e, TupleLayout::wide_key);
  if constexpr (!std::is_const_v<Events>)
    if (release) e = EventColumns{};
  if (layout.compact) sort_distinct_tuples(t.compact);
  else sort_distinct_tuples(t.wide);
  return t;
}

template <class K>
std::vector<DailyCount> count_groups(const std::vector<K>& keys, const TupleLayout& layout) {
  std::vector<DailyCount> out;
  K group = ~K(0);
  for (const K k : keys) {
    if ((k >> 32) != group) {
      group = k >> 32;
      out.push_back({layout.daily_key(k), 0});
    }
    ++out.back().sources;
  }
  return out;
}

}  // namespace

void TupleBounds::merge(const TupleBounds& o) {
  first_day = std::min(first_day, o.first_day);
  last_day = std::max(last_day, o.last_day);
  sensors = std::max(sensors, o.sensors);
  for (size_t i = 0; i < protocols.size(); ++i) protocols[i] |= o.protocols[i];
}

TupleBounds local_tuple_bounds(const EventColumns& e) {
  TupleBounds b;
  for (size_t i = 0; i < e.size(); ++i) {
    b.sensors = std::max(b.sensors, std::min(e.sensor[i], kMaxSensors) + 1);  // > kMaxSensors: rejected by the layout
    if (!has_port(e.dst_port[i])) continue;
    const uint32_t d = day_of(e.time[i]);
    b.first_day = std::min(b.first_day, d);
    b.last_day = std::max(b.last_day, d);
    b.protocols[e.proto[i] >> 6] |= uint64_t(1) << (e.proto[i] & 63);
  }
  return b;
}

TupleLayout tuple_layout(const TupleBounds& g) {
  if (g.sensors > kMaxSensors)
    throw std::invalid_argument("port analyses: a sensor index >= 2^24");
  TupleLayout c;
  for (int p = 0; p < 256; ++p)
    if (g.protocols[size_t(p) >> 6] >> (p & 63) & 1) {
      c.rank[size_t(p)] = uint8_t(c.protocols);
      c.proto[c.protocols++] = uint8_t(p);
    }
  if (c.protocols == 0 || g.first_day > g.last_day) {  // no tuples anywhere: either layout
    c.compact = true;
    c.protocols = std::max(c.protocols, 1u);
    c.sensors = std::max(g.sensors, 1u);
    return c;
  }
  c.first_day = g.first_day;
  c.sensors = std::max(g.sensors, 1u);
  c.compact = uint64_t(g.last_day - g.first_day + 1) * c.sensors * c.protocols <= 0xFFFFu;
  return c;
}

uint64_t TupleLayout::daily_key(uint64_t compact_key) const {
  uint64_t group = compact_key >> 48;
  const uint32_t r = uint32_t(group % protocols);
  group /= protocols;
  return pack_daily({first_day + uint32_t(group / sensors), uint32_t(group % sensors), proto[r],
                     uint16_t(compact_key >> 32)});
}

void sort_distinct(std::vector<uint64_t>& v) { sort_distinct_keys(v); }

PortTuples local_port_tuples(const EventColumns& e, const TupleLayout& layout) {
  return port_tuples(e, layout, false);
}

PortTuples local_port_tuples(EventColumns&& e, const TupleLayout& layout) {
  return port_tuples(e, layout, true);
}

void merge_tuple_runs(PortTuples& t, const std::vector<uint64_t>& run_sizes) {
  if (t.layout.compact) merge_runs(t.compact, run_sizes);
  else merge_runs(t.wide, run_sizes);
}

std::vector<DailyCount> daily_sources(const PortTuples& t) {
  return t.layout.compact ? count_groups(t.compact, t.layout) : count_groups(t.wide, t.layout);
}

std::vector<DailyCount> local_daily_sources(const EventColumns& e) {
  return daily_sources(local_port_tuples(e, tuple_layout(local_tuple_bounds(e))));
}

}  // namespace scanhpc::ports
