#include "scanhpc/dist/deal.hpp"

#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/kernels/banner_codec.hpp"
#include "scanhpc/kernels/route.hpp"

namespace scanhpc::dist {

size_t dealt_to(uint64_t i, uint64_t n, size_t ranks) {
  // The largest r with slice_begin(n, ranks, r) <= i: r = ceil((i + 1) * ranks / n) - 1.
  const unsigned __int128 num = (unsigned __int128)(i + 1) * ranks;
  return size_t((num + n - 1) / n) - 1;
}

void deal_evenly(const Comm& comm, StatusColumns& batch, BannerColumns& banner_batch, StatusColumns& status,
                 BannerColumns& banners, uint64_t round_bytes, uint64_t* rounds) {
  const size_t ranks = size_t(comm.size());
  const uint64_t n = batch.size();
  std::vector<StatusRow> rows(n);
  for (uint64_t i = 0; i < n; ++i) rows[i] = batch.row(i);
  batch = StatusColumns{};
  std::vector<uint64_t> counts(ranks), offsets(ranks);
  for (size_t r = 0; r < ranks; ++r) {
    offsets[r] = slice_begin(n, ranks, r);
    counts[r] = slice_begin(n, ranks, r + 1) - offsets[r];
  }
  uint64_t status_rounds = 0, banner_rounds = 0;
  {
    auto received = alltoallv_rounds(comm, rows, counts, offsets, round_bytes, &status_rounds);
    rows = {};
    for (const auto& r : received) status.push_back(r);
  }
  const uint64_t nb = banner_batch.size();
  if (comm.allreduce_max(nb) > 0) {
    PackedBanners packed = pack_banners_to(banner_batch, ranks, [&](size_t i) { return dealt_to(i, nb, ranks); });
    std::string bytes = exchange_records(comm, packed.per_rank, banner_record_size, round_bytes, &banner_rounds);
    packed = PackedBanners{};
    unpack_banners(bytes.data(), bytes.size(), banners);
  }
  if (rounds) *rounds += status_rounds + banner_rounds;
}

}  // namespace scanhpc::dist
