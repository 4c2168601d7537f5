#pragma once
// Open observations sorted by service (ip, port, proto) and timestamp, the
// shared first step of the multiprobe and hosts analyses. MPI-free.
#include <cstdint>
#include <vector>

#include "scanhpc/core/observations.hpp"

namespace scanhpc {

// One status observation in key-first form: every field of a StatusRow, 16
// bytes. It is the unit of the MPI exchange and of the radix sort, so the
// receive buffer is the array the group-bys stream through, and nothing is
// gathered from columns or copied between layouts after the exchange.
struct ServiceEntry {
  uint64_t key = 0;  // ip << 24 | port << 8 | proto: numeric order = (ip, port, proto)
  uint32_t ts = 0;
  uint8_t reason = 0, ttl = 0, known = 0, status = 0;
};
static_assert(sizeof(ServiceEntry) == 16);

inline uint64_t service_key(uint32_t ip, uint16_t port, uint8_t proto) {
  return (uint64_t(ip) << 24) | (uint64_t(port) << 8) | proto;
}
inline uint32_t key_ip(uint64_t key) { return uint32_t(key >> 24); }
inline uint16_t key_port(uint64_t key) { return uint16_t(key >> 8); }
inline uint8_t key_proto(uint64_t key) { return uint8_t(key); }

inline ServiceEntry entry_of(const StatusColumns& c, size_t i) {
  return {service_key(c.ip[i], c.port[i], c.proto[i]), c.ts[i], c.reason[i], c.ttl[i], c.known[i], c.status[i]};
}

// Entries of the rows with status open, sorted by key (ip, port, proto); the
// order inside a service is unspecified, and no analysis depends on it.
// Parallel LSD radix sort (OpenMP), stable per pass.
std::vector<ServiceEntry> sort_open_services(const StatusColumns& columns);
// The same on entries (e.g. as received from the exchange): rows that are not
// open are dropped in place; `scratch` is reused as the radix sort's second
// buffer when it is large enough, so no fresh memory is touched.
std::vector<ServiceEntry> sort_open_services(std::vector<ServiceEntry> entries, std::vector<ServiceEntry> scratch = {});

// Every entry, whatever its status, in the order of the repacked observation
// table: by key (ip, port, proto), then ts, status, reason, ttl, known. That
// order is total (equal entries are identical), so the table is the same
// whatever order the rows arrived in.
std::vector<ServiceEntry> sort_observations(std::vector<ServiceEntry> entries, std::vector<ServiceEntry> scratch = {});
// Drops the entries that are not open, keeping the order of the rest.
void keep_open(std::vector<ServiceEntry>& entries);

// Splits [0, n) into at most `parts` ranges whose cuts fall between different
// ips, so threads never share a host.
std::vector<size_t> split_at_hosts(const std::vector<ServiceEntry>& entries, size_t parts);

}  // namespace scanhpc
