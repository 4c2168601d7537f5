#pragma once
// Gzip files split at members (io/gzip_members): after every rank read its
// ranges, the pieces are placed in their files' inflated streams, which
// needs every piece's summary (a few dozen bytes each).
#include <cstdint>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/io/ingest.hpp"

namespace scanhpc::commands {

// Whether any file of the table is read by members (the same on every rank).
bool any_gzip_members(const std::vector<InputFile>& files);

// Collective. Gathers every rank's piece summaries and settles this rank's
// pieces of `ingest` (settle_gzip_pieces). `read_ok`: this rank's reading
// succeeded; when one rank's did not, nothing is settled (the run fails with
// that rank's error, not with the gaps it left). Returns the number of ranks
// that read members. Throws std::runtime_error, on every rank alike, when a
// file's pieces do not tile its members.
uint64_t settle_gzip_member_pieces(const dist::Comm& comm, const std::vector<InputFile>& files, IngestResult& ingest,
                                   bool read_ok, size_t max_record_bytes);

}  // namespace scanhpc::commands
