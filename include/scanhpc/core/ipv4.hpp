#pragma once
// IPv4 addresses as host-order u32, so that numeric order is prefix order.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scanhpc {

// Strict dotted-quad parse: four decimal octets 0..255, no leading '+', no
// spaces, at most 3 digits per octet. Returns nullopt on anything else
// (IPv6 text included).
std::optional<uint32_t> parse_ipv4(std::string_view text);

std::string format_ipv4(uint32_t ip);

inline uint32_t prefix_of(uint32_t ip, int len) {
  return len == 0 ? 0u : (ip & (~0u << (32 - len)));
}

}  // namespace scanhpc
