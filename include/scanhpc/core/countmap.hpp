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
  void add(uint64_t value, uint64_t count = 1) { pending_[value] += count; }
  void merge(const CountMap& other);
  void merge_entries(const std::vector<CountEntry>& entries);
  // Sorted by value, zero counts dropped.
  std::vector<CountEntry> entries() const;
  uint64_t total() const;  // sum of counts
  bool empty() const { return pending_.empty(); }
  // Flat (value, count, value, count, ...) form for transport.
  std::vector<uint64_t> flatten() const;
  static CountMap from_flat(const uint64_t* data, size_t n_words);

 private:
  std::map<uint64_t, uint64_t> pending_;
};

}  // namespace scanhpc
