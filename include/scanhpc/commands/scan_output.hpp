#pragma once
// The merge and write stages of `scanhpc scan`, kept apart from the wiring.
#include <optional>
#include <vector>

#include "scanhpc/commands/run_context.hpp"
#include "scanhpc/dist/exchange.hpp"
#include "scanhpc/h5/h5.hpp"
#include "scanhpc/io/ingest.hpp"
#include "scanhpc/kernels/hosts.hpp"
#include "scanhpc/kernels/multiprobe.hpp"

namespace scanhpc::commands {

// Identical on every rank after reduce_ingest.
struct IngestSummary {
  RecordCounts counts;
  std::vector<FileCounts> per_file;
  std::vector<ParseError> errors;    // the first 100 by (file, offset)
  std::vector<SkippedFile> skipped;  // folder members that are not inputs (not read)
  std::vector<ParseError> damaged;   // damaged compressed streams, by file: read up to the damage
};

// Collective.
IngestSummary reduce_ingest(const dist::Comm& comm, const std::vector<InputFile>& files, const IngestResult& local);
MultiprobePartial merge_multiprobe(const dist::Comm& comm, const MultiprobePartial& local);
CountMap merge_countmap(const dist::Comm& comm, const CountMap& local);

// Collective: writes /ingest (counts, files, the first errors).
void write_ingest(h5::File& out, const dist::Comm& comm, const std::vector<InputFile>& files,
                  const IngestSummary& summary, uint64_t open_observations, uint64_t duplicates);

// Collective: a countmap as a two-column table (rank 0 holds the merged map and writes the rows).
void write_countmap(h5::File& out, const dist::Comm& comm, const std::string& path, const CountMap& map,
                    const char* value_name, const char* count_name);

// Rank 0 only: the closing summary on stderr, one line per analysis given.
// `rss` from RunContext::peak_rss_bytes().
void print_scan_summary(const std::vector<InputFile>& files, const IngestSummary& summary, uint64_t open_observations,
                        const std::vector<std::string>& analysis_lines, const dist::ExchangeStats& xstats,
                        const std::vector<uint64_t>& rss, double seconds, const std::string& output);

}  // namespace scanhpc::commands
