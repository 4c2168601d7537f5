#include "scanhpc/commands/flow_input.hpp"

#include <omp.h>

#include <algorithm>
#include <filesystem>
#include <sstream>
#include <tuple>

#include "scanhpc/commands/input_table.hpp"
#include "scanhpc/commands/skipped_files.hpp"
#include "scanhpc/core/fault_injection.hpp"
#include "scanhpc/core/thread_errors.hpp"
#include "scanhpc/dist/read_summary.hpp"
#include "scanhpc/flow/read_plan.hpp"
#include "scanhpc/io/inputs.hpp"

namespace scanhpc::commands {
namespace {

std::vector<std::string> split_lines(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) out.push_back(line);
  return out;
}

struct Unit {
  size_t file, block;
};

constexpr size_t kChunkBlocks = 8;  // blocks decoded at a time when streaming (about 2,000 FT4 rows, 0.4 MB)

void reserve_for(flow::Ft3Columns& c, size_t rows) { c.reserve(rows); }
// Most FT4 flows keep one or two common values per array.
void reserve_for(flow::Ft4Columns& c, size_t rows) { c.reserve(rows, rows + rows / 2); }

// Decodes units [begin, end) on OpenMP threads, each a contiguous share, into
// `out` in unit order. Every buffer is sized once from the block headers:
// growing columns (and copying them) would cost page faults.
template <class Columns>
void decode_units(const std::vector<flow::FlowAvroFile>& files, const std::vector<Unit>& units, size_t begin,
                  size_t end, Columns& out, flow::FlowReadStats& stats) {
  const int threads = std::max(1, std::min<int>(omp_get_max_threads(), int(end - begin)));
  std::vector<Columns> parts(static_cast<size_t>(threads));
  std::vector<flow::FlowReadStats> part_stats(static_cast<size_t>(threads));
  uint64_t total = 0;
  ThreadErrors errors(threads);
#pragma omp parallel num_threads(threads) reduction(+ : total)
  errors.run([&] {
    const size_t t = size_t(omp_get_thread_num());
    const size_t n = end - begin;
    const size_t lo = begin + n * t / size_t(threads), hi = begin + n * (t + 1) / size_t(threads);
    uint64_t rows = 0;
    for (size_t u = lo; u < hi; ++u) {
      const auto& b = files[units[u].file].blocks()[units[u].block];
      rows += std::min<uint64_t>(b.records, b.bytes * 64);  // a count the bytes cannot hold is not trusted
    }
    reserve_for(parts[t], rows);
    total += rows;
    fault_point("read");
    flow::FlowBlockReader reader;
    for (size_t u = lo; u < hi && !errors.failed();) {  // runs of consecutive blocks of one file in one call
      size_t v = u + 1;
      while (v < hi && units[v].file == units[u].file && units[v].block == units[v - 1].block + 1) ++v;
      files[units[u].file].decode_blocks(units[u].block, units[v - 1].block + 1, parts[t], part_stats[t], reader);
      u = v;
    }
  });
  errors.rethrow();
  if (out.size() == 0) {
    out = std::move(parts[0]);
  } else {
    reserve_for(out, out.size() + total);
    out.append(parts[0]);
  }
  stats.merge(part_stats[0]);
  for (size_t t = 1; t < parts.size(); ++t) {
    out.append(parts[t]);
    parts[t] = Columns{};
    stats.merge(part_stats[t]);
  }
}

// This rank's files (each opened on its byte range), their blocks as units of work.
struct ReadPlan {
  FlowInputSummary summary;
  std::vector<flow::FlowAvroFile> files;
  std::vector<Unit> units;
  size_t begin = 0, end = 0;
  flow::FlowReadStats open_errors;  // files this rank counts as unreadable
};

}  // namespace

FlowFileList list_flow_files(RunContext& ctx, const FlowInputConfig& cfg, flow::FlowVersion want) {
  return flow_files_of(ctx, cfg, list_input_table(ctx, cfg.inputs, InputRole::flowtuple), want);
}

FlowFileList flow_files_of(RunContext& ctx, const FlowInputConfig& cfg, const InputTable& table,
                           flow::FlowVersion want) {
  FlowFileList out;
  std::string error;
  for (const auto& f : table.files)
    if (f.path == "-") error = "flowtuple input cannot be standard input (-): give the files";
  ctx.agree_root(error);
  out.skipped = table.skipped;
  const uint32_t default_seconds = want == flow::FlowVersion::ft3 ? 60 : 300;
  for (const auto& f : table.files) {
    auto t = flow::file_name_time(f.path);
    const uint32_t seconds = cfg.file_seconds.value_or(flow::file_name_seconds(f.path).value_or(default_seconds));
    if ((cfg.from || cfg.to) && t && !flow::file_may_overlap(*t, seconds, cfg.from, cfg.to)) {
      ++out.files_out_of_range;
      continue;
    }
    out.paths.push_back(f.path);
    out.bytes.push_back(f.bytes);
    out.name_times.push_back(t);
  }
  return out;
}

