#pragma once
// This rank's share of the input: its read tasks parsed into columns with
// OpenMP threads. MPI-free; the scan command runs it on every rank.
#include <atomic>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scanhpc/io/inputs.hpp"
#include "scanhpc/io/parse_sink.hpp"

namespace scanhpc {

struct IngestOptions {
  bool keep_banners = false;
  bool stop_at_first_error = false;        // --on-error=fail
  size_t chunk_bytes = size_t(8) << 20;    // unit of work for one thread
  size_t max_record_bytes = size_t(16) << 20;  // longer lines are rejected, not buffered
  int threads = 0;                         // 0: OpenMP default
  // Called from one thread only, now and then, with this rank's progress.
  std::function<void(uint64_t bytes_done, uint64_t records_done)> progress;
  // Whole-stream tasks (gzip, stdin, -oB, XML) hand their rows to on_batch
  // every batch_bytes (see ParseSink::on_batch); 0: they keep them.
  size_t batch_bytes = 0;
  std::function<void(ParseSink&)> on_batch;
  // Reads the rows of a repacked observation table (HDF5) that the byte
  // range [begin, end) of file `file` stands for into the sink; given by the
  // commands, which link HDF5 (the kernels do not). Called from any thread.
  std::function<void(const InputFile& f, uint32_t file, uint64_t begin, uint64_t end, ParseSink& sink)>
      read_observations;
};

struct FileCounts {
  uint64_t records = 0;   // records read
  uint64_t rejected = 0;
  uint64_t bytes = 0;     // bytes of this file read by this rank
};

struct IngestResult {
  ParseSink sink;                      // columns, totals, the first errors
  std::vector<FileCounts> per_file;    // indexed like the file table
  std::vector<MasscanFormat> detected; // stdin's format once read (else as given)
  // Ranges of gzip files split at members, read but not yet in sink and
  // per_file: their first lines and offsets wait for settle_gzip_pieces.
  std::vector<GzipMemberPiece> gzip_pieces;
};

IngestResult local_ingest(const std::vector<InputFile>& files, const std::vector<ReadTask>& tasks,
                          const IngestOptions& options);

// The summaries of this result's gzip pieces, for the others to see.
std::vector<GzipPieceSummary> gzip_piece_summaries(const IngestResult& result);
// Places the result's gzip pieces among `every_piece` (the summaries of all
// pieces of their files, every rank's) and moves their records into sink and
// per_file. Throws std::runtime_error naming the file when a file's pieces
// do not tile its members (GzipPiecePlan).
void settle_gzip_pieces(IngestResult& result, const std::vector<InputFile>& files,
                        const std::vector<GzipPieceSummary>& every_piece, size_t max_record_bytes);

// Why a record longer than --max-record-bytes was rejected, whoever read it.
std::string record_too_long(size_t max_record_bytes);

}  // namespace scanhpc
