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

#include "scanhpc/core/sort_runs.hpp"
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
  auto received = send_to_owners(comm, std::move(local), [&](const Entry& e) { return owner(e.key); }, round_bytes);
  // Sum equal keys; the result is sorted, so it does not depend on arrival order.
  // Tables that were sorted where they were sent arrive as one run per rank.
  sort_runs(received, [](const Entry& a, const Entry& b) { return a.key < b.key; }, 4 * size_t(comm.size()));
  // Summed in place: the result needs no second buffer.
  size_t n = 0;
  for (size_t i = 0; i < received.size(); ++i) {
    if (n > 0 && !(received[n - 1].key < received[i].key)) received[n - 1].count += received[i].count;
    else received[n++] = received[i];
  }
  received.resize(n);
  if (n < received.capacity() / 4 * 3) received.shrink_to_fit();  // a copy only where it frees much
  return received;
}

}  // namespace scanhpc::dist
