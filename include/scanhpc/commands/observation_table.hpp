#pragma once
// The repacked observation table (seed 001): every status observation of a
// scan as typed columns, written by `scan --keep observations` and read back
// by every command as an input format, so that a second analysis of a large
// scan never parses its text again. Layout: docs/hdf5-layout.md.
#include <cstdint>
#include <string>
#include <vector>

#include "scanhpc/h5/h5.hpp"
#include "scanhpc/io/inputs.hpp"
#include "scanhpc/io/parse_sink.hpp"
#include "scanhpc/kernels/services.hpp"

namespace scanhpc::commands {

inline constexpr const char* kObservationTable = "/observations";
// Rows per chunk: fixed, so the stored table is the same at any rank count;
// 128 Ki rows is 512 KiB of a u32 column, inside HDF5's default chunk cache.
inline constexpr uint64_t kObservationChunkRows = uint64_t(1) << 17;

// Collective: writes this rank's entries, in sort_observations order (rank r's
// rows follow rank r-1's, as the prefix ownership gives), chunked and
// compressed (shuffle + deflate), each rank writing its own rows.
void write_observation_table(h5::File& out, const std::vector<ServiceEntry>& sorted);

// The rows of `f`'s table that the byte range [begin, end) stands for
// (io/observation_rows.hpp), into the sink's status columns: each row is one
// record read and used. An HDF5 file without the table is one rejected
// record (at the range holding byte 0); a table whose columns are missing,
// of other lengths or hold codes no scan writes is an error naming the file.
// HDF5 is not thread-safe here: calls from several threads take turns.
void read_observation_rows(const InputFile& f, uint32_t file, uint64_t begin, uint64_t end, ParseSink& sink);

}  // namespace scanhpc::commands
