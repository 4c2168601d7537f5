// The scan input formats, in one table (see scan_formats.hpp).
#include "scanhpc/io/scan_formats.hpp"

#include "scanhpc/io/gps_seed_json.hpp"
#include "scanhpc/io/masscan_json.hpp"
#include "scanhpc/io/masscan_lines.hpp"
#include "scanhpc/io/masscan_text_lines.hpp"
#include "scanhpc/io/zgrab2_json.hpp"
#include "scanhpc/io/zmap_lines.hpp"

namespace scanhpc {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
bool is_space(char c) { return c == ' ' || c == '\t' || c == '\r'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_space(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_space(s.back())) s.remove_suffix(1);
  return s;
}

// "{finished: 1}" (<=1.0.4 trailer), with any spacing.
bool is_finished_trailer(std::string_view s) {
  std::string_view want = "{finished:1}";
  size_t j = 0;
  for (char c : s) {
    if (is_space(c)) continue;
    if (j >= want.size() || c != want[j]) return false;
    ++j;
  }
  return j == want.size();
}

// The first line of a JSON object line, and whether it names `key`.
bool first_line_has(std::string_view rest, std::string_view key) {
  return rest.substr(0, rest.find('\n')).find(key) != std::string_view::npos;
}

// -oD has flat "port" and "rec_type"; -oJ (<=1.0.4 has no '[') nests
// "ports"; GPS's seed has a flat "p" (LZR's raw output "sport").
bool is_ndjson(std::string_view rest) { return starts_with(rest, "{") && first_line_has(rest, "\"rec_type\""); }
bool is_gps_seed(std::string_view rest) {
  return starts_with(rest, "{") && !is_ndjson(rest) && !first_line_has(rest, "\"ports\"") &&
         (first_line_has(rest, "\"p\"") || first_line_has(rest, "\"sport\""));
}
bool is_json(std::string_view rest) {
  return starts_with(rest, "[") || (starts_with(rest, "{") && !is_ndjson(rest) && !is_gps_seed(rest));
}
bool is_list(std::string_view rest) {
  if (starts_with(rest, "#masscan")) return true;
  for (auto p : {"open ", "closed ", "up ", "unknown ", "banner "})  // status or banner lines without the header
    if (starts_with(rest, p)) return true;
  return false;
}
bool is_grepable(std::string_view rest) {
  return starts_with(rest, "# Masscan") || starts_with(rest, "Timestamp:") || starts_with(rest, "Host:");
}
bool is_xml(std::string_view rest) { return starts_with(rest, "<?xml") || starts_with(rest, "<nmaprun"); }

// A text format with a parser per line (masscan_text_lines).
class TextLines final : public LineRecordParser {
 public:
  using Fn = void (*)(std::string_view, uint32_t, uint64_t, ParseSink&);
  explicit TextLines(Fn fn) : fn_(fn) {}
  void parse(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink) override {
    fn_(line, file, offset, sink);
  }

 private:
  Fn fn_;
};

// One JSON object a line: -oJ (every layout), -oD, and GPS's seed.
template <class RecordParser>
class JsonLines final : public LineRecordParser {
 public:
  void parse(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink) override {
    // Every -oJ layout puts one record per line: skip the array brackets, the
    // 1.3.x comma lines and the <=1.0.4 "{finished: 1}" trailer, and strip the
    // leading (1.3.x) or trailing (1.0.4/1.0.5) comma of a record line.
    const char* end_of_line = line.data() + line.size();
    // A bare record line (the common case) has nothing to strip: trimming it
    // would give it back whole (no space, bracket or comma at either end).
    if (line.size() > 1 && line.front() == '{' && line.back() == '}' && !is_finished_trailer(line)) {
      parser_.parse(line, line.size() + json_line_padding(), file, offset, sink);
      return;
    }
    std::string_view s = trim(line);
    if (!s.empty() && s.front() == '[') s = trim(s.substr(1));
    if (!s.empty() && s.back() == ']' && (s.size() == 1 || s.front() != '{')) s = trim(s.substr(0, s.size() - 1));
    if (!s.empty() && s.front() == ',') s = trim(s.substr(1));
    if (!s.empty() && s.back() == ',') s = trim(s.substr(0, s.size() - 1));
    if (s.empty() || is_finished_trailer(s)) return;
    if (s.front() != '{') {
      sink.reject(file, offset, "json: not a masscan record (line does not start with '{')");
      return;
    }
    // The block readers keep json_line_padding() readable bytes after each line.
    const size_t capacity = size_t(end_of_line - s.data()) + json_line_padding();
    parser_.parse(s, capacity, file, offset + uint64_t(s.data() - line.data()), sink);
  }

