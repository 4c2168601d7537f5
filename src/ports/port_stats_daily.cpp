// Seed 003's measure: unique sources per (day, sensor, protocol, port), then
// the mean over sensors per (day, protocol, port).
#include <omp.h>

#include <algorithm>
#include <array>
#include <climits>
#include <cstdint>
#include <memory>
#include <parallel/algorithm>
#include <stdexcept>
#include <string>
#include <utility>

#include "scanhpc/ports/port_stats.hpp"

namespace scanhpc::ports {

namespace {

using u128 = unsigned __int128;
// Sorts after every real key: real keys have day < 2^16 - 1.
constexpr u128 kSkipKey = ~u128(0);

// Sorting is the grouping: with distinct total keys the sorted result is the
// same for any thread count, so the parallel sort cannot change an output.
template <class T>
void sort_keys(std::vector<T>& v) {
  if (omp_get_max_threads() > 1 && v.size() > (1u << 16))
    __gnu_parallel::sort(v.begin(), v.end());
  else
    std::sort(v.begin(), v.end());
}

bool has_port(uint32_t p) { return p <= 0xFFFFu; }  // kNoPort (and anything out of range) is no port

// Uninitialised storage: zero-filling 8 bytes per event before overwriting
// them cost a tenth of the time.
using KeyBuffer = std::unique_ptr<uint64_t[]>;
KeyBuffer key_buffer(size_t n) { return KeyBuffer(new uint64_t[n]); }

// LSD radix sort of 64-bit keys, 11-bit digits, skipping digits that all keys
// share (the high bits of small keys): several times std::sort's speed.
void radix_sort(KeyBuffer& v, size_t n) {
  constexpr int kBits = 11, kPasses = 6;
  constexpr size_t kBuckets = size_t(1) << kBits;
  std::vector<uint64_t> count(kPasses * kBuckets, 0);
  for (size_t i = 0; i < n; ++i)
    for (int p = 0; p < kPasses; ++p) ++count[size_t(p) * kBuckets + ((v[i] >> (p * kBits)) & (kBuckets - 1))];
  KeyBuffer tmp;
  for (int p = 0; p < kPasses; ++p) {
    uint64_t* c = &count[size_t(p) * kBuckets];
    if (std::find(c, c + kBuckets, uint64_t(n)) != c + kBuckets) continue;  // one digit value: nothing moves
    if (!tmp) tmp = key_buffer(n);
    uint64_t offset = 0;
    for (size_t b = 0; b < kBuckets; ++b) offset += std::exchange(c[b], offset);
    for (size_t i = 0; i < n; ++i) tmp[c[(v[i] >> (p * kBits)) & (kBuckets - 1)]++] = v[i];
    v.swap(tmp);
  }
}

// When this rank's (day, sensor, protocol) combinations number fewer than
// 2^16 - 1, a group fits in 16 bits and (group, port, source) in one u64:
// group = ((day - first_day) * sensors + sensor) * protocols + protocol rank,
// ordered as (day, sensor, protocol) are.
struct CompactLayout {
  bool fits = false;
  uint32_t first_day = 0, sensors = 0, protocols = 0;
  std::array<uint8_t, 256> rank{}, proto{};  // protocol -> rank (ascending), and back
  uint64_t key(uint32_t day, uint32_t sensor, uint8_t p, uint32_t port, uint32_t src) const {
    const uint64_t group = (uint64_t(day - first_day) * sensors + sensor) * protocols + rank[p];
    return group << 48 | uint64_t(port) << 32 | src;
  }
  uint64_t daily_key(uint64_t compact) const {  // the pack_daily key of a compact key's group
    uint64_t group = compact >> 48;
    const uint32_t r = uint32_t(group % protocols);
    group /= protocols;
    return pack_daily({first_day + uint32_t(group / sensors), uint32_t(group % sensors), proto[r],
                       uint16_t(compact >> 32)});
  }
};

CompactLayout compact_layout(const EventColumns& e) {
  CompactLayout c;
  uint32_t lo = UINT32_MAX, hi = 0, max_sensor = 0;
  std::array<bool, 256> seen{};
  for (size_t i = 0; i < e.size(); ++i) {
    if (!has_port(e.dst_port[i])) continue;
    const uint32_t d = day_of(e.time[i]);
    lo = std::min(lo, d);
    hi = std::max(hi, d);
    max_sensor = std::max(max_sensor, e.sensor[i]);
    seen[e.proto[i]] = true;
  }
  for (int p = 0; p < 256; ++p)
    if (seen[size_t(p)]) {
      c.rank[size_t(p)] = uint8_t(c.protocols);
      c.proto[c.protocols++] = uint8_t(p);
    }
  if (c.protocols == 0) return c;
  c.first_day = lo;
  c.sensors = max_sensor + 1;
  // Strictly below 2^16 - 1 groups: the all-ones key stays free to mark skipped rows.
  c.fits = uint64_t(hi - lo + 1) * c.sensors * c.protocols < 0xFFFFu;
  return c;
}

std::vector<DailyCount> daily_sources_compact(const EventColumns& e, const CompactLayout& c) {
  const int64_t n = int64_t(e.size());
  KeyBuffer keys = key_buffer(size_t(n));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const size_t j = size_t(i);
    keys[j] = has_port(e.dst_port[j]) ? c.key(day_of(e.time[j]), e.sensor[j], e.proto[j], e.dst_port[j], e.src[j])
                                      : UINT64_MAX;
  }
  radix_sort(keys, size_t(n));
  std::vector<DailyCount> out;
  uint64_t group = UINT64_MAX;
  for (size_t i = 0; i < size_t(n) && keys[i] != UINT64_MAX; ++i) {
    if (i > 0 && keys[i] == keys[i - 1]) continue;  // a duplicate tuple
    if ((keys[i] >> 32) != group) {
      group = keys[i] >> 32;
      out.push_back({c.daily_key(keys[i]), 0});
    }
    ++out.back().sources;
  }
  return out;
}

void check_sensor(uint32_t s) {
  if (s >= kMaxSensors)
    throw std::invalid_argument("port analyses: sensor index " + std::to_string(s) + " >= 2^24");
}

}  // namespace

