#pragma once
// Transparent huge pages for buffers that are written whole (exchange
// buffers): on the VMs we measured, first-touch page faults of 4 KiB pages
// ran at about 350 MB/s, and 2 MiB pages cut them 512-fold. A buffer that is
// reserved but only partly written is better left alone: a huge page makes
// its untouched tail resident (commands/huge_pages.cpp hints only
// allocations of 8 MiB or more for that reason).
#include <cstddef>
#include <vector>

namespace scanhpc {

// Asks for huge pages on the 2 MiB-aligned interior of [p, p + bytes); a hint only.
void advise_huge_pages(void* p, size_t bytes);

// A vector of n value-initialised elements whose pages are huge where the
// kernel can: the hint comes before the first touch.
template <class T>
std::vector<T> whole_written_vector(size_t n) {
  std::vector<T> v;
  v.reserve(n);
  if (n) advise_huge_pages(v.data(), n * sizeof(T));
  v.resize(n);
  return v;
}

}  // namespace scanhpc
