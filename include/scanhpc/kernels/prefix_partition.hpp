#pragma once
// Contiguous IPv4 ranges per rank, balanced by record weight. Contiguous (not
// hashed) ownership makes per-host tables written in rank order globally
// sorted, and distinct-address counts additive across ranks. MPI-free.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace scanhpc {

class PrefixOwnership {
 public:
  PrefixOwnership() : PrefixOwnership(std::vector<uint64_t>{0}) {}
  // first[r] is the lowest address rank r owns; non-decreasing, first[0] = 0.
  // A value of 2^32 means the rank owns nothing at the top.
  explicit PrefixOwnership(std::vector<uint64_t> first);

  int ranks() const { return int(first_.size()); }
  int owner(uint32_t ip) const {
    int16_t fast = owner16_[ip >> 16];
    return fast >= 0 ? fast : owner_slow(ip);
  }
  const std::vector<uint64_t>& first() const { return first_; }

 private:
  int owner_slow(uint32_t ip) const;
  std::vector<uint64_t> first_;
  std::vector<int16_t> owner16_;  // owner of a whole /16, or -1 where a boundary cuts it
};

// A weighted address block: `len` is its prefix length (16, 24 or 32).
struct PrefixCell {
  uint32_t first = 0;
  uint8_t len = 16;
  uint64_t weight = 0;
};

// Picks rank boundaries at cell starts so that each rank's weight is as close
// as possible to total/ranks. Cells must be sorted and disjoint.
PrefixOwnership balance_cells(const std::vector<PrefixCell>& cells, int ranks);

// Builds the ownership from this process's addresses. `reduce_sum` sums a
// histogram element-wise over all ranks (identity in a single process); it is
// called the same number of times with the same lengths on every rank, so it
// can be an MPI_Allreduce. A /16 heavier than total/(8 ranks) is refined to
// /24 cells, and such a /24 to /32 cells, so one hot prefix cannot unbalance.
PrefixOwnership build_ownership(const std::vector<uint32_t>& local_ips, int ranks,
                                const std::function<void(std::vector<uint64_t>&)>& reduce_sum);

}  // namespace scanhpc