uint64_t pack_daily(const DailyKey& k) {
  return uint64_t(k.day) << 48 | uint64_t(k.sensor) << 24 | uint64_t(k.proto) << 16 | k.port;
}

DailyKey unpack_daily(uint64_t p) {
  return {uint32_t(p >> 48), uint32_t(p >> 24) & 0xFFFFFFu, uint8_t(p >> 16), uint16_t(p)};
}

// Any layout: (day, sensor, proto, port, source) in 96 bits.
static std::vector<DailyCount> daily_sources_wide(const EventColumns& e) {
  const int64_t n = int64_t(e.size());
  std::vector<u128> keys(static_cast<size_t>(n));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const uint32_t port = e.dst_port[size_t(i)];
    if (!has_port(port)) {
      keys[size_t(i)] = kSkipKey;
      continue;
    }
    const uint64_t group = pack_daily({day_of(e.time[size_t(i)]), e.sensor[size_t(i)], e.proto[size_t(i)],
                                       uint16_t(port)});
    keys[size_t(i)] = u128(group) << 32 | e.src[size_t(i)];
  }
  sort_keys(keys);
  std::vector<DailyCount> out;
  for (size_t i = 0; i < keys.size() && keys[i] != kSkipKey; ++i) {
    if (i > 0 && keys[i] == keys[i - 1]) continue;  // a duplicate tuple
    const uint64_t group = uint64_t(keys[i] >> 32);
    if (out.empty() || out.back().key != group) out.push_back({group, 0});
    ++out.back().sources;
  }
  return out;
}

std::vector<DailyCount> local_daily_sources(const EventColumns& e) {
  for (uint32_t s : e.sensor) check_sensor(s);
  const CompactLayout layout = compact_layout(e);
  if (layout.fits) return daily_sources_compact(e, layout);
  return daily_sources_wide(e);
}

