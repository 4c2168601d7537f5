#pragma once
// Collective reading of flowtuple Avro files for the `scanhpc flow` commands:
// inputs expanded on rank 0, files chosen by the time in their names, every
// Avro block a unit of work, contiguous block ranges per rank balanced by
// bytes, OpenMP over each rank's blocks. Rows arrive in global (file, block,
// record) order when the ranks' parts are concatenated in rank order.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "scanhpc/commands/input_table.hpp"
#include "scanhpc/commands/run_context.hpp"
#include "scanhpc/flow/avro.hpp"
#include "scanhpc/io/inputs.hpp"

namespace scanhpc::commands {

struct FlowInputConfig {
  std::vector<std::string> inputs;
  std::optional<uint32_t> from, to;     // files whose name time cannot overlap [from, to] are skipped
  std::optional<uint32_t> file_seconds;  // the span of one file, for that choice (default: from its
                                         // name, as in v3_3600s_…, else 300 s for FT4 and 60 s for FT3)
  bool fail_on_error = false;            // bad files or records stop the run instead of being counted
  bool allow_empty = false;              // no file selected or no record used: exit 0, not 3
};

struct FlowInputSummary {
  std::vector<std::string> files;    // read, in order
  std::vector<SkippedFile> skipped;  // folder members that are not flowtuple files (not read)
  uint64_t files_out_of_range = 0;   // skipped by the time in their names
  uint64_t files_unreadable = 0;     // not a flowtuple Avro file of the version wanted (counted, --on-error=skip)
  uint64_t files_other_version = 0;  // of those, FT3 where FT4 is wanted or the reverse
  flow::FlowReadStats stats;         // global (the counts; its errors index the listed files)
  std::vector<std::string> messages; // the first errors by (file, offset), as text
  uint64_t input_bytes = 0;
};

// The input's files, listed once on rank 0 and broadcast: those that the
// time range (by their names) selects, in input order.
struct FlowFileList {
  std::vector<std::string> paths;
  std::vector<uint64_t> bytes;
  std::vector<std::optional<uint32_t>> name_times;  // from the names (none: not known)
  std::vector<SkippedFile> skipped;                 // folder members that are not flowtuple files
  uint64_t files_out_of_range = 0;                  // skipped by the time in their names
};

// Collective: lists the inputs (the one file table); calls ctx.inputs_listed.
FlowFileList list_flow_files(RunContext& ctx, const FlowInputConfig& cfg, flow::FlowVersion want);
// The same from a table another command listed (ports): its files chosen by their names' time.
FlowFileList flow_files_of(RunContext& ctx, const FlowInputConfig& cfg, const InputTable& table,
                           flow::FlowVersion want);
std::vector<size_t> all_files(const FlowFileList& listed);
// Collective: reads the listed files `which` (indices into listed.paths, the
// same on every rank); the summary covers those files only (no skipped
// files, no exit-3 check). Exactly one of ft3/ft4 is non-null.
FlowInputSummary read_flow_files(RunContext& ctx, const FlowInputConfig& cfg, const FlowFileList& listed,
                                 const std::vector<size_t>& which, flow::Ft3Columns* ft3, flow::Ft4Columns* ft4);
// Adds a part's files and counts (every rank passes the same parts).
void add_flow_summary(FlowInputSummary& into, const FlowInputSummary& part);
// Collective: exit 3 (unless allow_empty) with the reason when no record was used.
void require_flow_records(RunContext& ctx, const FlowInputConfig& cfg, const FlowInputSummary& summary,
                          flow::FlowVersion want);

// Collective. Exactly one of ft3/ft4 is non-null: the version expected.
// Every record of this rank's blocks is kept in memory. Calls
// ctx.inputs_listed once the files are known; fails with exit 3 when no
// file is selected or no record used (unless allow_empty).
FlowInputSummary read_flow_inputs(RunContext& ctx, const FlowInputConfig& cfg, flow::Ft3Columns* ft3,
                                  flow::Ft4Columns* ft4);

// Collective: FT4 records streamed in chunks of consecutive blocks, for
// queries that only aggregate. `threads` OpenMP threads each take a
// contiguous share of this rank's blocks, in order, and call
// consume(thread, chunk) per chunk; the chunk is reused after the call.
// `columns` (flow::ft4_bit of flow::Ft4Col): the columns the chunks carry,
// the others empty; every record is decoded and checked all the same.
using Ft4ChunkConsumer = std::function<void(int thread, const flow::Ft4Columns& chunk)>;
FlowInputSummary stream_ft4_inputs(RunContext& ctx, const FlowInputConfig& cfg, int threads,
                                   const Ft4ChunkConsumer& consume, uint32_t columns = flow::kFt4AllColumns);
// The same over files already listed.
FlowInputSummary stream_ft4_files(RunContext& ctx, const FlowInputConfig& cfg, const FlowFileList& listed,
                                  int threads, const Ft4ChunkConsumer& consume,
                                  uint32_t columns = flow::kFt4AllColumns);

// Collective: creates /flow with the input's counts (files, records read, used
// and rejected, blocks, files skipped or unreadable) and /flow/errors (the
// first messages, from rank 0). Every rank passes the same summary counts.
void write_flow_input_attrs(h5::File& out, bool root, const FlowInputSummary& in);

}  // namespace scanhpc::commands
