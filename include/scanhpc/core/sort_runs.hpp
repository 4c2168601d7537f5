#pragma once
// Sorting what is already nearly sorted: an order-keeping exchange of sorted
// tables delivers one sorted run per source rank, and merging those runs
// costs n log(runs) against std::sort's n log n on data that has left the
// cache. Anything with more runs than `max_runs` is sorted as usual.
#include <algorithm>
#include <cstddef>
#include <vector>

namespace scanhpc {

template <class T, class Less>
void sort_runs(std::vector<T>& v, Less less, size_t max_runs) {
  std::vector<size_t> starts{0};
  for (size_t i = 1; i < v.size(); ++i)
    if (less(v[i], v[i - 1])) {
      starts.push_back(i);
      if (starts.size() > max_runs) {
        std::sort(v.begin(), v.end(), less);
        return;
      }
    }
  starts.push_back(v.size());
  // Neighbouring runs merged pairwise, level by level.
  while (starts.size() > 2) {
    const size_t runs = starts.size() - 1;
    std::vector<size_t> next{0};
    for (size_t r = 0; r + 2 <= runs; r += 2) {
      std::inplace_merge(v.begin() + std::ptrdiff_t(starts[r]), v.begin() + std::ptrdiff_t(starts[r + 1]),
                         v.begin() + std::ptrdiff_t(starts[r + 2]), less);
      next.push_back(starts[r + 2]);
    }
    if (runs % 2 == 1) next.push_back(starts[runs]);  // the odd last run waits a level
    starts.swap(next);
  }
}

}  // namespace scanhpc