namespace {

// Collective: this rank's share of the listed files `which` (the same on
// every rank) by the one split plan (plan_read_tasks): byte ranges in
// (file, byte) order, each rank's contiguous, aligned to Avro blocks by the
// sync markers, so that no block is read twice and no rank opens more than
// its own files (a file split between ranks has its header read by each).
// A file's problems are counted by the rank whose range starts at its byte 0.
ReadPlan plan_reading(RunContext& ctx, const FlowFileList& listed, const std::vector<size_t>& which,
                      const FlowInputConfig& cfg, flow::FlowVersion want) {
  const auto& comm = ctx.comm();
  ReadPlan plan;
  FlowInputSummary& s = plan.summary;
  std::vector<InputFile> table;  // the window's files; which[k] is file k's index in listed.paths
  for (size_t i : which) {
    InputFile f;
    f.path = listed.paths.at(i);
    f.family = InputFamily::flowtuple;
    f.bytes = listed.bytes.at(i);
    table.push_back(std::move(f));
  }
  const auto tasks = plan_read_tasks(table, comm.size())[size_t(comm.rank())];

  // Open this rank's ranges: the header and the blocks of the range (no decoding).
  std::string unreadable, first_error;  // "path\n" per file this rank counts as unreadable
  uint64_t other_version = 0, bytes = 0;
  for (const auto& t : tasks) {
    const std::string& path = table[t.file].path;
    const uint32_t index = uint32_t(which[t.file]);
    const bool counts_file = t.begin == 0;
    std::string why;  // without the path, which the message adds
    try {
      fault_point("open");
      flow::FlowAvroFile f(path, t.begin, t.end, index);
      if (f.info().version != want) {
        why = "holds " + std::string(f.info().version == flow::FlowVersion::ft3 ? "FT3" : "FT4") + " flowtuples (" +
              std::string(flow::variant_name(f.info().variant)) + "), expected " +
              (want == flow::FlowVersion::ft3 ? "FT3" : "FT4");
        other_version += counts_file;
      } else {
        if (counts_file) bytes += f.info().file_bytes;
        plan.files.push_back(std::move(f));
      }
    } catch (const std::exception& e) {
      why = e.what();
      if (why.starts_with(path + ": ")) why = why.substr(path.size() + 2);
    }
    if (!why.empty() && counts_file) {
      unreadable += path + "\n";
      plan.open_errors.note(index, ParseError::kWholeFile, why);
      if (first_error.empty()) first_error = path + ": " + why;
    }
  }
  s.files_other_version = comm.allreduce_sum(other_version);
  if (cfg.fail_on_error) ctx.agree_or_fail(first_error);
  // Every rank learns the list of files read, for the output's attributes.
  std::string bad;
  for (const auto& part : comm.gather_strings(unreadable, 0)) bad += part;
  comm.bcast(bad, 0);
  const auto bad_list = split_lines(bad);
  s.files_unreadable = bad_list.size();
  for (const auto& f : table)
    if (std::find(bad_list.begin(), bad_list.end(), f.path) == bad_list.end()) s.files.push_back(f.path);
  s.input_bytes = comm.allreduce_sum(bytes);

  for (size_t f = 0; f < plan.files.size(); ++f)
    for (size_t b = 0; b < plan.files[f].blocks().size(); ++b) plan.units.push_back({f, b});
  plan.begin = 0;
  plan.end = plan.units.size();
  return plan;
}

// Collective: the global counts and first errors into the plan's summary
// (the one merge of every reader); with --on-error=fail, any bad record fails the run.
void finish_stats(RunContext& ctx, const FlowInputConfig& cfg, const std::vector<std::string>& paths,
                  flow::FlowReadStats local, FlowInputSummary& s) {
  const auto& comm = ctx.comm();
  std::vector<uint64_t> counts = {local.blocks, local.blocks_rejected, local.bytes_stored, local.bytes_decoded,
                                  local.bytes_unknown};
  comm.allreduce_sum_inplace(counts);
  flow::FlowReadStats& g = s.stats;
  g.blocks = counts[0]; g.blocks_rejected = counts[1]; g.bytes_stored = counts[2];
  g.bytes_decoded = counts[3]; g.bytes_unknown = counts[4];
  static_cast<ReadSummary&>(g) = dist::reduce_read_summary(comm, std::move(static_cast<ReadSummary&>(local)));
  for (const auto& e : g.errors) s.messages.push_back(error_message(e, paths));
  const bool bad = g.records_rejected > 0 || g.bytes_unknown > 0;
  if (cfg.fail_on_error && bad) ctx.agree_root(s.messages.empty() ? "bad records" : s.messages.front());
}

// Why nothing was used, for the exit-3 message; the same on every rank.
std::string nothing_used_hint(const FlowInputConfig& cfg, const FlowInputSummary& s, flow::FlowVersion want) {
  const char* wanted = want == flow::FlowVersion::ft3 ? "FT3" : "FT4";
  if (s.files.empty() && s.files_out_of_range > 0) {
    std::string range = "[" + (cfg.from ? std::to_string(*cfg.from) : std::string("-")) + ", " +
                        (cfg.to ? std::to_string(*cfg.to) : std::string("-")) + "]";
    return "no file in the time range " + range + ": all " + std::to_string(s.files_out_of_range) +
           " file(s) are outside it by the time in their names";
  }
  if (s.files.empty() && s.files_unreadable == 0)
    return "no flowtuple file: every file of the input folder(s) was skipped, " + describe_skipped(s.skipped);
  if (s.files_other_version > 0 && s.files_other_version == s.files_unreadable && s.stats.records_read == 0)
    return want == flow::FlowVersion::ft4 ? "these are FT3 files: run scanhpc flow convert first"
                                          : "these are FT4 files already: query them with flow top|series|intersect";
  if (s.stats.records_read == 0)
    return "no " + std::string(wanted) + " record in the input (" + std::to_string(s.files_unreadable) +
           " unreadable file(s)" + (s.messages.empty() ? "" : "; the first: " + s.messages.front()) + ")";
  return "all " + std::to_string(s.stats.records_rejected) + " records were rejected" +
         (s.messages.empty() ? "" : "; the first: " + s.messages.front());
}

}  // namespace

