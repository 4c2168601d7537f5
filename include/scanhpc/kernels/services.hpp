#pragma once
// Open observations sorted by service (ip, port, proto) and timestamp, the
// shared first step of the multiprobe and hosts analyses. MPI-free.
#include <cstdint>
#include <vector>

#include "scanhpc/core/observations.hpp"

namespace scanhpc {

// Everything the analyses read travels in the entry, so group-bys stream
// through one sorted array instead of gathering from the columns.
struct ServiceEntry {
  uint64_t key = 0;  // ip << 24 | port << 8 | proto: numeric order = (ip, port, proto)
  uint32_t ts = 0;
  uint8_t reason = 0, ttl = 0, known = 0, pad = 0;
};
static_assert(sizeof(ServiceEntry) == 16);

inline uint64_t service_key(uint32_t ip, uint16_t port, uint8_t proto) {
  return (uint64_t(ip) << 24) | (uint64_t(port) << 8) | proto;
}
inline uint32_t key_ip(uint64_t key) { return uint32_t(key >> 24); }

// Entries of the rows with status open, sorted by (key, ts); the order among
// equal (key, ts) is unspecified, and no analysis depends on it.
// Parallel LSD radix sort (OpenMP), stable per pass.
std::vector<ServiceEntry> sort_open_services(const StatusColumns& columns);
// The same, releasing the columns once the entries are built (lower peak memory).
std::vector<ServiceEntry> sort_open_services(StatusColumns&& columns);

// Splits [0, n) into at most `parts` ranges whose cuts fall between different
// ips, so threads never share a host.
std::vector<size_t> split_at_hosts(const std::vector<ServiceEntry>& entries, size_t parts);

}  // namespace scanhpc
