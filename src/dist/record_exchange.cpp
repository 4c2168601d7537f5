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
  // Each round's pieces go by point-to-point messages straight from
  // per_rank into `received` (no round buffers: what a rank holds is what it
  // sends plus what it receives). Rounds are separated by the MPI_Alltoall
  // of their sizes and every message completes within its round, so pieces
  // of different rounds never meet.
  std::string received(total_from[0], '\0');
  const size_t me = size_t(comm.rank());
  std::vector<MPI_Request> requests;
  requests.reserve(2 * ranks);
  uint64_t rounds = 0;
  for (;;) {
    uint64_t left = 0;
    for (size_t d = 0; d < ranks; ++d) left += per_rank[d].size() - sent[d];
    if (comm.allreduce_max(left) == 0) break;
    ++rounds;
    for (size_t d = 0; d < ranks; ++d) send_bytes[d] = whole_records_prefix(per_rank[d], sent[d], share, record_size);
    const auto recv_bytes = comm.alltoall(send_bytes);
    for (size_t s = 0; s < ranks; ++s)  // checked before any message is posted
      if (at[s] + recv_bytes[s] > received.size()) throw std::runtime_error("exchange_records: more bytes than announced");
    if (send_bytes[me] != recv_bytes[me]) throw std::logic_error("exchange_records: self piece sizes disagree");
    requests.clear();
    for (size_t s = 0; s < ranks; ++s) {
      if (s == me || recv_bytes[s] == 0) continue;
      requests.emplace_back();
      check(MPI_Irecv(received.data() + at[s], checked_cast<int>(recv_bytes[s]), MPI_CHAR, int(s), 0, comm.get(),
                      &requests.back()),
            "MPI_Irecv(records)");
    }
    for (size_t d = 0; d < ranks; ++d) {
      if (d == me || send_bytes[d] == 0) continue;
      requests.emplace_back();
      check(MPI_Isend(per_rank[d].data() + sent[d], checked_cast<int>(send_bytes[d]), MPI_CHAR, int(d), 0,
                      comm.get(), &requests.back()),
            "MPI_Isend(records)");
    }
    std::memcpy(received.data() + at[me], per_rank[me].data() + sent[me], send_bytes[me]);
    check(MPI_Waitall(int(requests.size()), requests.data(), MPI_STATUSES_IGNORE), "MPI_Waitall(records)");
    for (size_t s = 0; s < ranks; ++s) at[s] += recv_bytes[s];
    for (size_t d = 0; d < ranks; ++d) sent[d] += send_bytes[d];
  }
  if (rounds_out) *rounds_out = rounds;
  return received;
}

}  // namespace scanhpc::dist
