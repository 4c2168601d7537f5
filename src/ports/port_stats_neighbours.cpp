// Neighbour ports (the seed's "what if the default were 1434?"): how many
// sources hit port a, port b, and both.
#include <algorithm>
#include <charconv>
#include <stdexcept>
#include <string>
#include <tuple>

#include "scanhpc/core/radix_sort.hpp"
#include "scanhpc/ports/port_stats.hpp"
#include "scanhpc/ports/port_tuples.hpp"

namespace scanhpc::ports {

namespace {

uint16_t parse_port(std::string_view s, std::string_view whole) {
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (s.empty() || ec != std::errc() || p != s.data() + s.size() || v > 65535)
    throw std::invalid_argument("port pair '" + std::string(whole) + "': expected A:B with ports 0..65535");
  return uint16_t(v);
}

// One event's contribution to one pair, in the order of the output rows.
struct Hit {
  uint32_t pair;       // index into the sorted distinct pairs
  uint16_t proto;      // 0 = any protocol, else protocol + 1 (any sorts first)
  uint32_t day;        // kAllDays for the whole period (sorts last)
  uint32_t src, sensor;
  uint8_t bits;        // 1: hit a, 2: hit b
  auto key() const { return std::tie(pair, proto, day, src, sensor); }
  bool operator<(const Hit& o) const { return key() < o.key(); }
};

auto row_key(const NeighbourRow& r) { return std::make_tuple(r.a, r.b, r.proto, r.day); }

}  // namespace

PortPair parse_port_pair(std::string_view text) {
  const size_t colon = text.find(':');
  if (colon == std::string_view::npos)
    throw std::invalid_argument("port pair '" + std::string(text) + "': expected A:B with ports 0..65535");
  return {parse_port(text.substr(0, colon), text), parse_port(text.substr(colon + 1), text)};
}

namespace {

// The hits of the tuples on the ports of `pairs` (sorted, distinct), one per
// pair, protocol (and any) and day (and all days when per_day).
template <class K>
std::vector<Hit> tuple_hits(const std::vector<K>& keys, const TupleLayout& layout, const std::vector<PortPair>& pairs,
                            bool per_day) {
  std::vector<Hit> hits;
  for (const K k : keys) {
    const uint32_t port = uint16_t(k >> 32);
    bool any = false;
    for (const PortPair& pp : pairs) any |= port == pp.a || port == pp.b;
    if (!any) continue;
    const DailyKey d = unpack_daily(layout.daily_key(k));
    const uint32_t src = uint32_t(k);
    for (uint32_t p = 0; p < pairs.size(); ++p) {
      const uint8_t bits = uint8_t((port == pairs[p].a ? 1 : 0) | (port == pairs[p].b ? 2 : 0));
      if (!bits) continue;
      const uint16_t protos[2] = {0, uint16_t(d.proto + 1)};
      for (uint16_t pr : protos) {
        hits.push_back({p, pr, kAllDays, src, d.sensor, bits});
        if (per_day) hits.push_back({p, pr, d.day, src, d.sensor, bits});
      }
    }
  }
  return hits;
}

}  // namespace

std::vector<NeighbourRow> local_neighbour_sources(const EventColumns& e, const std::vector<PortPair>& pairs,
                                                  bool per_day) {
  return neighbour_sources(local_port_tuples(e, tuple_layout(local_tuple_bounds(e))), pairs, per_day);
}

// Distinct tuples hold every (day, sensor, protocol, port, source) an event
// had: the same hits as the events, without repeats.
std::vector<NeighbourRow> neighbour_sources(const PortTuples& t, const std::vector<PortPair>& given, bool per_day) {
  std::vector<PortPair> pairs = given;
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  std::vector<Hit> hits = t.layout.compact ? tuple_hits(t.compact, t.layout, pairs, per_day)
                                           : tuple_hits(t.wide, t.layout, pairs, per_day);
  if (pairs.size() <= 0xFFFF) {  // sorted as one 128-bit word each, in Hit's order: a radix sort, not compares
    std::vector<u128> keys(hits.size());
    for (size_t i = 0; i < hits.size(); ++i) {
      const Hit& h = hits[i];
      keys[i] = u128(h.pair) << 112 | u128(h.proto) << 96 | u128(h.day) << 64 | u128(h.src) << 32 |
                uint64_t(h.sensor) << 8 | h.bits;  // sensor < 2^24
    }
    radix_sort(keys);
    for (size_t i = 0; i < hits.size(); ++i) {
      const u128 k = keys[i];
      hits[i] = {uint32_t(k >> 112), uint16_t(k >> 96), uint32_t(k >> 64), uint32_t(k >> 32),
                 uint32_t(k >> 8) & 0xFFFFFFu, uint8_t(k & 0xFF)};
    }
  } else {
    std::sort(hits.begin(), hits.end());
  }
  std::vector<NeighbourRow> out;
  for (size_t i = 0; i < hits.size();) {
    const Hit& h = hits[i];
    const int32_t proto = h.proto == 0 ? kAnyProto : int32_t(h.proto) - 1;
    if (out.empty() || row_key(out.back()) != std::make_tuple(pairs[h.pair].a, pairs[h.pair].b, proto, h.day))
      out.push_back({pairs[h.pair].a, pairs[h.pair].b, proto, h.day, 0, 0, 0, 0});
    // One source: its ports over all sensors, and whether one sensor saw both.
    uint8_t any = 0;
    bool same = false;
    size_t j = i;
    while (j < hits.size() && std::tie(hits[j].pair, hits[j].proto, hits[j].day, hits[j].src) ==
                                  std::tie(h.pair, h.proto, h.day, h.src)) {
      uint8_t on_sensor = 0;
      const uint32_t sensor = hits[j].sensor;
      for (; j < hits.size() && hits[j].key() == std::tie(h.pair, h.proto, h.day, h.src, sensor); ++j)
        on_sensor |= hits[j].bits;
      any |= on_sensor;
      same = same || on_sensor == 3;
    }
    NeighbourRow& r = out.back();
    r.sources_a += (any & 1) ? 1 : 0;
    r.sources_b += (any & 2) ? 1 : 0;
    r.both += any == 3 ? 1 : 0;
    r.both_same_sensor += same ? 1 : 0;
    i = j;
  }
  return out;
}

std::vector<NeighbourRow> merge_neighbour_sources(std::vector<NeighbourRow> parts) {
  std::sort(parts.begin(), parts.end(), [](const auto& x, const auto& y) { return row_key(x) < row_key(y); });
  std::vector<NeighbourRow> out;
  for (const NeighbourRow& r : parts) {
    if (!out.empty() && row_key(out.back()) == row_key(r)) {
      NeighbourRow& o = out.back();
      o.sources_a += r.sources_a;
      o.sources_b += r.sources_b;
      o.both += r.both;
      o.both_same_sensor += r.both_same_sensor;
    } else {
      out.push_back(r);
    }
  }
  return out;
}

}  // namespace scanhpc::ports
