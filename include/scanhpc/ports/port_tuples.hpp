#pragma once
// Distinct port tuples, MPI-free: the (day, sensor, protocol, port, source) of
// the events that have a port, one sortable key each, sorted and without
// duplicates. They are all that the daily and neighbours analyses read from
// events (a repeated event adds nothing to a distinct-source count, and those
// analyses never count events), so a rank deduplicates its events into tuples
// before they move to the owners of their sources, moves 8 bytes per distinct
// tuple instead of every event's columns, and merges the sorted runs it
// receives (merge_tuple_runs). What counts events (top ports) or needs events
// without a port (active sensors) reads the events before they are reduced.
//
// Keys order as (day, sensor, protocol, port, source) in both layouts:
//  compact, when the days x sensors x protocols of every rank number fewer than 2^16:
//    a u64: group << 48 | port << 32 | source, with
//    group = ((day - first_day) * sensors + sensor) * protocols + protocol rank;
//  wide otherwise: a u128: pack_daily(day, sensor, protocol, port) << 32 | source.
// Every rank must key with the same layout (agree on TupleBounds first).
#include <array>
#include <cstdint>
#include <vector>

#include "scanhpc/ports/events.hpp"
#include "scanhpc/ports/port_stats.hpp"

namespace scanhpc::ports {

using u128 = unsigned __int128;

// What a rank's ported events span; merged over ranks (min, max, or) to agree a layout.
struct TupleBounds {
  uint32_t first_day = UINT32_MAX, last_day = 0;  // of the events with a port
  uint32_t sensors = 0;                           // 1 + the largest sensor id
  std::array<uint64_t, 4> protocols{};            // bit p: protocol p seen with a port
  void merge(const TupleBounds& o);
};
TupleBounds local_tuple_bounds(const EventColumns& e);

struct TupleLayout {
  bool compact = false;
  uint32_t first_day = 0, sensors = 0, protocols = 0;
  std::array<uint8_t, 256> rank{}, proto{};  // protocol -> rank (ascending), and back

  uint64_t compact_key(uint32_t day, uint32_t sensor, uint8_t p, uint32_t port, uint32_t src) const {
    const uint64_t group = (uint64_t(day - first_day) * sensors + sensor) * protocols + rank[p];
    return group << 48 | uint64_t(port) << 32 | src;
  }
  static u128 wide_key(uint32_t day, uint32_t sensor, uint8_t p, uint32_t port, uint32_t src) {
    return u128(pack_daily({day, sensor, p, uint16_t(port)})) << 32 | src;
  }
  // pack_daily of a key's (day, sensor, protocol, port).
  uint64_t daily_key(uint64_t compact_key) const;
  static uint64_t daily_key(u128 wide_key) { return uint64_t(wide_key >> 32); }
};
// The layout for bounds merged over every rank; compact when it fits. Throws
// std::invalid_argument when a sensor index is >= kMaxSensors.
TupleLayout tuple_layout(const TupleBounds& global);

struct PortTuples {
  TupleLayout layout;
  std::vector<uint64_t> compact;  // layout.compact: sorted, distinct
  std::vector<u128> wide;         // otherwise: sorted, distinct
  size_t size() const { return layout.compact ? compact.size() : wide.size(); }
};

// This rank's distinct tuples of `e` (sensor ids as in the layout), sorted.
PortTuples local_port_tuples(const EventColumns& e, const TupleLayout& layout);
// The same, freeing the events once their keys are built and before the keys
// are sorted: the sort's buffers then reuse the events' pages instead of
// faulting in fresh ones (on the VMs we measured, fresh memory costs more
// than the sort).
PortTuples local_port_tuples(EventColumns&& e, const TupleLayout& layout);
// `t`'s keys are runs (each sorted and distinct) of the given sizes, in order:
// merges them into one sorted distinct list (a tuple in two runs is kept once).
void merge_tuple_runs(PortTuples& t, const std::vector<uint64_t>& run_sizes);

// Distinct sources per (day, sensor, protocol, port) of the tuples, sorted by key:
// local_daily_sources of the events they came from.
std::vector<DailyCount> daily_sources(const PortTuples& t);
// local_neighbour_sources of the events the tuples came from.
std::vector<NeighbourRow> neighbour_sources(const PortTuples& t, const std::vector<PortPair>& pairs, bool per_day);

// Sorts `v` and drops its duplicates (what the tuples' keys need): one
// counting pass by the top varying bits, then each bucket radix-sorted in cache.
void sort_distinct(std::vector<uint64_t>& v);

}  // namespace scanhpc::ports
