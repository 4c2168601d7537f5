#pragma once
// GPS's seed format (stanford-esrg/gps README): one JSON object per line with
// ip (string), p (port), asn, data (the L7 payload), fingerprint (protocol)
// and w (TCP window); LZR's raw names saddr, sport and window are accepted
// too. Only ip and p are required; null fields count as absent.
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

#include "scanhpc/io/parse_sink.hpp"

namespace scanhpc {

inline constexpr std::string_view kGpsFingerprintService = "gps:fingerprint";
inline constexpr std::string_view kGpsWindowService = "gps:window";
inline constexpr std::string_view kGpsAsnService = "gps:asn";

class GpsSeedRecordParser {
 public:
  // `text` is one JSON object; `capacity` >= text.size() + SIMDJSON_PADDING
  // bytes are readable from text.data().
  void parse(std::string_view text, size_t capacity, uint32_t file, uint64_t offset, ParseSink& sink);

 private:
  simdjson::ondemand::parser parser_;
};

}  // namespace scanhpc
