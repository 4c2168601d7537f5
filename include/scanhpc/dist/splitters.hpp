#pragma once
// Collective: range ownership of sorted keys by weighted regular sampling
// (as in sample sort). Each rank offers `oversample` x (P - 1) evenly spaced
// keys of its sorted local keys, each weighing the keys from it to the next
// offer; the P - 1 splitters are the weighted quantiles of the sorted union
// of the offers. Rank r owns the keys k with splitters[r - 1] <= k <
// splitters[r]: equal keys always share an owner, and concatenating the
// ranks' keys in rank order gives the global order. Weights make ranks with
// many keys count for as much as they hold, so the ranges balance the rows
// sent to them within about 1 / oversample of a share, unless one key alone
// is that large. The P x oversample x (P - 1) offers are the only gathered
// data (a few MB at 256 ranks).
#include <algorithm>
#include <cstdint>
#include <type_traits>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/dist/record_exchange.hpp"

namespace scanhpc::dist {

template <class Key>
std::vector<Key> regular_splitters(const Comm& comm, const std::vector<Key>& sorted_local, size_t oversample = 4) {
  struct Offer {
    Key key;
    uint64_t weight;
  };
  static_assert(std::is_trivially_copyable_v<Offer>);
  const size_t ranks = size_t(comm.size());
  if (ranks == 1) return {};
  const size_t n = sorted_local.size(), s = std::min(n, oversample * (ranks - 1));
  std::vector<Offer> offer;
  for (size_t i = 0; i < s; ++i) {
    const size_t at = n * i / s, next = n * (i + 1) / s;
    offer.push_back({sorted_local[at], uint64_t(next - at)});
  }
  auto all = allgatherv(comm, offer);
  std::stable_sort(all.begin(), all.end(), [](const Offer& a, const Offer& b) { return a.key < b.key; });
  unsigned __int128 total = 0;
  for (const auto& o : all) total += o.weight;
  std::vector<Key> splitters;
  unsigned __int128 below = 0;  // weight of the offers before all[i]
  size_t i = 0;
  for (size_t j = 1; j < ranks && !all.empty(); ++j) {
    const unsigned __int128 target = total * j / ranks;
    while (i + 1 < all.size() && below + all[i].weight <= target) below += all[i++].weight;
    splitters.push_back(all[i].key);
  }
  return splitters;
}

template <class Key>
int splitter_owner(const std::vector<Key>& splitters, const Key& key) {
  return int(std::upper_bound(splitters.begin(), splitters.end(), key) - splitters.begin());
}

}  // namespace scanhpc::dist
