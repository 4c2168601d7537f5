#pragma once
// FT4 rows as self-contained bytes, for moving them between ranks (the
// common-value arrays make rows variable-length). Native byte order: the
// bytes never leave the job. MPI-free.
#include <string>
#include <string_view>

#include "scanhpc/flow/flowtuple.hpp"

namespace scanhpc::flow {

// Appends rows [first, last) of `rows` to `out`.
void pack_ft4(const Ft4Columns& rows, size_t first, size_t last, std::string& out);
// Appends every row packed in `bytes` to `out`. Throws std::runtime_error on
// a truncated or inconsistent buffer.
void unpack_ft4(std::string_view bytes, Ft4Columns& out);

}  // namespace scanhpc::flow
