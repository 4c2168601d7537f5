#pragma once
// Seed 000: why is the same (ip, port) probed more than once? Countmaps of
// probes and distinct reasons per service and of the intervals between
// consecutive probes. Only integer partials, so merges are exact. MPI-free.
#include <cstdint>
#include <vector>

#include "scanhpc/core/countmap.hpp"
#include "scanhpc/core/observations.hpp"
#include "scanhpc/kernels/services.hpp"

namespace scanhpc {

struct MultiprobePartial {
  CountMap probes_per_service;   // probes -> services
  CountMap reasons_per_service;  // distinct known reasons -> services (0: format carries none)
  CountMap intervals;            // seconds -> count
  uint64_t services = 0, probes = 0, duplicates = 0;

  void merge(const MultiprobePartial& other);
  std::vector<uint64_t> serialize() const;  // for transport between ranks
  static MultiprobePartial deserialize(const uint64_t* words, size_t n);
};

MultiprobePartial local_multiprobe(const std::vector<ServiceEntry>& sorted);

}  // namespace scanhpc
