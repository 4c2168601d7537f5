#pragma once
// Collective: every banner record moves to the rank owning its address, in
// rounds of whole records of at most `round_bytes` per rank (a single record
// larger than a round's share still moves, alone).
#include <cstdint>

#include "scanhpc/core/observations.hpp"
#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/kernels/prefix_partition.hpp"

namespace scanhpc::dist {

BannerColumns exchange_banners_by_owner(const Comm& comm, BannerColumns& local, const PrefixOwnership& ownership,
                                        uint64_t round_bytes, uint64_t* rounds = nullptr);

}  // namespace scanhpc::dist
