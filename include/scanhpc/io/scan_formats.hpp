#pragma once
// The registry of scan input formats (the masscan family, GPS's seed
// NDJSON, ZMap's CSV and JSON, ZGrab2's JSON): for each, its --format name, masscan's option letters, a line of
// help, whether it splits at newlines, how its first bytes look, and its line
// parser. format_name, parse_format_name, detect_format, is_line_format,
// --format's help and LineParser all read it, so a new line format is one
// parser in src/io, one entry in src/io/scan_formats.cpp and its id in
// MasscanFormat.
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scanhpc/io/masscan_format.hpp"
#include "scanhpc/io/parse_sink.hpp"

namespace scanhpc {

// One line of a line-oriented format: pushes rows and counts the record as
// used, rejects it with a cause, or ignores it (header, trailer,
// separator). `line` stays readable for json_line_padding() bytes past its end.
class LineRecordParser {
 public:
  virtual ~LineRecordParser() = default;
  virtual void parse(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink) = 0;
};

struct ScanFormatInfo {
  MasscanFormat format;
  std::string_view name;     // --format NAME
  std::string_view letters;  // masscan's option (oJ for -oJ), or empty
  std::string_view help;     // for --format's help; empty: not offered
  bool line_oriented;        // split at newlines between ranks and threads
  // Whether a file whose first bytes (leading whitespace skipped) are `rest`
  // is of this format; the registry asks in order, the first yes wins. Null:
  // never detected this way.
  bool (*detect)(std::string_view rest);
  std::function<std::unique_ptr<LineRecordParser>(const LineContext&)> make_parser;  // line formats only
};

// Every format, in detection order.
const std::vector<ScanFormatInfo>& scan_formats();
const ScanFormatInfo* find_scan_format(MasscanFormat f);
// "auto, json (-oJ), ndjson (-oD), ...": the choices for --format's help.
std::string scan_format_choices();

}  // namespace scanhpc
