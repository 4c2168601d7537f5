#pragma once
// GPS's seed format (stanford-esrg/gps README): one JSON object per line with
// ip (string), p (port), asn, data (the L7 payload), fingerprint (protocol)
// and w (TCP window); LZR's raw names saddr, sport and window are accepted
// too. Only ip and p are required; null fields count as absent. Keys match
// whatever their case, as BigQuery's JSON import matches columns (2020-era
// LZR writes "Data").
//
// Raw LZR records (those naming saddr) pass GPS's preparation filter
// (src/format_lzr.py: data <> "" AND data IS NOT NULL AND RST IS false AND
// window <> 0) unless it is switched off: a record it keeps out is read and
// counted as used with no observation. Its DISTINCT is not applied here:
// equal records add the same features to one service.
//
// Each record becomes one open TCP status row, and, when the sink keeps
// banners, banner rows carrying its features to the GPS kernels:
//   data         -> service "",                banner data  ("http line: " per line)
//   fingerprint  -> service "gps:fingerprint", banner text  ("fingerprint: X")
//   w            -> service "gps:window",      banner "N"   ("window: N")
//   asn          -> service "gps:asn",         banner "N"   (the service's ASN)
// masscan service names never contain ':', so these names cannot collide.
#include <simdjson.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "scanhpc/io/parse_sink.hpp"

namespace scanhpc {

inline constexpr std::string_view kGpsFingerprintService = "gps:fingerprint";
inline constexpr std::string_view kGpsWindowService = "gps:window";
inline constexpr std::string_view kGpsAsnService = "gps:asn";

class GpsSeedRecordParser {
 public:
  explicit GpsSeedRecordParser(bool lzr_filter = true) : lzr_filter_(lzr_filter) {}
  // `text` is one JSON object; `capacity` >= text.size() + SIMDJSON_PADDING
  // bytes are readable from text.data().
  void parse(std::string_view text, size_t capacity, uint32_t file, uint64_t offset, ParseSink& sink);

 private:
  simdjson::ondemand::parser parser_;
  bool lzr_filter_;
};

// LZR wrote some objects back to back on one line ("}{", without locking):
// the objects of a line, cut where a top-level object closes (strings and
// their escapes skipped). One piece when the line holds one object.
std::vector<std::string_view> split_concatenated_objects(std::string_view line);

}  // namespace scanhpc
