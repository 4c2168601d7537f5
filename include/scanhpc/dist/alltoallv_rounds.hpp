#pragma once
// Collective: fixed-size records, already grouped by destination rank, move
// with MPI_Alltoallv in as many rounds as it takes for no rank to send or
// receive more than `round_bytes` in one. Sender and receiver cut each
// destination block into the same slices (slice_begin), and every count and
// displacement is checked against int. Records arrive grouped by source
// rank, in rank order, and each source's records in the order it sent them,
// whatever the number of rounds: "first record" and tie-breaks downstream
// never depend on the round size.
#include <algorithm>
#include <cstdint>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/core/huge_pages.hpp"
#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/kernels/route.hpp"

namespace scanhpc::dist {

template <class T>
std::vector<T> alltoallv_rounds(const Comm& comm, const std::vector<T>& grouped, const std::vector<uint64_t>& counts,
                                const std::vector<uint64_t>& offsets, uint64_t round_bytes,
                                uint64_t* rounds_out = nullptr, uint64_t direct_limit = uint64_t(INT32_MAX)) {
  static_assert(std::is_trivially_copyable_v<T>);
  const size_t ranks = size_t(comm.size());
  auto recv_counts = comm.alltoall(counts);
  uint64_t send_total = grouped.size(), recv_total = 0;
  for (auto c : recv_counts) recv_total += c;
  {
    const size_t me = size_t(comm.rank());
    note_traffic((send_total - counts[me]) * sizeof(T), (recv_total - recv_counts[me]) * sizeof(T));
  }
  const uint64_t rounds = exchange_rounds(comm.allreduce_max(std::max(send_total, recv_total)), sizeof(T), round_bytes);

  MPI_Datatype type;
  check(MPI_Type_contiguous(int(sizeof(T)), MPI_BYTE, &type), "MPI_Type_contiguous");
  check(MPI_Type_commit(&type), "MPI_Type_commit");
  struct Guard {
    MPI_Datatype* t;
    ~Guard() { MPI_Type_free(t); }
  } guard{&type};

  // Each round sends straight from `grouped` into `received` (each slice at
  // its source's place), so rounds bound what moves at once without a copy;
  // rows arrive grouped by source rank, each source's rows in its order,
  // whatever the number of rounds. Only where the displacements would not
  // fit MPI's int (more than 2^31 - 1 rows; `direct_limit` lowers it in the
  // tests) does a round pack its slices into a send buffer and receive into
  // a round buffer.
  const bool direct = send_total <= direct_limit && recv_total <= direct_limit;
  std::vector<T> received = whole_written_vector<T>(recv_total), packed, round_buf;
  std::vector<uint64_t> recv_offset(ranks, 0);  // where source s's rows start in `received`
  for (size_t d = 1; d < ranks; ++d) recv_offset[d] = recv_offset[d - 1] + recv_counts[d - 1];
  std::vector<int> sc(ranks), sd(ranks), rc(ranks), rd(ranks);
  for (uint64_t k = 0; k < rounds; ++k) {
    packed.clear();
    uint64_t recv_round = 0;
    for (size_t d = 0; d < ranks; ++d) {
      uint64_t b = slice_begin(counts[d], rounds, k), e = slice_begin(counts[d], rounds, k + 1);
      sd[d] = checked_cast<int>(direct ? offsets[d] + b : packed.size());
      sc[d] = checked_cast<int>(e - b);
      if (!direct)
        packed.insert(packed.end(), grouped.begin() + int64_t(offsets[d] + b), grouped.begin() + int64_t(offsets[d] + e));
      uint64_t rb = slice_begin(recv_counts[d], rounds, k), re = slice_begin(recv_counts[d], rounds, k + 1);
      rd[d] = checked_cast<int>(direct ? recv_offset[d] + rb : recv_round);
      rc[d] = checked_cast<int>(re - rb);
      recv_round += re - rb;
    }
    T dummy{};
    if (!direct) round_buf.resize(recv_round);
    const T* send = direct ? (grouped.empty() ? &dummy : grouped.data()) : (packed.empty() ? &dummy : packed.data());
    T* recv = direct ? (received.empty() ? &dummy : received.data()) : (round_buf.empty() ? &dummy : round_buf.data());
    check(MPI_Alltoallv(send, sc.data(), sd.data(), type, recv, rc.data(), rd.data(), type, comm.get()),
          "MPI_Alltoallv");
    if (!direct)
      for (size_t s = 0; s < ranks; ++s) {
        const uint64_t rb = slice_begin(recv_counts[s], rounds, k);
        std::copy(round_buf.begin() + rd[s], round_buf.begin() + rd[s] + rc[s],
                  received.begin() + int64_t(recv_offset[s] + rb));
      }
  }
  if (rounds_out) *rounds_out = rounds;
  return received;
}

// Collective: rows in any order to owner(row), grouped by a stable counting
// sort, then alltoallv_rounds: each source's rows arrive in their order.
template <class T, class Owner>
std::vector<T> send_to_owners(const Comm& comm, const std::vector<T>& rows, Owner owner, uint64_t round_bytes,
                              uint64_t* rounds_out = nullptr) {
  const size_t ranks = size_t(comm.size());
  std::vector<uint64_t> counts(ranks, 0), offsets(ranks, 0);
  std::vector<int> dest(rows.size());
  for (size_t i = 0; i < rows.size(); ++i) {
    dest[i] = owner(rows[i]);
    if (dest[i] < 0 || size_t(dest[i]) >= ranks) throw std::out_of_range("send_to_owners: owner out of range");
    ++counts[size_t(dest[i])];
  }
  for (size_t d = 1; d < ranks; ++d) offsets[d] = offsets[d - 1] + counts[d - 1];
  std::vector<T> grouped = whole_written_vector<T>(rows.size());
  auto cursor = offsets;
  for (size_t i = 0; i < rows.size(); ++i) grouped[cursor[size_t(dest[i])]++] = rows[i];
  return alltoallv_rounds(comm, grouped, counts, offsets, round_bytes, rounds_out);
}

// Collective: the same, consuming `rows`: they are freed once grouped, and
// one rank keeps them as they are (no copy), so the step holds at most the
// grouped rows and what arrives.
template <class T, class Owner>
std::vector<T> send_to_owners(const Comm& comm, std::vector<T>&& rows, Owner owner, uint64_t round_bytes,
                              uint64_t* rounds_out = nullptr) {
  if (comm.size() == 1) {
    for (const auto& r : rows)
      if (owner(r) != 0) throw std::out_of_range("send_to_owners: owner out of range");
    if (rounds_out) *rounds_out = 0;
    return std::move(rows);
  }
  const size_t ranks = size_t(comm.size());
  std::vector<uint64_t> counts(ranks, 0), offsets(ranks, 0);
  std::vector<T> grouped;
  {
    std::vector<int> dest(rows.size());
    for (size_t i = 0; i < rows.size(); ++i) {
      dest[i] = owner(rows[i]);
      if (dest[i] < 0 || size_t(dest[i]) >= ranks) throw std::out_of_range("send_to_owners: owner out of range");
      ++counts[size_t(dest[i])];
    }
    for (size_t d = 1; d < ranks; ++d) offsets[d] = offsets[d - 1] + counts[d - 1];
    grouped = whole_written_vector<T>(rows.size());
    auto cursor = offsets;
    for (size_t i = 0; i < rows.size(); ++i) grouped[cursor[size_t(dest[i])]++] = rows[i];
  }
  std::vector<T>().swap(rows);
  return alltoallv_rounds(comm, grouped, counts, offsets, round_bytes, rounds_out);
}

}  // namespace scanhpc::dist
