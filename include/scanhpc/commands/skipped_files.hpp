#pragma once
// The files of input folders that a command did not read (io/inputs.hpp):
// sent from rank 0 to every rank, and written to the output next to the
// input's counts, the same for every command.
#include <string>
#include <vector>

#include "scanhpc/h5/h5.hpp"
#include "scanhpc/io/inputs.hpp"

namespace scanhpc::commands {

// "path\treason\n" per file, for a broadcast.
std::string pack_skipped(const std::vector<SkippedFile>& skipped);
std::vector<SkippedFile> unpack_skipped(const std::string& text);

// Collective: the attribute files_skipped on `group` and the table GROUP/skipped
// (path, reason); rank 0 passes the rows, the others may pass them too (ignored).
void write_skipped(h5::File& out, bool root, const std::string& group, const std::vector<SkippedFile>& skipped);

}  // namespace scanhpc::commands
