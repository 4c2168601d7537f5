#pragma once
// FT3 -> FT4 aggregation with the semantics of CAIDA ftconvert
// (stardust-tools/flowtuple-convert/ftconvert.c), in memory, MPI-free.
// Spec: shared/reference/flowtuple.md section 2; our decisions and the
// places where we deviate from ftconvert: docs/flowtuple-convert.md.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <span>
#include <utility>
#include <vector>

#include "scanhpc/flow/flowtuple.hpp"

namespace scanhpc::flow {

// Which rule picks the "common value" threshold ratio.
enum class QualityRule : uint8_t {
  code,  // ftconvert's QUALITY_RATIO: keyed mostly on the number of distinct values
  doc,   // the CAIDA FlowTuple web page: keyed on the flow's total packets
};

struct ConvertOptions {
  uint32_t dst_prefix = 16;  // 16 or 24: dst_net = dst_ip & mask
  uint32_t interval_s = 300; // FT4 interval; time = t - t % interval_s (aligned)
  QualityRule quality = QualityRule::code;
};

// A threshold ratio as an exact fraction: 0.33 is 33/100, 0.2 is 1/5.
struct Ratio {
  uint32_t num = 1, den = 1;
  friend bool operator==(const Ratio&, const Ratio&) = default;
};
Ratio quality_ratio(QualityRule rule, uint64_t n_distinct, uint64_t total_pkts);

// count >= ratio * total, exactly (integers). Equal to ftconvert's double
// expression `(double)count >= 0.33 * total` for total < 2^46; see the doc.
inline bool reaches_ratio(uint64_t count, Ratio r, uint64_t total) {
  return (unsigned __int128)count * r.den >= (unsigned __int128)total * r.num;
}

// ftconvert's find_quality: `counts` is the value -> packet-count map in
// ascending value order; keeps values reaching the ratio, at most 5.
constexpr size_t kMaxCommonValues = 5;
std::vector<CommonValue> find_common_values(std::span<const std::pair<uint32_t, uint64_t>> counts,
                                            uint64_t total_pkts, QualityRule rule);

// The protocol class ftconvert writes in this order: ICMP, TCP, UDP, other.
inline uint8_t protocol_class(uint8_t protocol) {
  switch (protocol) {
    case 1: return 0;
    case 6: return 1;
    case 17: return 2;
    default: return 3;
  }
}

// Position of an FT4 flow in the canonical output order: (time, protocol
// class, src_ip, dst_net, dst_port for TCP/UDP/ICMP or protocol otherwise).
inline unsigned __int128 ft4_order_key(uint32_t time, uint8_t protocol, uint32_t src_ip, uint32_t dst_net,
                                       uint16_t dst_port) {
  const uint8_t cls = protocol_class(protocol);
  const uint16_t tail = cls == 3 ? uint16_t(protocol) : dst_port;
  return ((unsigned __int128)time << 82) | ((unsigned __int128)cls << 80) | ((unsigned __int128)src_ip << 48) |
         ((unsigned __int128)dst_net << 16) | tail;
}
unsigned __int128 ft4_order_key(const Ft4Columns& c, size_t row);

// Aggregates FT3 records (file order; the first record of a flow is its
// first in `in`) into FT4 flows in the canonical order. Deterministic and
// independent of the OpenMP thread count. Throws std::invalid_argument on
// a bad dst_prefix, interval_s == 0 or columns of different lengths.
Ft4Columns convert_ft3_to_ft4(const Ft3Columns& in, const ConvertOptions& opt = {});

// Merges conversions of parts whose flows are disjoint (e.g. the input split
// by src_ip ranges, each part keeping its input order) into the canonical
// order: equal to converting the whole. Throws std::invalid_argument if two
// parts hold the same flow.
Ft4Columns merge_ft4_parts(std::span<const Ft4Columns> parts);

// Converts a time-ordered stream of FT3 batches (e.g. one-minute files)
// interval by interval, holding only the open intervals: an interval is
// converted and emitted once a row of a later interval arrives, and the rest
// at finish(). The emitted columns, concatenated, equal convert_ft3_to_ft4
// of all rows. A row of an already emitted interval throws
// std::invalid_argument (ftconvert would silently add it to the current one).
class Ft4IntervalStream {
 public:
  using Emit = std::function<void(uint32_t interval_start, const Ft4Columns& flows)>;
  Ft4IntervalStream(const ConvertOptions& opt, Emit emit);
  void add(const Ft3Columns& batch);
  void finish();

 private:
  void flush_before(uint64_t interval_end);
  ConvertOptions opt_;
  Emit emit_;
  std::map<uint32_t, Ft3Columns> open_;  // interval start -> its rows, in input order
  std::optional<uint32_t> last_emitted_;
};

// Appends row `i` of `from` to `to`, column by column.
void append_ft4_row(Ft4Columns& to, const Ft4Columns& from, size_t i);

}  // namespace scanhpc::flow
