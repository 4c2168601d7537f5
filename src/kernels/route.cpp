#include "scanhpc/kernels/route.hpp"

#include <omp.h>

#include <algorithm>
#include <stdexcept>

namespace scanhpc {

RoutedRows route_by_owner(StatusColumns& c, const PrefixOwnership& ownership) {
  const size_t n = c.size(), ranks = size_t(ownership.ranks());
  std::vector<uint16_t> dest(n);
  int threads = omp_get_max_threads();
  std::vector<std::vector<uint64_t>> per_thread(size_t(threads), std::vector<uint64_t>(ranks, 0));
  RoutedRows out;
  out.counts.assign(ranks, 0);
  out.offsets.assign(ranks, 0);
  out.rows.resize(n);
#pragma omp parallel num_threads(threads)
  {
    const size_t t = size_t(omp_get_thread_num()), nt = size_t(omp_get_num_threads());
    const size_t lo = n * t / nt, hi = n * (t + 1) / nt;
    auto& count = per_thread[t];
    for (size_t i = lo; i < hi; ++i) {
      int d = ownership.owner(c.ip[i]);
      dest[i] = uint16_t(d);
      ++count[size_t(d)];
    }
#pragma omp barrier
#pragma omp single
    {
      // Thread t writes its rows for rank d after threads < t: a stable order.
      uint64_t at = 0;
      for (size_t d = 0; d < ranks; ++d) {
        out.offsets[d] = at;
        for (size_t u = 0; u < nt; ++u) {
          uint64_t cnt = per_thread[u][d];
          per_thread[u][d] = at;
          at += cnt;
        }
        out.counts[d] = at - out.offsets[d];
      }
    }
    auto& cursor = per_thread[t];
    for (size_t i = lo; i < hi; ++i) out.rows[cursor[dest[i]]++] = entry_of(c, i);
  }
  c.clear();
  c.shrink_to_fit();
  return out;
}

uint64_t exchange_rounds(uint64_t max_rows_any_rank, uint64_t row_bytes, uint64_t round_bytes) {
  if (row_bytes == 0 || round_bytes < row_bytes) throw std::invalid_argument("exchange_rounds: round smaller than a row");
  uint64_t rows_per_round = round_bytes / row_bytes;
  return std::max<uint64_t>(1, (max_rows_any_rank + rows_per_round - 1) / rows_per_round);
}

}  // namespace scanhpc
