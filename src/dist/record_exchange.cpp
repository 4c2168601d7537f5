#include "scanhpc/dist/record_exchange.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

#include "scanhpc/kernels/banner_codec.hpp"

namespace scanhpc::dist {
std::string exchange_records(const Comm& comm, const std::vector<std::string>& per_rank,
                             const std::function<size_t(const char*)>& record_size, uint64_t round_bytes,
                             uint64_t* rounds_out) {
  const size_t ranks = size_t(comm.size());
  // Each destination gets an equal share of a round; records are never cut,
  // so the receiver learns each round's sizes from an MPI_Alltoall first.
  const uint64_t share = std::max<uint64_t>(1, round_bytes / ranks);
  std::vector<size_t> sent(ranks, 0);
  std::vector<uint64_t> send_bytes(ranks);
  std::vector<int> sc(ranks), sd(ranks), rc(ranks), rd(ranks);
  // Every source's bytes land at that source's place in `received`, so
  // records arrive in source-rank order and each source's in its order,
  // whatever the number of rounds.
  std::vector<uint64_t> total_from(ranks), at(ranks, 0);
  {
    std::vector<uint64_t> total_to(ranks);
    for (size_t d = 0; d < ranks; ++d) total_to[d] = per_rank[d].size();
    total_from = comm.alltoall(total_to);
    const size_t me = size_t(comm.rank());
    uint64_t to_others = 0, from_others = 0;
    for (size_t r = 0; r < ranks; ++r)
      if (r != me) to_others += total_to[r], from_others += total_from[r];
    note_traffic(to_others, from_others);
    uint64_t sum = 0;
    for (size_t s = 0; s < ranks; ++s) {
      at[s] = sum;
      sum += total_from[s];
    }
    total_from.assign(1, sum);
  }
  std::string send_buf, recv_buf, received(total_from[0], '\0');
  uint64_t rounds = 0;
  for (;;) {
    uint64_t left = 0;
    for (size_t d = 0; d < ranks; ++d) left += per_rank[d].size() - sent[d];
    if (comm.allreduce_max(left) == 0) break;
    ++rounds;
    send_buf.clear();
    for (size_t d = 0; d < ranks; ++d) {
      size_t n = whole_records_prefix(per_rank[d], sent[d], share, record_size);
      sd[d] = checked_cast<int>(send_buf.size());
      sc[d] = checked_cast<int>(n);
      send_bytes[d] = n;
      send_buf.append(per_rank[d], sent[d], n);
      sent[d] += n;
    }
    auto recv_bytes = comm.alltoall(send_bytes);
    uint64_t total = 0;
    for (size_t s = 0; s < ranks; ++s) {
      rd[s] = checked_cast<int>(total);
      rc[s] = checked_cast<int>(recv_bytes[s]);
      total += recv_bytes[s];
    }
    checked_cast<int>(total);
    recv_buf.resize(std::max<uint64_t>(total, 1));
    send_buf.resize(std::max<size_t>(send_buf.size(), 1));  // never pass a null buffer
    check(MPI_Alltoallv(send_buf.data(), sc.data(), sd.data(), MPI_CHAR, recv_buf.data(), rc.data(), rd.data(),
                        MPI_CHAR, comm.get()),
          "MPI_Alltoallv(records)");
    for (size_t s = 0; s < ranks; ++s) {
      if (at[s] + recv_bytes[s] > received.size()) throw std::runtime_error("exchange_records: more bytes than announced");
      std::memcpy(received.data() + at[s], recv_buf.data() + rd[s], recv_bytes[s]);
      at[s] += recv_bytes[s];
    }
  }
  if (rounds_out) *rounds_out = rounds;
  return received;
}

}  // namespace scanhpc::dist
