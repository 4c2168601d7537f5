#pragma once
// Single streams (a gzip file, stdin, -oB, XML) cannot be split by byte
// range, so one rank reads each. That rank must not end up holding all of
// its rows: a reader thread parses the stream and hands its rows on in
// bounded batches, and the main thread deals each batch evenly over every
// rank (dist::deal_evenly) while the next one is parsed.
#include <cstdint>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/io/ingest.hpp"

namespace scanhpc::commands {

// The whole-stream tasks that are dealt rather than kept: at more than one
// rank, stdin, and any stream holding more than its share (total / ranks)
// of the input bytes; so are the ranges of such a gzip file of concatenated
// members (not BGZF), as a range reads its members whatever their size.
// Same answer on every rank.
bool dealt_stream(const InputFile& file, const ReadTask& task, uint64_t total_bytes, int ranks);

// Collective (every rank calls it, with or without streams of its own).
// Reads `streams` (this rank's tasks to deal) and appends the rows dealt to
// this rank to `status` and `banners`. Returns the streams' counts, errors
// and detected formats, with no rows. Throws, after every rank has left the
// dealing, if this rank's reading failed.
IngestResult read_streams_dealt(const dist::Comm& comm, const std::vector<InputFile>& files,
                                const std::vector<ReadTask>& streams, IngestOptions options, uint64_t round_bytes,
                                StatusColumns& status, BannerColumns& banners, uint64_t* rounds = nullptr);

}  // namespace scanhpc::commands
