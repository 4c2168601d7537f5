#include "scanhpc/io/masscan_lines.hpp"

#include <simdjson.h>

#include "scanhpc/io/gps_seed_json.hpp"
#include "scanhpc/io/masscan_json.hpp"
#include "scanhpc/io/masscan_text_lines.hpp"

namespace scanhpc {
namespace {

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

}  // namespace

size_t json_line_padding() { return simdjson::SIMDJSON_PADDING; }

struct LineParser::Impl {
  MasscanFormat format;
  JsonRecordParser json;
  GpsSeedRecordParser gps;
};

LineParser::LineParser(MasscanFormat format) : impl_(std::make_unique<Impl>()) { impl_->format = format; }
LineParser::~LineParser() = default;
LineParser::LineParser(LineParser&&) noexcept = default;
LineParser& LineParser::operator=(LineParser&&) noexcept = default;

void LineParser::parse(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink) {
  switch (impl_->format) {
    case MasscanFormat::list: return parse_list_line(line, file, offset, sink);
    case MasscanFormat::grepable: return parse_grepable_line(line, file, offset, sink);
    case MasscanFormat::xml: return parse_xml_line(line, file, offset, sink);
    case MasscanFormat::json:
    case MasscanFormat::ndjson:
    case MasscanFormat::gps_seed: break;
    default: return;  // empty, binary and automatic never reach a line parser
  }
  // Every -oJ layout puts one record per line: skip the array brackets, the
  // 1.3.x comma lines and the <=1.0.4 "{finished: 1}" trailer, and strip the
  // leading (1.3.x) or trailing (1.0.4/1.0.5) comma of a record line.
  const char* end_of_line = line.data() + line.size();
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
  size_t capacity = size_t(end_of_line - s.data()) + json_line_padding();
  const uint64_t at = offset + uint64_t(s.data() - line.data());
  if (impl_->format == MasscanFormat::gps_seed) impl_->gps.parse(s, capacity, file, at, sink);
  else impl_->json.parse(s, capacity, file, at, sink);
}

}  // namespace scanhpc
