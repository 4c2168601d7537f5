#include "scanhpc/dist/banner_exchange.hpp"

#include <algorithm>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/kernels/banner_codec.hpp"

namespace scanhpc::dist {

BannerColumns exchange_banners_by_owner(const Comm& comm, BannerColumns& local, const PrefixOwnership& ownership,
                                        uint64_t round_bytes, uint64_t* rounds_out) {
  const size_t ranks = size_t(comm.size());
  PackedBanners packed = pack_banners_by_owner(local, ownership);
  BannerColumns owned;
  // Each destination gets an equal share of a round; records are never cut,
  // so the receiver learns each round's sizes from an MPI_Alltoall first.
  const uint64_t share = std::max<uint64_t>(1, round_bytes / ranks);
  std::vector<size_t> sent(ranks, 0);
  std::vector<uint64_t> send_bytes(ranks);
  std::vector<int> scount(ranks), sdispl(ranks), rcount(ranks), rdispl(ranks);
  std::string send_buf, recv_buf;
  uint64_t rounds = 0;
  for (;;) {
    uint64_t left = 0;
    for (size_t d = 0; d < ranks; ++d) left += packed.per_rank[d].size() - sent[d];
    if (comm.allreduce_max(left) == 0) break;
    ++rounds;
    send_buf.clear();
    for (size_t d = 0; d < ranks; ++d) {
      size_t n = whole_records_prefix(packed.per_rank[d], sent[d], share);
      sdispl[d] = checked_cast<int>(send_buf.size());
      scount[d] = checked_cast<int>(n);
      send_bytes[d] = n;
      send_buf.append(packed.per_rank[d], sent[d], n);
      sent[d] += n;
    }
    auto recv_bytes = comm.alltoall(send_bytes);
    uint64_t total = 0;
    for (size_t s = 0; s < ranks; ++s) {
      rdispl[s] = checked_cast<int>(total);
      rcount[s] = checked_cast<int>(recv_bytes[s]);
      total += recv_bytes[s];
    }
    checked_cast<int>(total);
    recv_buf.resize(std::max<uint64_t>(total, 1));
    send_buf.resize(std::max<size_t>(send_buf.size(), 1));  // never pass a null buffer
    check(MPI_Alltoallv(send_buf.data(), scount.data(), sdispl.data(), MPI_CHAR, recv_buf.data(), rcount.data(),
                        rdispl.data(), MPI_CHAR, comm.get()),
          "MPI_Alltoallv(banners)");
    unpack_banners(recv_buf.data(), total, owned);
  }
  if (rounds_out) *rounds_out = rounds;
  return owned;
}

}  // namespace scanhpc::dist