std::vector<DailyCount> merge_daily_sources(std::vector<DailyCount> parts) {
  std::sort(parts.begin(), parts.end(), [](const DailyCount& x, const DailyCount& y) { return x.key < y.key; });
  size_t n = 0;  // summed in place: no second copy of the rows
  for (size_t i = 0; i < parts.size(); ++i) {
    if (n > 0 && parts[n - 1].key == parts[i].key) parts[n - 1].sources += parts[i].sources;
    else parts[n++] = parts[i];
  }
  parts.resize(n);
  parts.shrink_to_fit();
  return parts;
}

void remap_sensors(std::vector<DailyCount>& counts, const std::vector<uint32_t>& local_to_global) {
  for (DailyCount& c : counts) {
    DailyKey k = c.fields();
    if (k.sensor >= local_to_global.size()) throw std::invalid_argument("remap_sensors: sensor index out of range");
    k.sensor = local_to_global[k.sensor];
    check_sensor(k.sensor);
    c.key = pack_daily(k);
  }
  counts = merge_daily_sources(std::move(counts));  // re-sorts; sums if two local ids meet
}

PortCounts port_counts_from_daily(const std::vector<DailyCount>& global) {
  PortCounts pc;
  for (const DailyCount& c : global) {
    const DailyKey k = c.fields();
    pc.ports[{k.proto, k.port}] += c.sources;
  }
  return pc;
}

std::vector<std::pair<uint32_t, uint32_t>> local_active_sensors(const EventColumns& e) {
  const int64_t n = int64_t(e.size());
  KeyBuffer keys = key_buffer(size_t(n));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i)
    keys[size_t(i)] = uint64_t(day_of(e.time[size_t(i)])) << 32 | e.sensor[size_t(i)];
  radix_sort(keys, size_t(n));
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (size_t i = 0; i < size_t(n); ++i)
    if (i == 0 || keys[i] != keys[i - 1]) out.emplace_back(uint32_t(keys[i] >> 32), uint32_t(keys[i]));
  return out;
}

std::vector<std::pair<uint32_t, uint32_t>> merge_active_sensors(std::vector<std::pair<uint32_t, uint32_t>> parts) {
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  return parts;
}

std::vector<DailyMean> daily_means(const std::vector<DailyCount>& global, Denominator d,
                                   const std::vector<std::pair<uint32_t, uint32_t>>& active) {
  if (std::adjacent_find(global.begin(), global.end(), [](const auto& x, const auto& y) { return x.key >= y.key; }) !=
      global.end())
    throw std::invalid_argument("daily_means: the daily counts are not sorted by distinct keys (merge them first)");
  std::vector<DailyMean> out;
  std::vector<std::pair<uint32_t, uint64_t>> ports;  // (proto << 16 | port, sources) of one day
  for (size_t i = 0; i < global.size();) {
    // One day at a time: its rows come by sensor; regroup them by (proto, port).
    const uint32_t day = global[i].fields().day;
    ports.clear();
    for (; i < global.size() && global[i].fields().day == day; ++i) {
      const DailyKey k = global[i].fields();
      if (d == Denominator::active_sensors &&
          !std::binary_search(active.begin(), active.end(), std::pair<uint32_t, uint32_t>{k.day, k.sensor}))
        throw std::invalid_argument("daily_means: a counted sensor is not among the active sensors of its day");
      ports.emplace_back(uint32_t(k.proto) << 16 | k.port, global[i].sources);
    }
    std::sort(ports.begin(), ports.end());
    uint32_t active_that_day = 0;
    if (d == Denominator::active_sensors) {
      auto [lo, hi] = std::equal_range(active.begin(), active.end(), std::pair<uint32_t, uint32_t>{day, 0},
                                       [](const auto& x, const auto& y) { return x.first < y.first; });
      active_that_day = uint32_t(hi - lo);
    }
    for (size_t j = 0; j < ports.size();) {
      const uint32_t key = ports[j].first;
      DailyMean m{day, uint8_t(key >> 16), uint16_t(key), 0, 0, 0};
      for (; j < ports.size() && ports[j].first == key; ++j) {
        m.sources += ports[j].second;
        ++m.sensors;  // keys are distinct: one row per sensor
      }
      if (d == Denominator::active_sensors) m.sensors = active_that_day;
      m.mean_sources = double(m.sources) / double(m.sensors);
      out.push_back(m);
    }
  }
  return out;
}

}  // namespace scanhpc::ports
