#include "scanhpc/dist/exchange.hpp"

#include <algorithm>

#include "scanhpc/dist/alltoallv_rounds.hpp"
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
  uint64_t rounds = 0;
  auto owned = alltoallv_rounds(comm, routed.rows, routed.counts, routed.offsets, round_bytes, &rounds);
  if (stats) *stats = {rounds, routed.rows.size(), owned.size()};
  if (spare) *spare = std::move(routed.rows);  // reusable, e.g. as sort scratch
  return owned;
}

}  // namespace scanhpc::dist
