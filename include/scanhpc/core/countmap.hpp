#pragma once
// A countmap (value -> how many times it occurs), as StatsBase.countmap.
// Kept as a sorted vector of pairs so that merges are deterministic and the
// serialised form is just the pairs.
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

namespace scanhpc {

struct CountEntry {
  uint64_t value = 0;
  uint64_t count = 0;
  friend bool operator==(const CountEntry&, const CountEntry&) = default;
};

class CountMap {
 public:
  void add(uint64_t value, uint64_t count = 1) {
    if (value < kDense) {
      if (dense_.empty()) dense_.assign(kDense, 0);
      dense_[value] += count;
    } else {
      pending_[value] += count;
    }
  }
  void merge(const CountMap& other);
  // Sorted by value, zero counts dropped.
  std::vector<CountEntry> entries() const;
  uint64_t total() const;  // sum of counts
  bool empty() const { return total() == 0; }
  // Flat (value, count, value, count, ...) form for transport.
  std::vector<uint64_t> flatten() const;
  static CountMap from_flat(const uint64_t* data, size_t n_words);

 private:
  // Small values (probes, ports per host, most intervals) are counted in an
  // array: a map insertion per service is the hot path otherwise.
  static constexpr uint64_t kDense = 256;
  std::vector<uint64_t> dense_;
  std::map<uint64_t, uint64_t> pending_;
};

}  // namespace scanhpc
