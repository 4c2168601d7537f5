#pragma once
// Private helpers shared by the src/h5/*.cpp files (not part of the public API).
#include "scanhpc/h5/h5.hpp"

#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace scanhpc::h5::detail {

// "/a/b/" -> "/a/b", "a" -> "/a", "" -> "/".
std::string normalize_path(std::string_view path);

// True when every link on `path` exists (the root always does). No HDF5 error
// is left on the stack.
bool path_exists(hid_t file, const std::string& path);

// A fixed-length, NUL-padded ASCII string type of `width` bytes (>= 1).
Handle fixed_string_type(size_t width);

// Replaces attribute `name` on the open object `obj` with a 1-D array of
// fixed-length strings (width = longest, at least 1). Collective in parallel.
void write_string_array_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values);

// Replaces attribute `name` on the open object `obj` with a scalar fixed-length string
// (NUL-padded, as write_attr writes them). Collective in parallel.
void write_string_attr(hid_t obj, const std::string& name, const std::string& value);

// Replaces attribute `name` on `obj` with a 1-D array of `values` stored as `file_type`.
void write_u64_array_attr(hid_t obj, const std::string& name, const std::vector<uint64_t>& values, hid_t file_type);

// The collective write of one column: this rank's `local_rows` rows from
// `buf` (of memory type `mtype`) at rows [offset, offset + local_rows) of
// `dset`, whose `total` rows are split over the ranks; ranks with no rows
// take part selecting nothing, and nothing is written when total is 0.
void write_rows(hid_t dset, hid_t mtype, hid_t fspace, hid_t dxpl, uint64_t total, uint64_t offset,
                uint64_t local_rows, const void* buf, const std::string& where);

// True when `dset` is the dimension scale of a table (kRowDimension): a netCDF
// dimension without a variable, which holds no data. No HDF5 error is left.
bool is_row_dimension(hid_t dset);

// A scalar string attribute's value ("" when absent or not a scalar string).
std::string string_attr(hid_t obj, const char* name);

// Runs `step` (HDF5 calls of one collective operation) and agrees on its
// outcome across `comm`: if it threw h5::Error on any rank, every rank throws
// CollectiveError with the lowest failing rank's message. Serial files
// (MPI_COMM_NULL) rethrow the error as it was.
void agreed(MPI_Comm comm, const std::function<void()>& step);

// Throws Error(message) on every rank when the ranks of `comm` pass different `hash`es.
void check_same_on_all_ranks(MPI_Comm comm, uint64_t hash, const std::string& message);

}  // namespace scanhpc::h5::detail
