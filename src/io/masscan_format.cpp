#include "scanhpc/io/masscan_format.hpp"

#include <array>
#include <utility>

namespace scanhpc {
namespace {
constexpr std::array<std::pair<MasscanFormat, std::string_view>, 10> kNames{{
    {MasscanFormat::automatic, "auto"}, {MasscanFormat::empty, "empty"},
    {MasscanFormat::json, "json"},       {MasscanFormat::ndjson, "ndjson"},
    {MasscanFormat::list, "list"},       {MasscanFormat::grepable, "grepable"},
    {MasscanFormat::xml, "xml"},         {MasscanFormat::binary, "binary"},
    {MasscanFormat::gps_seed, "gps"},    {MasscanFormat::unrecognized, "unrecognized"},
}};
// masscan's own option letters: -oJ, -oD, -oL, -oG, -oX, -oB.
constexpr std::array<std::pair<MasscanFormat, std::string_view>, 6> kLetters{{
    {MasscanFormat::json, "oJ"}, {MasscanFormat::ndjson, "oD"}, {MasscanFormat::list, "oL"},
    {MasscanFormat::grepable, "oG"}, {MasscanFormat::xml, "oX"}, {MasscanFormat::binary, "oB"},
}};

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }
}  // namespace

std::string_view format_name(MasscanFormat f) {
  for (auto& [fmt, name] : kNames)
    if (fmt == f) return name;
  return "unknown";
}

std::optional<MasscanFormat> parse_format_name(std::string_view name) {
  if (!name.empty() && name[0] == '-') name.remove_prefix(1);
  for (auto& [fmt, n] : kNames)
    if (n == name) return fmt;
  for (auto& [fmt, n] : kLetters)
    if (n == name) return fmt;
  return std::nullopt;
}

std::optional<MasscanFormat> detect_format(std::string_view head) {
  if (head.empty()) return MasscanFormat::empty;
  if (starts_with(head, "masscan/")) return MasscanFormat::binary;
  size_t i = 0;
  while (i < head.size() && (head[i] == ' ' || head[i] == '\t' || head[i] == '\r' || head[i] == '\n')) ++i;
  auto rest = head.substr(i);
  if (rest.empty()) return MasscanFormat::empty;
  if (starts_with(rest, "#masscan")) return MasscanFormat::list;
  if (starts_with(rest, "# Masscan") || starts_with(rest, "Timestamp:") || starts_with(rest, "Host:"))
    return MasscanFormat::grepable;
  if (starts_with(rest, "<?xml") || starts_with(rest, "<nmaprun")) return MasscanFormat::xml;
  if (rest[0] == '[') return MasscanFormat::json;
  if (rest[0] == '{') {
    // -oD has flat "port" and "rec_type"; -oJ (<=1.0.4 has no '[') nests
    // "ports"; GPS's seed has a flat "p" (LZR's raw output "sport").
    auto eol = rest.find('\n');
    auto first = rest.substr(0, eol);
    auto has = [&](std::string_view key) { return first.find(key) != std::string_view::npos; };
    if (has("\"rec_type\"")) return MasscanFormat::ndjson;
    if (!has("\"ports\"") && (has("\"p\"") || has("\"sport\""))) return MasscanFormat::gps_seed;
    return MasscanFormat::json;
  }
  // -oL status or banner lines without the header (a cut file).
  for (auto p : {"open ", "closed ", "up ", "unknown ", "banner "})
    if (starts_with(rest, p)) return MasscanFormat::list;
  return std::nullopt;
}

}  // namespace scanhpc
