#include "scanhpc/commands/flow_input.hpp"

#include <omp.h>

#include <sstream>

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

template <class Columns>
void decode_units(const std::vector<flow::FlowAvroFile>& files, const std::vector<Unit>& units, size_t begin,
                  size_t end, Columns& out, flow::FlowReadStats& stats) {
  const int threads = std::max(1, std::min<int>(omp_get_max_threads(), int(end - begin)));
  std::vector<Columns> parts(static_cast<size_t>(threads));
  std::vector<flow::FlowReadStats> part_stats(static_cast<size_t>(threads));
#pragma omp parallel num_threads(threads)
  {
    const size_t t = size_t(omp_get_thread_num());
    const size_t n = end - begin;
    const size_t lo = begin + n * t / size_t(threads), hi = begin + n * (t + 1) / size_t(threads);
    for (size_t u = lo; u < hi;) {  // runs of consecutive blocks of one file in one call
      size_t v = u + 1;
      while (v < hi && units[v].file == units[u].file && units[v].block == units[v - 1].block + 1) ++v;
      files[units[u].file].decode_blocks(units[u].block, units[v - 1].block + 1, parts[t], part_stats[t]);
      u = v;
    }
  }
  for (size_t t = 0; t < parts.size(); ++t) {
    out.append(parts[t]);
    stats.merge(part_stats[t]);
  }
}

}  // namespace

FlowInputSummary read_flow_inputs(RunContext& ctx, const FlowInputConfig& cfg, flow::Ft3Columns* ft3,
                                  flow::Ft4Columns* ft4) {
  const auto& comm = ctx.comm();
  const auto want = ft3 ? flow::FlowVersion::ft3 : flow::FlowVersion::ft4;
  FlowInputSummary s;
  // Rank 0 expands the inputs, so that every rank sees the same list.
  std::string list, error;
  if (ctx.root()) {
    try {
      for (const auto& p : expand_input_paths(cfg.inputs, ".avro")) list += p + "\n";
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  ctx.agree_or_fail(error, "bad input");
  comm.bcast(list, 0);
  for (const auto& path : split_lines(list)) {
    auto t = flow::file_name_time(path);
    if ((cfg.from || cfg.to) && t && !flow::file_may_overlap(*t, cfg.file_seconds, cfg.from, cfg.to)) ++s.files_skipped;
    else s.files.push_back(path);
  }

  // Every rank opens every file: the header and the block list (no decoding).
  std::vector<flow::FlowAvroFile> files;
  std::vector<std::string> kept;
  for (const auto& path : s.files) {
    std::string why;
    try {
      flow::FlowAvroFile f(path);
      if (f.info().version != want)
        why = path + ": holds " + std::string(f.info().version == flow::FlowVersion::ft3 ? "FT3" : "FT4") +
              " flowtuples (" + std::string(flow::variant_name(f.info().variant)) + "), expected " +
              (want == flow::FlowVersion::ft3 ? "FT3" : "FT4");
      else {
        s.input_bytes += f.info().file_bytes;
        files.push_back(std::move(f));
        kept.push_back(path);
      }
    } catch (const std::exception& e) {
      why = e.what();
    }
    if (!why.empty()) {  // the same on every rank: every rank opened the same file
      if (cfg.fail_on_error) ctx.agree_or_fail(why, "unreadable input");
      ++s.files_unreadable;
      s.stats.add_error(why);
    }
  }
  s.files = kept;
  std::vector<Unit> units;
  std::vector<uint64_t> weights;
  for (size_t f = 0; f < files.size(); ++f)
    for (size_t b = 0; b < files[f].blocks().size(); ++b) {
      units.push_back({f, b});
      weights.push_back(files[f].blocks()[b].bytes + 64);
    }
  const auto [begin, end] = flow::split_units(weights, comm.size())[size_t(comm.rank())];
  flow::FlowReadStats local;
  if (ft3) decode_units(files, units, begin, end, *ft3, local);
  else decode_units(files, units, begin, end, *ft4, local);

  // Global counts; the first messages in rank order.
  std::vector<uint64_t> counts = {local.records_read, local.records_used,  local.records_rejected, local.blocks,
                                  local.blocks_rejected, local.bytes_stored, local.bytes_decoded,
                                  local.bytes_unknown, local.errors_total};
  comm.allreduce_sum_inplace(counts);
  std::string mine;
  for (const auto& e : local.errors) mine += e + "\n";
  auto all = comm.gather_strings(mine, 0);
  flow::FlowReadStats& g = s.stats;
  g.records_read = counts[0]; g.records_used = counts[1]; g.records_rejected = counts[2];
  g.blocks = counts[3]; g.blocks_rejected = counts[4]; g.bytes_stored = counts[5];
  g.bytes_decoded = counts[6]; g.bytes_unknown = counts[7]; g.errors_total += counts[8];
  for (const auto& text : all)
    for (const auto& e : split_lines(text))
      if (g.errors.size() < flow::FlowReadStats::kMaxMessages) g.errors.push_back(e);
  const bool bad = g.records_rejected > 0 || g.bytes_unknown > 0;
  if (cfg.fail_on_error && bad)
    ctx.agree_or_fail(comm.is_root() ? (g.errors.empty() ? "bad records" : g.errors.front()) : "",
                      "bad records in the input");
  return s;
}

}  // namespace scanhpc::commands
