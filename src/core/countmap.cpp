#include "scanhpc/core/countmap.hpp"

#include <stdexcept>

namespace scanhpc {

void CountMap::merge(const CountMap& other) {
  for (const auto& [v, c] : other.pending_) pending_[v] += c;
}

void CountMap::merge_entries(const std::vector<CountEntry>& entries) {
  for (const auto& e : entries) pending_[e.value] += e.count;
}

std::vector<CountEntry> CountMap::entries() const {
  std::vector<CountEntry> out;
  out.reserve(pending_.size());
  for (const auto& [v, c] : pending_)
    if (c) out.push_back({v, c});
  return out;
}

uint64_t CountMap::total() const {
  uint64_t t = 0;
  for (const auto& [v, c] : pending_) t += c;
  return t;
}

std::vector<uint64_t> CountMap::flatten() const {
  std::vector<uint64_t> out;
  out.reserve(2 * pending_.size());
  for (const auto& [v, c] : pending_) {
    out.push_back(v);
    out.push_back(c);
  }
  return out;
}

CountMap CountMap::from_flat(const uint64_t* data, size_t n_words) {
  if (n_words % 2) throw std::invalid_argument("CountMap::from_flat: odd word count");
  CountMap m;
  for (size_t i = 0; i < n_words; i += 2) m.pending_[data[i]] += data[i + 1];
  return m;
}

}  // namespace scanhpc
