#pragma once
// Collective exchanges of records that are not fixed-size rows.
#include <cstdint>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/dist/mpi.hpp"

namespace scanhpc::dist {

// Variable-length records, already encoded and grouped per destination rank,
// move in rounds of whole records of at most round_bytes per rank (a record
// larger than a round's share moves alone). `record_size(p)` is the size of
// the record starting at p. Returns this rank's received bytes, whole records
// grouped by source rank in rank order, each source's in the order it sent
// them, whatever the number of rounds.
std::string exchange_records(const Comm& comm, const std::vector<std::string>& per_rank,
                             const std::function<size_t(const char*)>& record_size, uint64_t round_bytes,
                             uint64_t* rounds = nullptr);

// Every rank's vector, concatenated in rank order, on every rank.
template <class T>
std::vector<T> allgatherv(const Comm& comm, const std::vector<T>& local) {
  static_assert(std::is_trivially_copyable_v<T>);
  auto counts = comm.allgather(uint64_t(local.size()) * sizeof(T));
  std::vector<int> c(counts.size()), d(counts.size());
  uint64_t total = 0;
  for (size_t r = 0; r < counts.size(); ++r) {
    c[r] = checked_cast<int>(counts[r]);
    d[r] = checked_cast<int>(total);
    total += counts[r];
  }
  std::vector<T> out(total / sizeof(T));
  T dummy{};
  check(MPI_Allgatherv(local.empty() ? &dummy : local.data(), c[size_t(comm.rank())], MPI_BYTE,
                       out.empty() ? &dummy : out.data(), c.data(), d.data(), MPI_BYTE, comm.get()),
        "MPI_Allgatherv");
  return out;
}

}  // namespace scanhpc::dist
