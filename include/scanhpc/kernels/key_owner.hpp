#pragma once
// The owner rank of a key that is not an address (ports, GPS features and
// plan keys, intervals, destination nets, ASNs): one hash for every
// command, the same on every rank and every run. Address keys (hosts,
// sources) go by the partitioner instead (prefix_partition.hpp), which
// keeps prefixes whole and balances them by a sampled histogram. Outputs
// never depend on which rank owns a key; only the balance does. MPI-free.
#include <cstdint>

#include "scanhpc/core/random.hpp"

namespace scanhpc {

inline constexpr uint64_t kKeyOwnerSeed = 0x6b65792d6f776e72;  // "key-ownr"

inline int key_owner(uint64_t key, int ranks) { return int(hash2(key, kKeyOwnerSeed) % uint64_t(ranks)); }

// A key of two parts, e.g. (port, day) or (p1, feature).
inline int key_owner(uint64_t a, uint64_t b, int ranks) {
  return int(hash2(hash2(a, kKeyOwnerSeed), b) % uint64_t(ranks));
}

}  // namespace scanhpc
