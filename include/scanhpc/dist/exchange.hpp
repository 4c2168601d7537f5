#pragma once
// Collective: every status row moves to the rank that owns its address.
#include <cstdint>

#include "scanhpc/core/observations.hpp"
#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/kernels/prefix_partition.hpp"
#include "scanhpc/kernels/services.hpp"

namespace scanhpc::dist {

struct ExchangeStats {
  uint64_t rounds = 0;
  uint64_t rows_sent = 0, rows_received = 0;
};

// Routes `local` (cleared) and exchanges it with MPI_Alltoallv in rounds that
// move at most `round_bytes` per rank; every count and displacement is
// checked against int. Returns the rows this rank owns, as sort entries in
// arrival order. The send buffer, no longer needed, is handed back through
// `spare` for reuse (e.g. as sort scratch) when it is not null.
std::vector<ServiceEntry> exchange_by_owner(const Comm& comm, StatusColumns& local, const PrefixOwnership& ownership,
                                            uint64_t round_bytes, ExchangeStats* stats = nullptr,
                                            std::vector<ServiceEntry>* spare = nullptr);

// Exposed for tests: PrefixOwnership built from every rank's addresses,
// with its histograms summed by MPI_Allreduce.
PrefixOwnership build_ownership(const Comm& comm, const std::vector<uint32_t>& local_ips);

}  // namespace scanhpc::dist
