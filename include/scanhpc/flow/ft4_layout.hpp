#pragma once
// Where the rows of flow convert's FT4 files lie, so that the blocks of one
// file can be written by several ranks at once. MPI-free.
//
// Files are numbered in time order; a file's rows are in the canonical FT4
// order, and its block b holds rows [b * block_records, (b + 1) *
// block_records) (the last block fewer). All blocks of all files are
// numbered in one sequence and split into contiguous, nearly equal runs,
// one per rank: rank r writes blocks [first_block(r), first_block(r + 1)).
// The layout depends only on the files' row counts, the block size and the
// rank count, so every rank computes it alike, and the bytes of every file
// are the same at any rank count.
#include <cstddef>
#include <cstdint>
#include <vector>

namespace scanhpc::flow {

class Ft4Layout {
 public:
  Ft4Layout(std::vector<uint64_t> file_rows, uint64_t block_records, int ranks);

  size_t files() const { return file_rows_.size(); }
  uint64_t rows(size_t file) const { return file_rows_[file]; }
  uint64_t blocks() const { return block_base_.back(); }
  uint64_t block_records() const { return block_records_; }
  // The first global block of `file`; blocks(file) of them.
  uint64_t block_base(size_t file) const { return block_base_[file]; }
  uint64_t blocks(size_t file) const { return block_base_[file + 1] - block_base_[file]; }
  // Rank r's global blocks begin here (first_block(ranks) == blocks()).
  uint64_t first_block(int rank) const;
  int block_owner(uint64_t block) const;

  // A run of rows of one file held by one rank: its owner, and the rows.
  struct Piece {
    int owner;
    uint64_t first, count;  // row positions in the file
  };
  // Rows [first, first + count) of `file`, cut where the owning rank changes.
  std::vector<Piece> pieces(size_t file, uint64_t first, uint64_t count) const;
  // The rows of `file` that `rank` writes: [first, last), empty if none.
  std::pair<uint64_t, uint64_t> rows_of(int rank, size_t file) const;

 private:
  std::vector<uint64_t> file_rows_, block_base_;
  uint64_t block_records_;
  int ranks_;
};

}  // namespace scanhpc::flow
