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

#include "scanhpc/core/radix_sort.hpp"
#include "scanhpc/ports/port_stats.hpp"
#include "scanhpc/ports/port_tuples.hpp"

namespace scanhpc::ports {

namespace {

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
  // Dense sums for TCP and UDP (almost every row), the map for the rest;
  // the map gets each port once, in order.
  constexpr size_t kPorts = 65536;
  std::vector<uint64_t> dense(2 * kPorts, 0);
  std::vector<uint8_t> seen(2 * kPorts, 0);  // a port with 0 sources still gets its entry
  PortCounts pc;
  for (const DailyCount& c : global) {
    const DailyKey k = c.fields();
    if (k.proto == uint8_t(Proto::tcp) || k.proto == uint8_t(Proto::udp)) {
      const size_t i = (k.proto == uint8_t(Proto::udp) ? kPorts : 0) + k.port;
      dense[i] += c.sources;
      seen[i] = 1;
    } else {
      pc.ports[{k.proto, k.port}] += c.sources;
    }
  }
  for (size_t i = 0; i < 2 * kPorts; ++i)
    if (seen[i])
      pc.ports.emplace_hint(pc.ports.end(), PortKey{i < kPorts ? uint8_t(Proto::tcp) : uint8_t(Proto::udp),
                                                    uint16_t(i % kPorts)},
                            dense[i]);
  return pc;
}

std::vector<std::pair<uint32_t, uint32_t>> local_active_sensors(const EventColumns& e) {
  std::vector<uint64_t> keys(e.size());
  for (size_t i = 0; i < e.size(); ++i) keys[i] = uint64_t(day_of(e.time[i])) << 32 | e.sensor[i];
  radix_sort(keys);
  std::vector<std::pair<uint32_t, uint32_t>> out;
  for (size_t i = 0; i < keys.size(); ++i)
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
