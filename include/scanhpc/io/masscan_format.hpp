#pragma once
// masscan output formats (and GPS's seed NDJSON, ZMap's and ZGrab2's output)
// and their detection from a file's first bytes; the formats themselves are
// listed in scan_formats.hpp.
#include <optional>
#include <string>
#include <string_view>

namespace scanhpc {

enum class MasscanFormat {
  automatic,  // detect per file
  empty,      // a 0-byte file: masscan writes nothing when it finds nothing
  json,       // -oJ, every historic layout
  ndjson,     // -oD
  list,       // -oL
  grepable,   // -oG
  xml,        // -oX
  binary,     // -oB
  gps_seed,   // GPS's seed NDJSON: {"ip", "p", "asn", "data", "fingerprint", "w"} (or LZR's saddr/sport/window)
  zmap_csv,   // ZMap -O csv (a header row of its -f fields), or its default output (bare saddr lines)
  zmap_json,  // ZMap -O json
  zgrab2,     // ZGrab2's JSON lines: banner records joined to the services of other inputs
  observations,  // scanhpc's repacked /observations table (HDF5, scan --keep observations): rows read by hyperslab
  unrecognized,  // matches no masscan format: one rejected record, or an error with --on-error=fail
};

// What a line parser knows of its file beyond the format: ZMap CSV's header
// row (the field names, in every rank's copy of the file table, since only
// the first range holds it) and the port and protocol of the scan where the
// rows do not carry them (ZMap's -p and probe module, ZGrab2's --port:
// --port, --proto).
struct LineContext {
  std::string header;
  int default_port = -1;      // -1: not given
  uint8_t default_proto = 1;  // Proto::tcp
  bool lzr_filter = true;     // raw LZR records: GPS's preparation filter (--lzr-filter)
};

std::string_view format_name(MasscanFormat f);  // "json", "ndjson", ...
std::optional<MasscanFormat> parse_format_name(std::string_view name);  // accepts oJ/-oJ too

// Detects the format from the first bytes of a file (after gzip inflation).
// Returns nullopt when the bytes match no masscan format.
std::optional<MasscanFormat> detect_format(std::string_view head);

// Line-oriented formats can be split at newlines between ranks and threads;
// the binary format must be read sequentially from its header.
bool is_line_format(MasscanFormat f);

}  // namespace scanhpc
