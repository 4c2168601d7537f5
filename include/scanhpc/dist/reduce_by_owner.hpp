#pragma once
// Collective: sparse (key, count) tables summed by key owner. Each rank sends
// every entry to owner(key) with MPI_Alltoallv in rounds of bounded bytes, and
// returns the summed entries it owns, sorted by key. The whole table is never
// gathered on one rank. Keys must be trivially copyable and totally ordered.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <type_traits>
#include <utility>
#include <vector>

#include "scanhpc/dist/alltoallv_rounds.hpp"

namespace scanhpc::dist {

template <class Key>
struct KeyCount {
  Key key;
  uint64_t count;
};

template <class Key>
std::vector<KeyCount<Key>> reduce_by_owner(const Comm& comm, std::vector<KeyCount<Key>> local,
                                           const std::function<int(const Key&)>& owner, uint64_t round_bytes) {
  static_assert(std::is_trivially_copyable_v<KeyCount<Key>>);
  using Entry = KeyCount<Key>;
  auto received = send_to_owners(comm, local, [&](const Entry& e) { return owner(e.key); }, round_bytes);
  std::vector<Entry>().swap(local);
  // Sum equal keys; the result is sorted, so it does not depend on arrival order.
  std::sort(received.begin(), received.end(), [](const Entry& a, const Entry& b) { return a.key < b.key; });
  std::vector<Entry> out;
  for (const auto& e : received) {
    if (!out.empty() && !(out.back().key < e.key)) out.back().count += e.count;
    else out.push_back(e);
  }
  return out;
}

}  // namespace scanhpc::dist
