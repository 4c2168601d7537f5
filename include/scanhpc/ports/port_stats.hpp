#pragma once
// Port analyses of seed 003 ("ports as categories"), MPI-free, on EventColumns:
//  1. top ports per protocol as a factor, with an "(Other)" row;
//  2. unique sources per (day, sensor, protocol, port), duplicates removed;
//  3. per (day, protocol, port) the mean over sensors of those counts;
//  4. box-plot statistics of the daily means per port (and per month);
//  5. sources that hit neighbour ports (1433 and 1434).
// A port is a category of its protocol: TCP 1433 and UDP 1433 never meet, and
// ports are never binned or averaged. Rows without a port (ICMP, empty port
// fields: kNoPort) are left out of every port analysis and counted apart.
// The local_* functions work on one rank's events and return integer partials
// that add up across ranks when events are split by source (every event of a
// source on one rank); the merge_* functions sum concatenated partials.
// Every output is sorted by a total order, whatever the thread count.
// See docs/port-analyses.md for the decisions and their reasons.
#include <compare>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scanhpc/ports/events.hpp"

namespace scanhpc::ports {

constexpr uint32_t kSecondsPerDay = 86400;
// Days since 1970-01-01 (UTC); a u32 Unix time gives at most day 49710 (< 2^16).
inline uint32_t day_of(uint32_t unix_seconds) { return unix_seconds / kSecondsPerDay; }
// The calendar month of a day as yyyymm (e.g. 201303), UTC.
uint32_t month_of(uint32_t day);
// "TCP", "UDP", "ICMP", else the protocol number in decimal.
std::string proto_name(uint8_t proto);

// A port of a protocol: the category the seed counts.
struct PortKey {
  uint8_t proto = 0;
  uint16_t port = 0;
  friend auto operator<=>(const PortKey&, const PortKey&) = default;
};

// ------------------------------------------------------------ 1. top ports --
struct PortCounts {
  std::map<PortKey, uint64_t> ports;   // events (or tuples) per port
  std::map<uint8_t, uint64_t> no_port; // events without a port, per protocol (ICMP, ...)
  friend bool operator==(const PortCounts&, const PortCounts&) = default;
};
// Events per (protocol, port) of this rank, as the seed's summary(factor(dpt)).
PortCounts local_port_counts(const EventColumns& e);
// Adds `part` into `into` (partials of any split add up: these are plain counts).
void merge_port_counts(PortCounts& into, const PortCounts& part);

struct TopPortRow {
  uint8_t proto = 0;
  uint32_t rank = 0;     // 1..n within the protocol, n+1 for "(Other)"
  int32_t port = 0;      // 0..65535, or -1 for "(Other)"
  uint64_t count = 0;
  double share = 0;      // count / (all ported counts of the protocol)
  friend bool operator==(const TopPortRow&, const TopPortRow&) = default;
};
// Per protocol (ascending): the n largest counts (ties by port ascending, as
// R's stable sort over numerically ordered levels), then "(Other)" when the
// rest is positive. Portless events are not in the table (see no_port).
std::vector<TopPortRow> top_ports(const PortCounts& global, size_t n);
// The same table from part of the ports: `candidates` must hold every port
// of the top n of its protocol (the union of each rank's top n of the ports
// it owns, top_candidates), `totals` each protocol's count over all ports.
std::vector<TopPortRow> top_ports(const PortCounts& candidates, const std::map<uint8_t, uint64_t>& totals, size_t n);
// The n largest counts of each protocol in `owned` (ties: lower port), the
// ports that can be in the top n when every port is counted on one rank.
PortCounts top_candidates(const PortCounts& owned, size_t n);
// The ports of the top rows (without "(Other)"), in table order.
std::vector<PortKey> top_port_keys(const std::vector<TopPortRow>& rows);

// ------------------------------------------------ 2. unique daily sources --
struct DailyKey {
  uint32_t day = 0;     // days since epoch, < 2^16
  uint32_t sensor = 0;  // < kMaxSensors
  uint8_t proto = 0;
  uint16_t port = 0;
  friend auto operator<=>(const DailyKey&, const DailyKey&) = default;
};
constexpr uint32_t kMaxSensors = 1u << 24;
// day << 48 | sensor << 24 | proto << 16 | port: ordering the packed keys
// orders by (day, sensor, proto, port), the /ports/daily row order.
uint64_t pack_daily(const DailyKey& k);
DailyKey unpack_daily(uint64_t packed);

struct DailyCount {
  uint64_t key = 0;      // pack_daily
  uint64_t sources = 0;  // distinct sources
  DailyKey fields() const { return unpack_daily(key); }
  friend bool operator==(const DailyCount&, const DailyCount&) = default;
};
// Distinct sources per (day, sensor, proto, port) after removing duplicate
// (day, sensor, source, proto, port) tuples; sorted by key. Throws
// std::invalid_argument on a sensor index >= kMaxSensors.
std::vector<DailyCount> local_daily_sources(const EventColumns& e);
// Sums equal keys of concatenated partials; sorted by key. Exact only when no
// source spans two partials (split by source prefix).
std::vector<DailyCount> merge_daily_sources(std::vector<DailyCount> partials);
// Rewrites sensor indices (local_to_global[local]) and re-sorts: ranks that
// numbered sensors in their own order of first use must agree before merging.
void remap_sensors(std::vector<DailyCount>& counts, const std::vector<uint32_t>& local_to_global);
// Distinct (day, sensor, source, proto, port) tuples per port: the seed's
// basis for its top ports (summary(factor(tcp.uniq$dpt))).
PortCounts port_counts_from_daily(const std::vector<DailyCount>& global);

// -------------------------------------------------- 3. mean over sensors --
enum class Denominator : uint8_t {
  sensors_seeing_port,  // the seed and its peers: sensors with >= 1 source on the port that day
  active_sensors,       // every sensor with any event that day (zeros included)
};
struct DailyMean {
  uint32_t day = 0;
  uint8_t proto = 0;
  uint16_t port = 0;
  double mean_sources = 0;  // sources / sensors
  uint32_t sensors = 0;     // the denominator
  uint64_t sources = 0;     // the sum over sensors
  friend bool operator==(const DailyMean&, const DailyMean&) = default;
};
// (day, sensor) pairs with any event (any protocol, with or without a port); sorted, distinct.
std::vector<std::pair<uint32_t, uint32_t>> local_active_sensors(const EventColumns& e);
std::vector<std::pair<uint32_t, uint32_t>> merge_active_sensors(std::vector<std::pair<uint32_t, uint32_t>> partials);
// Per (day, proto, port), sorted so, from merged counts (sorted, keys distinct;
// throws std::invalid_argument when unsorted). `active` is needed (global, merged) only
// for Denominator::active_sensors; throws std::invalid_argument when a counted
// sensor is missing from it.
std::vector<DailyMean> daily_means(const std::vector<DailyCount>& global,
                                   Denominator d = Denominator::sensors_seeing_port,
                                   const std::vector<std::pair<uint32_t, uint32_t>>& active = {});

// ----------------------------------------------------------- 4. box plots --
enum class BoxRule : uint8_t {
  ggplot2,        // the seed's geom_boxplot (stat_boxplot): quantile type 7 quartiles
  boxplot_stats,  // base R boxplot.stats: Tukey's hinges (fivenum)
};
struct BoxStats {
  size_t n = 0;
  double lower = 0, q1 = 0, median = 0, q3 = 0, upper = 0;  // whisker ends, box, median
  std::vector<size_t> outliers;  // indices into the input, ascending
  friend bool operator==(const BoxStats&, const BoxStats&) = default;
};
// Outliers lie below q1 - coef * IQR or above q3 + coef * IQR; the whiskers
// then end at the extremes of the rest (ggplot2 also keeps them within the box's
// range). Without outliers they are min and max. Empty input: n = 0.
BoxStats box_stats(const std::vector<double>& x, BoxRule rule = BoxRule::ggplot2, double coef = 1.5);

constexpr uint32_t kAllMonths = 0;
struct PortBox {
  uint8_t proto = 0;
  uint16_t port = 0;
  uint32_t month = kAllMonths;  // yyyymm, or kAllMonths for the whole period
  BoxStats stats;
  std::vector<std::pair<uint32_t, double>> outliers;  // (day, daily mean), by day
  friend bool operator==(const PortBox&, const PortBox&) = default;
};
// Distribution over days of the daily means of each listed port (days on
// which the port was seen; the seed has no zero rows), for the whole period
// and, when by_month, per calendar month. Sorted by (proto, port, month).
std::vector<PortBox> port_boxes(const std::vector<DailyMean>& means, const std::vector<PortKey>& ports, bool by_month,
                                BoxRule rule = BoxRule::ggplot2, double coef = 1.5);

// ------------------------------------------------------- 5. neighbours --
struct PortPair {
  uint16_t a = 1433, b = 1434;
  friend auto operator<=>(const PortPair&, const PortPair&) = default;
};
PortPair parse_port_pair(std::string_view text);  // "1433:1434"; throws std::invalid_argument

constexpr int32_t kAnyProto = -1;
constexpr uint32_t kAllDays = 0xFFFFFFFFu;
struct NeighbourRow {
  uint16_t a = 0, b = 0;
  int32_t proto = kAnyProto;  // a protocol number, or kAnyProto: port a (b) on any protocol
  uint32_t day = kAllDays;    // a day, or kAllDays for the whole period
  uint64_t sources_a = 0, sources_b = 0;
  uint64_t both = 0;              // sources that hit a and b, on any sensors
  uint64_t both_same_sensor = 0;  // ... on one same sensor
  friend bool operator==(const NeighbourRow&, const NeighbourRow&) = default;
};
// Rows with a positive count, sorted by (a, b, proto (any first), day (all last)).
std::vector<NeighbourRow> local_neighbour_sources(const EventColumns& e, const std::vector<PortPair>& pairs,
                                                  bool per_day);
std::vector<NeighbourRow> merge_neighbour_sources(std::vector<NeighbourRow> partials);

}  // namespace scanhpc::ports
