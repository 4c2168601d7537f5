// Seed 003's measure: unique sources per (day, sensor, protocol, port), then
// the mean over sensors per (day, protocol, port).
#include <omp.h>

#include <algorithm>
#include <parallel/algorithm>
#include <stdexcept>
#include <string>

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

std::vector<DailyCount> local_daily_sources(const EventColumns& e) {
  const int64_t n = int64_t(e.size());
  for (uint32_t s : e.sensor) check_sensor(s);
  // (day, sensor, proto, port, source) in 96 bits; duplicates become neighbours.
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

std::vector<DailyCount> merge_daily_sources(std::vector<DailyCount> parts) {
  std::sort(parts.begin(), parts.end(), [](const DailyCount& x, const DailyCount& y) { return x.key < y.key; });
  std::vector<DailyCount> out;
  for (const DailyCount& c : parts) {
    if (!out.empty() && out.back().key == c.key)
      out.back().sources += c.sources;
    else
      out.push_back(c);
  }
  return out;
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
  std::vector<uint64_t> keys(static_cast<size_t>(n));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i)
    keys[size_t(i)] = uint64_t(day_of(e.time[size_t(i)])) << 32 | e.sensor[size_t(i)];
  sort_keys(keys);
  keys.erase(std::unique(keys.begin(), keys.end()), keys.end());
  std::vector<std::pair<uint32_t, uint32_t>> out(keys.size());
  for (size_t i = 0; i < keys.size(); ++i) out[i] = {uint32_t(keys[i] >> 32), uint32_t(keys[i])};
  return out;
}

std::vector<std::pair<uint32_t, uint32_t>> merge_active_sensors(std::vector<std::pair<uint32_t, uint32_t>> parts) {
  std::sort(parts.begin(), parts.end());
  parts.erase(std::unique(parts.begin(), parts.end()), parts.end());
  return parts;
}

std::vector<DailyMean> daily_means(const std::vector<DailyCount>& global, Denominator d,
                                   const std::vector<std::pair<uint32_t, uint32_t>>& active) {
  // Regroup (day, sensor, proto, port) rows by (day, proto, port): day << 24 | proto << 16 | port.
  std::vector<std::pair<uint64_t, uint64_t>> rows;
  rows.reserve(global.size());
  for (const DailyCount& c : global) {
    const DailyKey k = c.fields();
    if (d == Denominator::active_sensors &&
        !std::binary_search(active.begin(), active.end(), std::pair<uint32_t, uint32_t>{k.day, k.sensor}))
      throw std::invalid_argument("daily_means: a counted sensor is not among the active sensors of its day");
    rows.emplace_back(uint64_t(k.day) << 24 | uint64_t(k.proto) << 16 | k.port, c.sources);
  }
  std::sort(rows.begin(), rows.end());
  std::vector<DailyMean> out;
  for (size_t i = 0; i < rows.size();) {
    const uint64_t key = rows[i].first;
    DailyMean m{uint32_t(key >> 24), uint8_t(key >> 16), uint16_t(key), 0, 0, 0};
    for (; i < rows.size() && rows[i].first == key; ++i) {
      m.sources += rows[i].second;
      ++m.sensors;  // each (day, sensor, proto, port) appears once in global counts
    }
    if (d == Denominator::active_sensors) {
      auto [lo, hi] = std::equal_range(active.begin(), active.end(), std::pair<uint32_t, uint32_t>{m.day, 0},
                                       [](const auto& x, const auto& y) { return x.first < y.first; });
      m.sensors = uint32_t(hi - lo);
    }
    m.mean_sources = double(m.sources) / double(m.sensors);
    out.push_back(m);
  }
  return out;
}

}  // namespace scanhpc::ports
