#pragma once
// Collective: output-sized results (a top n, a few candidates per group)
// merged up a binomial tree to rank 0, so that no rank receives P copies:
// rank 0 receives log2(P) messages, each no larger than the result. `merge`
// takes the lower ranks' part and the higher ranks' part and returns their
// merged result; it must keep the result's size bounded (e.g. keep the top
// n) and its answer must not depend on how the parts were grouped.
// Returns the merged result on rank 0, and an empty vector elsewhere.
#include <type_traits>
#include <vector>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/dist/mpi.hpp"

namespace scanhpc::dist {

template <class T, class Merge>
std::vector<T> tree_reduce_to_root(const Comm& comm, std::vector<T> local, Merge merge) {
  static_assert(std::is_trivially_copyable_v<T>);
  const int rank = comm.rank(), ranks = comm.size();
  for (int step = 1; step < ranks; step *= 2) {
    if (rank % (2 * step) == step) {  // hand on to the partner below, and stop
      check(MPI_Send(local.data(), checked_cast<int>(local.size() * sizeof(T)), MPI_BYTE, rank - step, 0x7e3,
                     comm.get()),
            "MPI_Send(tree_reduce)");
      return {};
    }
    if (rank % (2 * step) == 0 && rank + step < ranks) {
      MPI_Status status;
      check(MPI_Probe(rank + step, 0x7e3, comm.get(), &status), "MPI_Probe(tree_reduce)");
      int bytes = 0;
      check(MPI_Get_count(&status, MPI_BYTE, &bytes), "MPI_Get_count(tree_reduce)");
      std::vector<T> other(size_t(bytes) / sizeof(T));
      check(MPI_Recv(other.data(), bytes, MPI_BYTE, rank + step, 0x7e3, comm.get(), MPI_STATUS_IGNORE),
            "MPI_Recv(tree_reduce)");
      local = merge(std::move(local), std::move(other));
    }
  }
  return local;
}

}  // namespace scanhpc::dist
