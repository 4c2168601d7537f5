#include "scanhpc/core/codes.hpp"

#include <array>

namespace scanhpc {
namespace {
constexpr std::array<std::string_view, 7> kProtoNames{"unknown", "tcp", "udp", "sctp", "icmp", "arp", "err"};
constexpr std::array<std::string_view, 4> kStatusNames{"unknown", "open", "closed", "up"};
// masscan's reason_string() order, bit i of the flags byte = kFlagNames[i].
constexpr std::array<std::string_view, 8> kFlagNames{"fin", "syn", "rst", "psh", "ack", "urg", "ece", "cwr"};
}  // namespace

std::optional<Proto> parse_proto(std::string_view text) {
  for (size_t i = 1; i < kProtoNames.size(); ++i)
    if (text == kProtoNames[i]) return Proto(i);
  return std::nullopt;
}

std::optional<Status> parse_status(std::string_view text) {
  if (text == "open") return Status::open;  // the common case first
  for (size_t i = 0; i < kStatusNames.size(); ++i)
    if (text == kStatusNames[i]) return Status(i);
  return std::nullopt;
}

std::string_view proto_name(Proto p) {
  auto i = size_t(p);
  return i < kProtoNames.size() ? kProtoNames[i] : "unknown";
}

std::string_view status_name(Status s) {
  auto i = size_t(s);
  return i < kStatusNames.size() ? kStatusNames[i] : "unknown";
}

std::optional<uint8_t> parse_reason(std::string_view text) {
  if (text == "syn-ack") return uint8_t{0x12};  // nearly every open port: skip the general loop
  if (text == "none") return uint8_t{0};
  uint8_t flags = 0;
  size_t next_bit = 0;  // names must appear in masscan's order, each once
  while (!text.empty()) {
    auto dash = text.find('-');
    auto name = text.substr(0, dash);
    size_t bit = next_bit;
    while (bit < kFlagNames.size() && kFlagNames[bit] != name) ++bit;
    if (bit == kFlagNames.size()) return std::nullopt;
    flags |= uint8_t(1u << bit);
    next_bit = bit + 1;
    if (dash == std::string_view::npos) break;
    text.remove_prefix(dash + 1);
    if (text.empty()) return std::nullopt;  // trailing '-'
  }
  if (flags == 0) return std::nullopt;  // empty text
  return flags;
}

std::string format_reason(uint8_t flags) {
  if (flags == 0) return "none";
  std::string out;
  for (size_t bit = 0; bit < kFlagNames.size(); ++bit) {
    if (!(flags & (1u << bit))) continue;
    if (!out.empty()) out += '-';
    out += kFlagNames[bit];
  }
  return out;
}

}  // namespace scanhpc
