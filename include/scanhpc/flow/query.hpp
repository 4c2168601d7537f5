#pragma once
// Queries over FT4 flowtuples with the pyspark-stardust helper's semantics
// (../shared/reference/flowtuple.md, section 3), MPI-free: row selection by
// time range, source prefixes, common values and generic conditions; top-N
// values of a field by flows, packets or unique destination IPs; per-interval
// series; intersections. The local_* functions work on this process's rows
// and return integer partials that add up (or deduplicate) across ranks.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scanhpc/flow/avro.hpp"
#include "scanhpc/flow/flowtuple.hpp"

namespace scanhpc::flow {

// ------------------------------------------------------------- fields --
// The scalar FT4 fields a condition or a top-N can name, by their schema names.
enum class Field : uint8_t {
  time, src_ip, dst_net, dst_port, protocol, packet_cnt, uniq_dst_ips, uniq_pkt_sizes, uniq_ttls,
  uniq_src_ports, uniq_tcp_flags, first_syn_length, first_tcp_rwin, maxmind_continent, maxmind_country,
  netacq_continent, netacq_country, prefix2asn, spoofed_packet_cnt, masscan_packet_cnt,
};
enum class FieldType : uint8_t { number, ip, code2 };

std::optional<Field> parse_field(std::string_view name);
std::string_view field_name(Field f);
FieldType field_type(Field f);
// The field of row i as a number (IPs as u32, codes as (c0 << 8) | c1).
uint64_t field_value(const Ft4Columns& c, Field f, size_t i);
// The text of a value of the field: dotted quad, two letters, or decimal.
std::string value_text(Field f, uint64_t v);

// The common-value arrays, by the names the helper and the CLI use.
enum class CommonArray : uint8_t { pktsizes, ttls, srcports, tcpflags };
std::optional<CommonArray> parse_common_array(std::string_view name);  // "ttls" or "common_ttls", ...
const CommonColumn& common_column(const Ft4Columns& c, CommonArray a);
// The decoder's column bit (flow::ft4_bit) of a field or array, for readers that fill only the
// columns a query reads (FlowBlockReader::set_ft4_columns).
uint32_t ft4_columns_of(Field f);
uint32_t ft4_columns_of(CommonArray a);

// --------------------------------------------------------- conditions --
enum class Op : uint8_t { eq, ne, lt, le, gt, ge };

// `field op value`, e.g. "netacq_country == RU", "uniq_dst_ips >= 60000",
// "src_ip == 1.2.3.4". Numbers are compared as unsigned integers, codes and
// IPs for (in)equality and in their numeric order.
struct Condition {
  Field field = Field::time;
  Op op = Op::eq;
  uint64_t value = 0;
  std::string text;  // as given, for provenance
  bool matches(const Ft4Columns& c, size_t i) const;
};
// Throws std::invalid_argument naming what is wrong.
Condition parse_condition(std::string_view text);

// `name=lo-hi[,lo-hi...]` or `name=v`, e.g. "ttls=200-255": a row matches when
// any element of the array lies in any range (inclusive). A row matching
// several ranges counts once (the helper's unionAll counts it once per range).
struct CommonFilter {
  CommonArray array = CommonArray::ttls;
  std::vector<std::pair<uint32_t, uint32_t>> ranges;
  std::string text;
  bool matches(const Ft4Columns& c, size_t i) const;
};
CommonFilter parse_common_filter(std::string_view text);

// Source prefixes "a.b.c.d/len"; a row matches when src_ip lies in any.
struct PrefixFilter {
  std::vector<std::pair<uint32_t, uint8_t>> prefixes;  // (network, len), host bits cleared
  bool matches(uint32_t ip) const;
};
PrefixFilter parse_prefixes(const std::vector<std::string>& cidrs);

// Everything a query selects on; empty parts select everything.
struct Selection {
  std::optional<uint32_t> time_from, time_to;  // inclusive, on the `time` field
  PrefixFilter sources;
  std::vector<CommonFilter> common;            // all must match
  std::vector<Condition> where;                // all must match
  bool matches(const Ft4Columns& c, size_t i) const;
  std::string describe() const;                // one line, for provenance and /flow attrs
  uint32_t ft4_columns() const;                // the columns matches() reads (ft4_bit)
};

// Row indices of `c` that the selection keeps, ascending (OpenMP inside).
std::vector<uint32_t> local_select(const Ft4Columns& c, const Selection& s);

// ---------------------------------------------------------------- top --
enum class Metric : uint8_t { flows, packets, dst_ips };
std::optional<Metric> parse_metric(std::string_view name);  // "flows", "packets", "dst_ips"
std::string_view metric_name(Metric m);

// value -> count over the selected rows (flows: 1 per row; packets:
// packet_cnt; dst_ips: uniq_dst_ips), sorted by value.
std::vector<std::pair<uint64_t, uint64_t>> local_top_counts(const Ft4Columns& c, const std::vector<uint32_t>& rows,
                                                            Field field, Metric metric);

struct TopRow {
  uint32_t rank = 0;       // 1..n, then n+1 for "Other"
  std::string value;       // value_text, or "Other"
  uint64_t count = 0;
  double pct = 0, cumpct = 0;
  friend bool operator==(const TopRow&, const TopRow&) = default;
};
// From the global counts (any order, each value once): count descending, ties
// by value ascending; ranks > n summed into "Other" (only when its count > 0).
// pct = count / total, cumpct the running sum (the last row reaches 1).
// `total` defaults to the sum of `counts`; give it when `counts` holds only
// the candidates for the top n (every value outside them goes to Other).
std::vector<TopRow> top_rows(std::vector<std::pair<uint64_t, uint64_t>> counts, Field field, size_t n,
                             std::optional<uint64_t> total = std::nullopt);

// ------------------------------------------------------------- series --
// Per interval (`time`): packets, and the distinct sources, destination nets
// and source ASNs (prefix2asn) of the selected rows. The local form keeps the
// distinct keys so that ranks can merge them exactly.
struct SeriesKeys {
  std::map<uint32_t, uint64_t> packets;                 // time -> packets
  std::vector<std::pair<uint32_t, uint32_t>> src_ips;   // (time, src_ip), sorted, distinct
  std::vector<std::pair<uint32_t, uint32_t>> dst_nets;  // (time, dst_net)
  std::vector<std::pair<uint32_t, uint32_t>> asns;      // (time, prefix2asn)
};
SeriesKeys local_series_keys(const Ft4Columns& c, const std::vector<uint32_t>& rows);

struct SeriesRow {
  uint32_t time = 0;
  uint64_t packets = 0, src_ips = 0, dst_nets = 0, asns = 0;
  friend bool operator==(const SeriesRow&, const SeriesRow&) = default;
};
// Rows by time from keys that are already global (merged and deduplicated).
std::vector<SeriesRow> series_rows(const SeriesKeys& global);

}  // namespace scanhpc::flow