std::vector<size_t> all_files(const FlowFileList& listed) {
  std::vector<size_t> which(listed.paths.size());
  for (size_t i = 0; i < which.size(); ++i) which[i] = i;
  return which;
}

FlowInputSummary read_flow_files(RunContext& ctx, const FlowInputConfig& cfg, const FlowFileList& listed,
                                 const std::vector<size_t>& which, flow::Ft3Columns* ft3, flow::Ft4Columns* ft4) {
  const auto want = ft3 ? flow::FlowVersion::ft3 : flow::FlowVersion::ft4;
  ReadPlan plan = plan_reading(ctx, listed, which, cfg, want);
  flow::FlowReadStats local = plan.open_errors;
  std::string error;
  try {
    if (ft3) decode_units(plan.files, plan.units, plan.begin, plan.end, *ft3, local);
    else decode_units(plan.files, plan.units, plan.begin, plan.end, *ft4, local);
  } catch (const std::exception& e) {
    error = e.what();
  }
  ctx.agree_or_fail(error);
  finish_stats(ctx, cfg, listed.paths, std::move(local), plan.summary);
  return std::move(plan.summary);
}

void add_flow_summary(FlowInputSummary& into, const FlowInputSummary& part) {
  into.files.insert(into.files.end(), part.files.begin(), part.files.end());
  into.files_unreadable += part.files_unreadable;
  into.files_other_version += part.files_other_version;
  into.input_bytes += part.input_bytes;
  into.stats.merge(part.stats);
  for (const auto& m : part.messages)
    if (into.messages.size() < ReadSummary::kErrorsKept) into.messages.push_back(m);
}

void require_flow_records(RunContext& ctx, const FlowInputConfig& cfg, const FlowInputSummary& summary,
                          flow::FlowVersion want) {
  ctx.require_used(summary.stats.records_used == 0, cfg.allow_empty, nothing_used_hint(cfg, summary, want));
}

FlowInputSummary read_flow_inputs(RunContext& ctx, const FlowInputConfig& cfg, flow::Ft3Columns* ft3,
                                  flow::Ft4Columns* ft4) {
  const auto want = ft3 ? flow::FlowVersion::ft3 : flow::FlowVersion::ft4;
  const FlowFileList listed = list_flow_files(ctx, cfg, want);
  FlowInputSummary summary = read_flow_files(ctx, cfg, listed, all_files(listed), ft3, ft4);
  summary.skipped = listed.skipped;
  summary.files_out_of_range = listed.files_out_of_range;
  require_flow_records(ctx, cfg, summary, want);
  return summary;
}

FlowInputSummary stream_ft4_inputs(RunContext& ctx, const FlowInputConfig& cfg, int threads,
                                   const Ft4ChunkConsumer& consume, uint32_t columns) {
  return stream_ft4_files(ctx, cfg, list_flow_files(ctx, cfg, flow::FlowVersion::ft4), threads, consume, columns);
}

