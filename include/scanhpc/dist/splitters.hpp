#pragma once
// Collective: range ownership of sorted keys by regular sampling (as in
// sample sort). Each rank offers P - 1 evenly spaced keys of its sorted
// local keys; the P - 1 splitters are evenly spaced in the sorted union of
// the offers. Rank r owns the keys k with splitters[r - 1] <= k <
// splitters[r]: equal keys always share an owner, and concatenating the
// ranks' keys in rank order gives the global order. With n keys in all, no
// rank owns much more than n / P + n / P^2 distinct keys' rows unless one
// key alone is that large. The P (P - 1) offers are the only gathered data.
#include <algorithm>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/dist/record_exchange.hpp"

namespace scanhpc::dist {

template <class Key>
std::vector<Key> regular_splitters(const Comm& comm, const std::vector<Key>& sorted_local) {
  const size_t ranks = size_t(comm.size());
  std::vector<Key> offer;
  for (size_t i = 1; i < ranks && !sorted_local.empty(); ++i) offer.push_back(sorted_local[sorted_local.size() * i / ranks]);
  auto all = allgatherv(comm, offer);
  std::sort(all.begin(), all.end());
  std::vector<Key> splitters;
  for (size_t i = 1; i < ranks && !all.empty(); ++i) splitters.push_back(all[all.size() * i / ranks]);
  return splitters;
}

template <class Key>
int splitter_owner(const std::vector<Key>& splitters, const Key& key) {
  return int(std::upper_bound(splitters.begin(), splitters.end(), key) - splitters.begin());
}

}  // namespace scanhpc::dist
