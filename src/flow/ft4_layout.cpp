#include "scanhpc/flow/ft4_layout.hpp"

#include <algorithm>
#include <stdexcept>

namespace scanhpc::flow {

Ft4Layout::Ft4Layout(std::vector<uint64_t> file_rows, uint64_t block_records, int ranks)
    : file_rows_(std::move(file_rows)), block_records_(block_records), ranks_(ranks) {
  if (block_records_ == 0 || ranks_ <= 0) throw std::invalid_argument("Ft4Layout: no block size or no ranks");
  block_base_.assign(file_rows_.size() + 1, 0);
  for (size_t k = 0; k < file_rows_.size(); ++k)
    block_base_[k + 1] = block_base_[k] + (file_rows_[k] + block_records_ - 1) / block_records_;
}

uint64_t Ft4Layout::first_block(int rank) const {
  // ceil(rank * B / P) in 128 bits: B can be large, P up to millions.
  const unsigned __int128 n = (unsigned __int128)uint64_t(rank) * blocks() + uint64_t(ranks_) - 1;
  return uint64_t(n / uint64_t(ranks_));
}

int Ft4Layout::block_owner(uint64_t block) const {
  // floor(block * P / B): rank r owns [ceil(r B / P), ceil((r + 1) B / P)).
  return int((unsigned __int128)block * uint64_t(ranks_) / blocks());
}

std::vector<Ft4Layout::Piece> Ft4Layout::pieces(size_t file, uint64_t first, uint64_t count) const {
  if (first + count > file_rows_[file]) throw std::out_of_range("Ft4Layout::pieces: rows past the file's end");
  std::vector<Piece> out;
  for (uint64_t at = first, end = first + count; at < end;) {
    const int owner = block_owner(block_base_[file] + at / block_records_);
    const uint64_t next = first_block(owner + 1);  // the next rank's first block, in global numbering
    const uint64_t stop = next >= block_base_[file + 1] ? end : std::min(end, (next - block_base_[file]) * block_records_);
    out.push_back({owner, at, stop - at});
    at = stop;
  }
  return out;
}

std::pair<uint64_t, uint64_t> Ft4Layout::rows_of(int rank, size_t file) const {
  const uint64_t b0 = std::max(first_block(rank), block_base_[file]);
  const uint64_t b1 = std::min(first_block(rank + 1), block_base_[file + 1]);
  if (b0 >= b1) return {0, 0};
  return {(b0 - block_base_[file]) * block_records_,
          std::min(file_rows_[file], (b1 - block_base_[file]) * block_records_)};
}

}  // namespace scanhpc::flow