 private:
  RecordParser parser_;
};

// GPS's seed lines: as JsonLines, and a line of LZR objects written back to
// back ("}{") is cut into its objects, each read.
class GpsSeedLines final : public LineRecordParser {
 public:
  explicit GpsSeedLines(const LineContext& ctx) : parser_(ctx.lzr_filter) {}
  void parse(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink) override {
    const char* end_of_line = line.data() + line.size();
    const std::string_view s = trim(line);
    if (s.empty()) return;
    if (s.front() != '{') {
      sink.reject(file, offset, "gps seed: not a JSON object (line does not start with '{')");
      return;
    }
    auto one = [&](std::string_view piece) {
      const size_t capacity = size_t(end_of_line - piece.data()) + json_line_padding();
      parser_.parse(piece, capacity, file, offset + uint64_t(piece.data() - line.data()), sink);
    };
    if (s.find("}{") == std::string_view::npos) return one(s);
    for (std::string_view piece : split_concatenated_objects(s)) one(piece);
  }

 private:
  GpsSeedRecordParser parser_;
};

template <class P, class... A>
std::function<std::unique_ptr<LineRecordParser>(const LineContext&)> make(A... args) {
  return [=](const LineContext&) { return std::unique_ptr<LineRecordParser>(std::make_unique<P>(args...)); };
}

}  // namespace

const std::vector<ScanFormatInfo>& scan_formats() {
  static const std::vector<ScanFormatInfo> registry{
      // format, name, letters, help, line-oriented, detect, parser
      {MasscanFormat::automatic, "auto", "", "detect per file", false, nullptr, nullptr},
      // ZMap before masscan's JSON: its objects would pass for -oJ records
      {MasscanFormat::zmap_json, "zmap-json", "", "ZMap -O json", true, is_zmap_json, make_zmap_json_parser},
      // ZGrab2 before masscan's JSON too: {"ip": ..., "data": {...}}
      {MasscanFormat::zgrab2, "zgrab2", "", "ZGrab2 JSON (banners for the services of other inputs)", true,
       is_zgrab2, make_zgrab2_parser},
      {MasscanFormat::json, "json", "oJ", "masscan -oJ, every layout", true, is_json, make<JsonLines<JsonRecordParser>>()},
      {MasscanFormat::ndjson, "ndjson", "oD", "masscan -oD", true, is_ndjson, make<JsonLines<JsonRecordParser>>()},
      {MasscanFormat::list, "list", "oL", "masscan -oL", true, is_list, make<TextLines>(&parse_list_line)},
      {MasscanFormat::grepable, "grepable", "oG", "masscan -oG", true, is_grepable,
       make<TextLines>(&parse_grepable_line)},
      {MasscanFormat::xml, "xml", "oX", "masscan -oX", true, is_xml, make<TextLines>(&parse_xml_line)},
      {MasscanFormat::binary, "binary", "oB", "masscan -oB (read from its header, in order)", false, nullptr,
       nullptr},
      {MasscanFormat::gps_seed, "gps", "", "GPS's seed NDJSON", true, is_gps_seed,
       [](const LineContext& ctx) { return std::unique_ptr<LineRecordParser>(std::make_unique<GpsSeedLines>(ctx)); }},
      // after every masscan format: a bare address line is ZMap's default output
      {MasscanFormat::zmap_csv, "zmap-csv", "", "ZMap -O csv, or its default output", true, is_zmap_csv,
       make_zmap_csv_parser},
      // an HDF5 file named as input (detected from its magic number, not its text)
      {MasscanFormat::observations, "observations", "", "scanhpc's /observations table (HDF5, scan --keep observations)",
       false, nullptr, nullptr},
      {MasscanFormat::empty, "empty", "", "", false, nullptr, nullptr},
      {MasscanFormat::unrecognized, "unrecognized", "", "", false, nullptr, nullptr},
  };
  return registry;
}

const ScanFormatInfo* find_scan_format(MasscanFormat f) {
  for (const auto& info : scan_formats())
    if (info.format == f) return &info;
  return nullptr;
}

std::string scan_format_choices() {
  std::string out;
  for (const auto& f : scan_formats()) {
    if (f.help.empty()) continue;
    if (!out.empty()) out += ", ";
    out += f.name;
    out += " (";
    if (f.letters.empty()) {
      out += f.help;
    } else {
      out += '-';
      out += f.letters;
    }
    out += ')';
  }
  return out;
}

}  // namespace scanhpc
