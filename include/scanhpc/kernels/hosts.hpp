#pragma once
// Seed 001: per-host aggregates over open observations. MPI-free.
#include <cstdint>
#include <vector>

#include "scanhpc/core/countmap.hpp"
#include "scanhpc/core/observations.hpp"
#include "scanhpc/kernels/services.hpp"

namespace scanhpc {

struct HostRow {
  uint32_t ip = 0;
  uint32_t records = 0;
  uint32_t ports = 0;       // distinct (proto, port)
  uint8_t ttl_min = 0, ttl_max = 0;
  uint32_t reasons = 0;     // distinct known reason codes
  uint32_t first_seen = 0, last_seen = 0;
  uint8_t known = 0;        // KnownBits: which of ts / reason / ttl are real
  friend bool operator==(const HostRow&, const HostRow&) = default;
};

// The host table as columns, ready to be written without another copy.
struct HostColumns {
  std::vector<uint32_t> ip, records, ports, reasons, first_seen, last_seen;
  std::vector<uint8_t> ttl_min, ttl_max, known;
  size_t size() const { return ip.size(); }
  void reserve(size_t n);
  void push_back(const HostRow& h);
  HostRow row(size_t i) const;
  void append(const HostColumns& other);
};

struct HostsPartial {
  HostColumns table;  // sorted by ip
  CountMap ports_per_host;
};

HostsPartial local_hosts(const std::vector<ServiceEntry>& sorted);

}  // namespace scanhpc
