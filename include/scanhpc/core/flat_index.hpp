#pragma once
// Position of each of n keys in the list they came from, in an open-addressing
// table (linear probing, at most half full, keys stored in the slots): about
// one cache miss per lookup, for lookups by the million in tables built once,
// where std::unordered_map chases a node per key. MPI-free.
#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <vector>

namespace scanhpc {

// Hash(key) -> uint64_t; the table mixes it and takes the top bits.
template <class Key, class Hash>
class FlatIndex {
 public:
  static constexpr size_t npos = size_t(-1);
  FlatIndex(const std::vector<Key>& keys, Hash hash) : hash_(hash) {
    if (keys.size() >= kEmpty) throw std::length_error("FlatIndex: too many keys");
    size_t n = 16;
    while (n < 2 * keys.size()) n *= 2;
    for (size_t m = n; m > 1; m >>= 1) --shift_;
    slots_.assign(n, Slot{});
    for (size_t k = 0; k < keys.size(); ++k) {
      size_t i = home(keys[k]);
      while (slots_[i].pos != kEmpty && !(slots_[i].key == keys[k])) i = (i + 1) & (n - 1);
      slots_[i] = Slot{keys[k], uint32_t(k)};  // a repeated key keeps its last position
    }
  }
  // The position of `key` in the keys given, or npos.
  size_t find(const Key& key) const {
    for (size_t i = home(key);; i = (i + 1) & (slots_.size() - 1)) {
      if (slots_[i].pos == kEmpty) return npos;
      if (slots_[i].key == key) return slots_[i].pos;
    }
  }
  bool contains(const Key& key) const { return find(key) != npos; }

 private:
  static constexpr uint32_t kEmpty = UINT32_MAX;
  struct Slot {
    Key key{};
    uint32_t pos = kEmpty;
  };
  size_t home(const Key& key) const { return size_t((hash_(key) * 0x9E3779B97F4A7C15ull) >> shift_); }
  Hash hash_;
  std::vector<Slot> slots_;
  int shift_ = 64;
};

}  // namespace scanhpc
