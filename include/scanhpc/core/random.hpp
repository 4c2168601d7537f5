#pragma once
// Deterministic integer randomness shared by the synthetic generators and
// the GPS seed sampler: the same bits on every machine and compiler (no
// std:: distributions, whose output is implementation-defined).
#include <cstdint>

namespace scanhpc {

// splitmix64's finaliser: a strong 64-bit mixer, used as a keyed hash.
inline uint64_t mix64(uint64_t z) {
  z += 0x9e3779b97f4a7c15ULL;
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}
inline uint64_t hash2(uint64_t key, uint64_t x) { return mix64(key ^ mix64(x)); }

// Uniform in [0, n) from 64 random bits by multiply-high (Lemire).
inline uint64_t below(uint64_t u, uint64_t n) { return uint64_t(((unsigned __int128)u * n) >> 64); }

// splitmix64 as a stream.
struct SplitMix64 {
  uint64_t state;
  uint64_t next() { return mix64(state++ * 0x9e3779b97f4a7c15ULL); }
  uint64_t below(uint64_t n) { return scanhpc::below(next(), n); }  // [0, n)
  bool percent(uint32_t p) { return below(100) < p; }
};

}  // namespace scanhpc
