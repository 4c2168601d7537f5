#pragma once
// Which rows of a repacked observation table (scan --keep observations) a
// byte range of its file stands for. The input plan splits every file by
// bytes; an HDF5 table is read by rows, whole chunks at a time, so each
// chunk k is given a position floor(k * file_bytes / chunks) in the file and
// belongs to the range holding that position. Ranges that tile the file
// therefore tile the rows, and no chunk is inflated by two readers. MPI-free.
#include <algorithm>
#include <cstdint>

namespace scanhpc {

struct RowRange {
  uint64_t begin = 0, end = 0;
  friend bool operator==(const RowRange&, const RowRange&) = default;
};

inline RowRange observation_rows_of_range(uint64_t file_bytes, uint64_t rows, uint64_t chunk_rows, uint64_t begin,
                                          uint64_t end) {
  if (rows == 0 || file_bytes == 0) return {};
  if (chunk_rows == 0) chunk_rows = rows;  // contiguous: one "chunk"
  const uint64_t chunks = (rows + chunk_rows - 1) / chunk_rows;
  // first chunk k with floor(k * S / K) >= b, i.e. k >= ceil(b * K / S)
  auto first_at_or_after = [&](uint64_t pos) {
    const unsigned __int128 num = (unsigned __int128)std::min(pos, file_bytes) * chunks;
    return uint64_t((num + file_bytes - 1) / file_bytes);
  };
  const uint64_t k0 = first_at_or_after(begin), k1 = first_at_or_after(end);
  if (k1 <= k0) return {};
  return {std::min(rows, k0 * chunk_rows), std::min(rows, k1 * chunk_rows)};
}

}  // namespace scanhpc
