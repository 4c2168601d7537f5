#pragma once
// LSD radix sort of unsigned integer keys (uint64_t, unsigned __int128), 11-bit digits; the
// digits that every key shares are skipped (the high bits of packed keys narrower than the
// type). Used where std::sort's comparisons dominated: the port tuples (seed 003) and GPS's
// 80- and 96-bit count keys (std::sort of 4 M 128-bit keys was a tenth of gps model).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

namespace scanhpc {

template <class K>
void radix_sort(std::vector<K>& v) {
  constexpr int kBits = 11, kPasses = int((sizeof(K) * 8 + kBits - 1) / kBits);
  constexpr size_t kBuckets = size_t(1) << kBits;
  const size_t n = v.size();
  if (n < 2) return;
  std::vector<uint64_t> count(kPasses * kBuckets, 0);
  for (size_t i = 0; i < n; ++i) {
    const K x = v[i];
    for (int p = 0; p < kPasses; ++p) ++count[size_t(p) * kBuckets + size_t((x >> (p * kBits)) & (kBuckets - 1))];
  }
  std::unique_ptr<K[]> tmp;  // uninitialised: every slot is written
  K* from = v.data();
  K* to = nullptr;
  for (int p = 0; p < kPasses; ++p) {
    uint64_t* c = &count[size_t(p) * kBuckets];
    if (std::find(c, c + kBuckets, uint64_t(n)) != c + kBuckets) continue;  // one digit value: nothing moves
    if (!tmp) {
      tmp.reset(new K[n]);
      to = tmp.get();
    }
    uint64_t offset = 0;
    for (size_t b = 0; b < kBuckets; ++b) offset += std::exchange(c[b], offset);
    for (size_t i = 0; i < n; ++i) to[c[size_t((from[i] >> (p * kBits)) & (kBuckets - 1))]++] = from[i];
    std::swap(from, to);
  }
  if (from != v.data()) std::copy(from, from + n, v.data());
}

}  // namespace scanhpc
