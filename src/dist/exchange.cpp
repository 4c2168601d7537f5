#include "scanhpc/dist/exchange.hpp"

#include <algorithm>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/kernels/route.hpp"

namespace scanhpc::dist {

PrefixOwnership build_ownership(const Comm& comm, const std::vector<uint32_t>& local_ips) {
  return scanhpc::build_ownership(local_ips, comm.size(),
                                  [&](std::vector<uint64_t>& h) { comm.allreduce_sum_inplace(h); });
}

std::vector<ServiceEntry> exchange_by_owner(const Comm& comm, StatusColumns& local, const PrefixOwnership& ownership,
                                            uint64_t round_bytes, ExchangeStats* stats,
                                            std::vector<ServiceEntry>* spare) {
  const size_t ranks = size_t(comm.size());
  RoutedRows routed = route_by_owner(local, ownership);
  if (ranks == 1) {  // nothing to move: the routed rows are this rank's rows
    if (stats) *stats = {0, routed.rows.size(), routed.rows.size()};
    return std::move(routed.rows);
  }
  std::vector<uint64_t> recv_counts = comm.alltoall(routed.counts);
  uint64_t send_total = routed.rows.size(), recv_total = 0;
  for (auto c : recv_counts) recv_total += c;
  uint64_t rounds = exchange_rounds(comm.allreduce_max(std::max(send_total, recv_total)), sizeof(ServiceEntry),
                                    round_bytes);

  MPI_Datatype row_type;
  check(MPI_Type_contiguous(int(sizeof(ServiceEntry)), MPI_BYTE, &row_type), "MPI_Type_contiguous");
  check(MPI_Type_commit(&row_type), "MPI_Type_commit");
  struct TypeGuard {
    MPI_Datatype* t;
    ~TypeGuard() { MPI_Type_free(t); }
  } guard{&row_type};

  // Each round's slices are packed into their own buffer, so every count and
  // displacement is bounded by the round size however large the exchange.
  std::vector<ServiceEntry> send_buf, owned(recv_total);
  uint64_t owned_at = 0;
  std::vector<int> scount(ranks), sdispl(ranks), rcount(ranks), rdispl(ranks);
  // A single round (the common case) sends straight from the routed rows.
  const bool direct = rounds == 1;
  for (uint64_t k = 0; k < rounds; ++k) {
    send_buf.clear();
    uint64_t recv_at = 0, packed = 0;
    for (size_t d = 0; d < ranks; ++d) {
      uint64_t b = slice_begin(routed.counts[d], rounds, k), e = slice_begin(routed.counts[d], rounds, k + 1);
      sdispl[d] = checked_cast<int>(direct ? routed.offsets[d] : packed);
      scount[d] = checked_cast<int>(e - b);
      packed += e - b;
      if (!direct)
        send_buf.insert(send_buf.end(), routed.rows.begin() + int64_t(routed.offsets[d] + b),
                        routed.rows.begin() + int64_t(routed.offsets[d] + e));
      uint64_t rb = slice_begin(recv_counts[d], rounds, k), re = slice_begin(recv_counts[d], rounds, k + 1);
      rdispl[d] = checked_cast<int>(recv_at);
      rcount[d] = checked_cast<int>(re - rb);
      recv_at += re - rb;
    }
    checked_cast<int>(packed);
    checked_cast<int>(recv_at);
    if (!direct || routed.rows.empty()) send_buf.resize(std::max<size_t>(send_buf.size(), 1));  // never null
    const ServiceEntry* send = direct && !routed.rows.empty() ? routed.rows.data() : send_buf.data();
    // Received straight into place: round k's rows follow round k-1's.
    ServiceEntry dummy;
    ServiceEntry* recv = owned.empty() ? &dummy : owned.data() + owned_at;
    check(MPI_Alltoallv(send, scount.data(), sdispl.data(), row_type, recv, rcount.data(), rdispl.data(), row_type,
                        comm.get()),
          "MPI_Alltoallv(status rows)");
    owned_at += recv_at;
  }
  if (spare) *spare = std::move(routed.rows);
  routed = RoutedRows{};
  if (stats) *stats = {rounds, send_total, recv_total};
  return owned;
}

}  // namespace scanhpc::dist
