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

// Runs `step` (HDF5 calls of one collective operation) and agrees on its
// outcome across `comm`: if it threw h5::Error on any rank, every rank throws
// CollectiveError with the lowest failing rank's message. Serial files
// (MPI_COMM_NULL) rethrow the error as it was.
void agreed(MPI_Comm comm, const std::function<void()>& step);

// Throws Error(message) on every rank when the ranks of `comm` pass different `hash`es.
void check_same_on_all_ranks(MPI_Comm comm, uint64_t hash, const std::string& message);

}  // namespace scanhpc::h5::detail
