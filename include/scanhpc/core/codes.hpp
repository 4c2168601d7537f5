#pragma once
// Small codes for masscan's categorical fields. Reasons are the TCP flag
// bitmask spelled out by masscan's reason_string() (src/output.c).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace scanhpc {

enum class Proto : uint8_t { unknown = 0, tcp = 1, udp = 2, sctp = 3, icmp = 4, arp = 5, err = 6 };
enum class Status : uint8_t { unknown = 0, open = 1, closed = 2, up = 3 };

std::optional<Proto> parse_proto(std::string_view text);
std::optional<Status> parse_status(std::string_view text);
std::string_view proto_name(Proto p);
std::string_view status_name(Status s);

// TCP flag bits in masscan's spelling order fin-syn-rst-psh-ack-urg-ece-cwr.
// "none" is 0. Any subset of the eight names, in that order, joined by '-'.
std::optional<uint8_t> parse_reason(std::string_view text);
std::string format_reason(uint8_t flags);

// Which optional fields a record carries: -oL and -oG carry no reason or ttl,
// and 1.0.5-era -oG status lines carry no timestamp. Unknown is never invented.
enum KnownBits : uint8_t { kKnownTs = 1, kKnownReason = 2, kKnownTtl = 4 };

}  // namespace scanhpc
