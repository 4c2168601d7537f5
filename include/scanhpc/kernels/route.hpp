#pragma once
// Routing of status rows to their owner rank, and the slicing of an exchange
// into rounds of bounded size. MPI-free so that both can be tested at any
// simulated rank count.
#include <cstdint>
#include <vector>

#include "scanhpc/core/observations.hpp"
#include "scanhpc/kernels/prefix_partition.hpp"
#include "scanhpc/kernels/services.hpp"

namespace scanhpc {

struct RoutedRows {
  std::vector<ServiceEntry> rows;  // grouped by destination rank
  std::vector<uint64_t> counts;    // rows per destination
  std::vector<uint64_t> offsets;   // first row of each destination
};

// Counting sort of `columns` by owner rank (OpenMP over rows). Clears
// `columns` as it goes to keep only one copy of the data alive.
RoutedRows route_by_owner(StatusColumns& columns, const PrefixOwnership& ownership);

// Round k of `rounds` carries rows [slice_begin(n,k), slice_begin(n,k+1)) of
// a block of n rows. Sender and receiver compute the same slices.
inline uint64_t slice_begin(uint64_t n, uint64_t rounds, uint64_t k) {
  return uint64_t((unsigned __int128)n * k / rounds);
}

// Rounds needed so that no rank sends or receives more than round_bytes per
// round, given the largest per-rank send or receive volume in rows.
uint64_t exchange_rounds(uint64_t max_rows_any_rank, uint64_t row_bytes, uint64_t round_bytes);

}  // namespace scanhpc
