#include "scanhpc/io/masscan_format.hpp"

#include "scanhpc/io/scan_formats.hpp"

namespace scanhpc {

std::string_view format_name(MasscanFormat f) {
  const ScanFormatInfo* info = find_scan_format(f);
  return info ? info->name : "unknown";
}

std::optional<MasscanFormat> parse_format_name(std::string_view name) {
  if (!name.empty() && name[0] == '-') name.remove_prefix(1);
  for (const auto& f : scan_formats())
    if (f.name == name || (!f.letters.empty() && f.letters == name)) return f.format;
  return std::nullopt;
}

std::optional<MasscanFormat> detect_format(std::string_view head) {
  if (head.empty()) return MasscanFormat::empty;
  if (head.substr(0, 8) == "masscan/") return MasscanFormat::binary;  // -oB's magic, at byte 0
  size_t i = 0;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
  const auto rest = head.substr(i);
  if (rest.empty()) return MasscanFormat::empty;
  for (const auto& f : scan_formats())
    if (f.detect && f.detect(rest)) return f.format;
  return std::nullopt;
}

bool is_line_format(MasscanFormat f) {
  const ScanFormatInfo* info = find_scan_format(f);
  return info && info->line_oriented;
}

}  // namespace scanhpc