FlowInputSummary stream_ft4_files(RunContext& ctx, const FlowInputConfig& cfg, const FlowFileList& listed,
                                  int threads, const Ft4ChunkConsumer& consume, uint32_t columns) {
  ReadPlan plan = plan_reading(ctx, listed, all_files(listed), cfg, flow::FlowVersion::ft4);
  plan.summary.skipped = listed.skipped;
  plan.summary.files_out_of_range = listed.files_out_of_range;
  std::vector<flow::FlowReadStats> part_stats(static_cast<size_t>(threads));
  // Per thread: records with time in [from, to], and the times seen, for the message when none is.
  struct TimeSpan {
    uint64_t in_range = 0;
    uint32_t first = UINT32_MAX, last = 0;
  };
  std::vector<TimeSpan> spans(static_cast<size_t>(threads));
  const size_t n = plan.end - plan.begin;
  ThreadErrors errors(threads);
#pragma omp parallel num_threads(threads)
  errors.run([&] {
    const size_t t = size_t(omp_get_thread_num());
    const size_t lo = plan.begin + n * t / size_t(threads), hi = plan.begin + n * (t + 1) / size_t(threads);
    flow::Ft4Columns chunk;  // reused: its pages are touched once
    flow::FlowBlockReader reader;
    reader.set_ft4_columns(columns);
    fault_point("read");
    for (size_t u = lo; u < hi && !errors.failed();) {
      size_t v = u + 1;
      while (v < hi && v - u < kChunkBlocks && plan.units[v].file == plan.units[u].file &&
             plan.units[v].block == plan.units[v - 1].block + 1)
        ++v;
      chunk.clear();
      plan.files[plan.units[u].file].decode_blocks(plan.units[u].block, plan.units[v - 1].block + 1, chunk,
                                                   part_stats[t], reader);
      auto& span = spans[t];
      for (const uint32_t time : chunk.time) {
        span.first = std::min(span.first, time);
        span.last = std::max(span.last, time);
        span.in_range += (!cfg.from || time >= *cfg.from) && (!cfg.to || time <= *cfg.to);
      }
      consume(int(t), chunk);
      u = v;
    }
  });
  std::string error;
  try {
    errors.rethrow();
  } catch (const std::exception& e) {
    error = e.what();
  }
  ctx.agree_or_fail(error);
  flow::FlowReadStats local = plan.open_errors;
  for (const auto& st : part_stats) local.merge(st);
  finish_stats(ctx, cfg, listed.paths, std::move(local), plan.summary);
  ctx.require_used(plan.summary.stats.records_used == 0, cfg.allow_empty,
                   nothing_used_hint(cfg, plan.summary, flow::FlowVersion::ft4));
  if (cfg.from || cfg.to) {  // files in the range by their names, yet no record in it
    TimeSpan all;
    for (const auto& sp : spans) {
      all.in_range += sp.in_range;
      all.first = std::min(all.first, sp.first);
      all.last = std::max(all.last, sp.last);
    }
    const auto& comm = ctx.comm();
    const uint64_t in_range = comm.allreduce_sum(all.in_range);
    const uint64_t first = UINT32_MAX - comm.allreduce_max(uint64_t(UINT32_MAX - all.first));
    const uint64_t last = comm.allreduce_max(uint64_t(all.last));
    ctx.require_used(in_range == 0, cfg.allow_empty,
                     "no record in the time range [" + (cfg.from ? std::to_string(*cfg.from) : std::string("-")) +
                         ", " + (cfg.to ? std::to_string(*cfg.to) : std::string("-")) + "]: the " +
                         std::to_string(plan.summary.stats.records_used) + " records read have times " +
                         std::to_string(first) + " to " + std::to_string(last) +
                         " (an FT4 record's time is the start of its interval)");
  }
  return std::move(plan.summary);
}

void write_flow_input_attrs(h5::File& out, bool root, const FlowInputSummary& in) {
  out.create_group("/flow");
  std::string files;
  for (const auto& f : in.files) {
    if (!files.empty()) files += '\n';
    files += f;
  }
  out.write_attr("/flow", "files", files);
  out.write_attr("/flow", "records_read", in.stats.records_read);
  out.write_attr("/flow", "records_used", in.stats.records_used);
  out.write_attr("/flow", "records_rejected", in.stats.records_rejected);
  out.write_attr("/flow", "blocks", in.stats.blocks);
  out.write_attr("/flow", "blocks_rejected", in.stats.blocks_rejected);
  out.write_attr("/flow", "bytes_unknown", in.stats.bytes_unknown);
  out.write_attr("/flow", "files_skipped_by_name_time", in.files_out_of_range);
  out.write_attr("/flow", "files_unreadable", in.files_unreadable);
  write_skipped(out, root, "/flow", in.skipped);
  out.write_table("/flow/errors", {{"message", root ? in.messages : std::vector<std::string>{}}});
}

}  // namespace scanhpc::commands
