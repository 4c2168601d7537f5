#include "scanhpc/core/countmap.hpp"

#include <stdexcept>

namespace scanhpc {

void CountMap::merge(const CountMap& other) {
  for (uint64_t v = 0; v < other.dense_.size(); ++v)
    if (other.dense_[v]) add(v, other.dense_[v]);
  for (const auto& [v, c] : other.pending_) add(v, c);
}

std::vector<CountEntry> CountMap::entries() const {
  std::vector<CountEntry> out;
  for (uint64_t v = 0; v < dense_.size(); ++v)
    if (dense_[v]) out.push_back({v, dense_[v]});
  for (const auto& [v, c] : pending_)
    if (c) out.push_back({v, c});  // dense values are < kDense <= every key here
  return out;
}

uint64_t CountMap::total() const {
  uint64_t t = 0;
  for (auto c : dense_) t += c;
  for (const auto& [v, c] : pending_) t += c;
  return t;
}

std::vector<uint64_t> CountMap::flatten() const {
  std::vector<uint64_t> out;
  for (const auto& e : entries()) {
    out.push_back(e.value);
    out.push_back(e.count);
  }
  return out;
}

CountMap CountMap::from_flat(const uint64_t* data, size_t n_words) {
  if (n_words % 2) throw std::invalid_argument("CountMap::from_flat: odd word count");
  CountMap m;
  for (size_t i = 0; i < n_words; i += 2) m.add(data[i], data[i + 1]);
  return m;
}

}  // namespace scanhpc
