#include "scanhpc/kernels/prefix_partition.hpp"

#include <algorithm>
#include <stdexcept>

#include "scanhpc/core/ipv4.hpp"

namespace scanhpc {

PrefixOwnership::PrefixOwnership(std::vector<uint64_t> first) : first_(std::move(first)), owner16_(65536) {
  if (first_.empty() || first_[0] != 0 || !std::is_sorted(first_.begin(), first_.end()) ||
      first_.back() > (uint64_t(1) << 32) || first_.size() > 32767)
    throw std::invalid_argument("PrefixOwnership: boundaries must start at 0 and be non-decreasing");
  for (uint32_t p = 0; p < 65536; ++p) {
    int lo = owner_slow(p << 16), hi = owner_slow((p << 16) | 0xFFFF);
    owner16_[p] = int16_t(lo == hi ? lo : -1);
  }
}

int PrefixOwnership::owner_slow(uint32_t ip) const {
  auto it = std::upper_bound(first_.begin(), first_.end(), uint64_t(ip));
  return int(it - first_.begin()) - 1;
}

PrefixOwnership balance_cells(const std::vector<PrefixCell>& cells, int ranks) {
  if (ranks < 1) throw std::invalid_argument("balance_cells: ranks < 1");
  unsigned __int128 total = 0;
  for (const auto& c : cells) total += c.weight;
  std::vector<uint64_t> first(size_t(ranks), 0);
  // before[i] = weight of cells [0, i)
  std::vector<unsigned __int128> before(cells.size() + 1, 0);
  for (size_t i = 0; i < cells.size(); ++i) before[i + 1] = before[i] + cells[i].weight;
  size_t lo = 0;
  for (int r = 1; r < ranks; ++r) {
    unsigned __int128 ideal_scaled = total * unsigned(r);  // compare before[i]*ranks with r*total
    size_t i = lo;
    while (i < cells.size() && before[i] * unsigned(ranks) < ideal_scaled) ++i;
    // candidate cuts: at cell i (at or past the ideal) or at cell i-1 (before it)
    if (i > lo) {
      auto over = before[i] * unsigned(ranks) - ideal_scaled;
      auto under = ideal_scaled - before[i - 1] * unsigned(ranks);
      if (under < over) --i;
    }
    lo = i;
    first[size_t(r)] = i < cells.size() ? cells[i].first : (uint64_t(1) << 32);
  }
  for (size_t r = 1; r < first.size(); ++r) first[r] = std::max(first[r], first[r - 1]);
  return PrefixOwnership(std::move(first));
}

namespace {

// Cells of `parent_len` whose weight exceeds `limit`, given their histogram.
std::vector<uint32_t> hot_prefixes(const std::vector<uint32_t>& parents, int parent_len,
                                   const std::vector<uint64_t>& hist, uint64_t limit, int child_len) {
  std::vector<uint32_t> hot;
  int shift = 32 - child_len;
  for (size_t i = 0; i < hist.size(); ++i)
    if (hist[i] > limit) hot.push_back(parents[i >> 8] | (uint32_t(i & 255) << shift));
  (void)parent_len;
  return hot;
}

}  // namespace

PrefixOwnership build_ownership(const std::vector<uint32_t>& ips, int ranks,
                                const std::function<void(std::vector<uint64_t>&)>& reduce_sum) {
  // Level /16: one bin per /16.
  std::vector<uint64_t> h16(65536, 0);
  for (uint32_t ip : ips) ++h16[ip >> 16];
  reduce_sum(h16);
  uint64_t total = 0;
  for (auto c : h16) total += c;
  const uint64_t limit = ranks > 1 ? total / (8 * uint64_t(ranks)) : ~uint64_t(0);

  std::vector<uint32_t> hot16;
  for (uint32_t p = 0; p < 65536; ++p)
    if (h16[p] > limit) hot16.push_back(p << 16);

  // Level /24 inside hot /16s, then /32 inside hot /24s: 256 bins each.
  auto refine = [&](const std::vector<uint32_t>& parents, int parent_len) {
    std::vector<uint64_t> h(parents.size() * 256, 0);
    if (!parents.empty()) {
      int shift = 32 - parent_len - 8;
      for (uint32_t ip : ips) {
        uint32_t parent = prefix_of(ip, parent_len);
        auto it = std::lower_bound(parents.begin(), parents.end(), parent);
        if (it != parents.end() && *it == parent) ++h[size_t(it - parents.begin()) * 256 + ((ip >> shift) & 255)];
      }
    }
    reduce_sum(h);
    return h;
  };
  auto h24 = refine(hot16, 16);
  auto hot24 = hot_prefixes(hot16, 16, h24, limit, 24);
  auto h32 = refine(hot24, 24);

  // Cells in address order: cold /16s, cold /24s of hot /16s, /32s of hot /24s.
  std::vector<PrefixCell> cells;
  size_t i16 = 0;
  for (uint32_t p = 0; p < 65536; ++p) {
    if (i16 < hot16.size() && hot16[i16] == (p << 16)) {
      for (uint32_t b = 0; b < 256; ++b) {
        uint32_t p24 = (p << 16) | (b << 8);
        auto it = std::lower_bound(hot24.begin(), hot24.end(), p24);
        if (it != hot24.end() && *it == p24) {
          size_t j = size_t(it - hot24.begin());
          for (uint32_t c = 0; c < 256; ++c)
            if (h32[j * 256 + c]) cells.push_back({p24 | c, 32, h32[j * 256 + c]});
        } else if (h24[i16 * 256 + b]) {
          cells.push_back({p24, 24, h24[i16 * 256 + b]});
        }
      }
      ++i16;
    } else if (h16[p]) {
      cells.push_back({p << 16, 16, h16[p]});
    }
  }
  return balance_cells(cells, ranks);
}

}  // namespace scanhpc
