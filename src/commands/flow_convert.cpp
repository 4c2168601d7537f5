// scanhpc flow convert: FT3 -> FT4 with ftconvert's semantics
// (docs/flowtuple-convert.md). Ranks read consecutive Avro blocks; FT3 rows
// move to the rank owning their source /16 (a flow never spans sources, and
// rows arrive grouped by source rank, i.e. in input order, so "first record"
// fields are those of the first record in the input); each rank aggregates
// its flows; then, interval by interval, rank 0 gathers the parts, merges
// them into the canonical order and writes one FT4 file. Files are written
// under temporary names and renamed when every interval succeeded; the
// summary DIR/convert.h5 (provenance and counts) is renamed into place last,
// so it exists only beside a complete conversion.
#include <omp.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <iostream>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/flow_commands.hpp"
#include "scanhpc/commands/interrupts.hpp"
#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/core/fault_injection.hpp"
#include "scanhpc/core/random.hpp"
#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/flow/convert.hpp"
#include "scanhpc/flow/pack.hpp"

namespace scanhpc::commands {
namespace {

namespace fs = std::filesystem;

struct ConvertConfig {
  FlowInputConfig input;
  flow::ConvertOptions convert;
  flow::FlowWriteOptions write;
  std::string output_dir, name_prefix;
  int threads = 0;
  bool quiet = false, force = false;
  uint64_t round_bytes = 64 << 20;
};

// The rows of `rows` sent to the owner of their source /16, received in rank order.
flow::Ft3Columns exchange_by_source(const dist::Comm& comm, const flow::Ft3Columns& rows, uint64_t round_bytes,
                                     uint64_t* rounds) {
  const size_t ranks = size_t(comm.size());
  std::vector<int> dest(rows.size());
  std::vector<uint64_t> counts(ranks, 0), offsets(ranks, 0);
  for (size_t i = 0; i < rows.size(); ++i) {
    dest[i] = int(hash2(rows.src_ip[i] >> 16, 0xf10e) % ranks);
    ++counts[size_t(dest[i])];
  }
  for (size_t d = 1; d < ranks; ++d) offsets[d] = offsets[d - 1] + counts[d - 1];
  std::vector<flow::Ft3Record> grouped(rows.size());
  auto cursor = offsets;
  for (size_t i = 0; i < rows.size(); ++i) grouped[cursor[size_t(dest[i])]++] = rows.row(i);
  auto received = dist::alltoallv_rounds(comm, grouped, counts, offsets, round_bytes, rounds);
  flow::Ft3Columns out;
  for (const auto& r : received) out.push_back(r);
  return out;
}

std::string file_name(const ConvertConfig& cfg, uint32_t interval_start) {
  return cfg.name_prefix + "_" + std::to_string(interval_start) + ".ft4.avro";
}

int run_flow_convert(const ConvertConfig& cfg, const std::string& ini) {
  if (cfg.threads > 0) omp_set_num_threads(cfg.threads);
  RunContext ctx("flow convert", ini, cfg.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    const std::string summary_path = (fs::path(cfg.output_dir) / "convert.h5").string();
    ctx.declare_outputs({{cfg.output_dir, true}, {summary_path}}, cfg.force, summary_path, cfg.input.inputs);
    std::string error;
    if (ctx.root() && !cfg.force) {  // FT4 files of this name pattern already there: another conversion's
      std::error_code ec;
      for (const auto& e : fs::directory_iterator(cfg.output_dir, ec)) {
        const std::string name = e.path().filename().string();
        if (name.starts_with(cfg.name_prefix + "_") && name.ends_with(".ft4.avro")) {
          error = "cannot write " + cfg.output_dir + ": it holds FT4 files of the same names (" + e.path().string() +
                  "); use --force to replace them, or another directory";
          break;
        }
      }
    }
    ctx.agree_root(error);
    flow::Ft3Columns ft3;
    auto in = read_flow_inputs(ctx, cfg.input, &ft3, nullptr);
    if (ctx.root() && cfg.force && fs::exists(summary_path)) {
      // The old summary would describe files this run replaces: it goes before any is written.
      std::error_code ec;
      fs::remove(summary_path, ec);
      if (ec) error = "cannot remove the old " + summary_path + ": " + ec.message();
    }
    ctx.agree_root(error);
    ctx.end_stage("read");
    uint64_t rounds = 0;
    ft3 = exchange_by_source(comm, ft3, cfg.round_bytes, &rounds);
    ctx.end_stage("exchange");
    const flow::Ft4Columns ft4 = flow::convert_ft3_to_ft4(ft3, cfg.convert);
    const uint64_t ft3_rows = comm.allreduce_sum(ft3.size());
    ft3 = {};
    ctx.end_stage("convert");

    // Every interval present on any rank, in order.
    std::vector<uint32_t> mine(ft4.time.begin(), ft4.time.end());
    mine.erase(std::unique(mine.begin(), mine.end()), mine.end());
    auto intervals = dist::allgatherv(comm, mine);
    std::sort(intervals.begin(), intervals.end());
    intervals.erase(std::unique(intervals.begin(), intervals.end()), intervals.end());
    std::vector<std::pair<std::string, std::string>> written;  // temporary -> final (rank 0)
    std::vector<std::string> tmp_names;                         // every rank
    uint64_t ft4_rows = 0;
    size_t row = 0;
    for (size_t k = 0; k < intervals.size(); ++k) {
      size_t end = row;
      while (end < ft4.size() && ft4.time[end] == intervals[k]) ++end;
      // Every rank knows the temporary name, and removes it if interrupted (rank 0 writes it).
      const std::string tmp_path =
          (fs::path(cfg.output_dir) / ("." + file_name(cfg, intervals[k]) + ".tmp." + ctx.run_id())).string();
      if (!ctx.root()) remove_on_interrupt(tmp_path);
      tmp_names.push_back(tmp_path);
      std::string packed;
      flow::pack_ft4(ft4, row, end, packed);
      row = end;
      auto parts_bytes = comm.gather_strings(packed, 0);
      if (ctx.root()) {
        try {
          std::vector<flow::Ft4Columns> parts(parts_bytes.size());
          for (size_t r = 0; r < parts.size(); ++r) flow::unpack_ft4(parts_bytes[r], parts[r]);
          parts_bytes.clear();
          const flow::Ft4Columns merged = flow::merge_ft4_parts(parts);
          const std::string final_path = (fs::path(cfg.output_dir) / file_name(cfg, intervals[k])).string();
          error = local_output_problem({final_path}, cfg.force);
          if (error.empty()) error = local_output_is_input({final_path}, in.files);
          if (error.empty()) {
            ctx.add_temporary(tmp_path);
            flow::write_ft4_avro(tmp_path, merged, cfg.write);
            written.emplace_back(tmp_path, final_path);
            ft4_rows += merged.size();
            fault_point("convert-write");
          }
        } catch (const std::exception& e) {
          error = e.what();
        }
        if (!cfg.quiet && (k + 1 == intervals.size() || k % 12 == 11))
          std::fprintf(stderr, "scanhpc flow convert: %zu/%zu intervals written\n", k + 1, intervals.size());
      }
      ctx.agree_root(error);
    }
    ctx.end_stage("write");
    if (ctx.root()) {
      for (const auto& [tmp, final_path] : written) {
        std::error_code ec;
        fs::rename(tmp, final_path, ec);
        if (ec && error.empty()) error = "cannot move " + tmp + " to " + final_path + ": " + ec.message();
        if (!ec) ctx.forget_temporary(tmp);
      }
    }
    ctx.agree_root(error);
    for (const auto& t : tmp_names) keep_on_interrupt(t);
    h5::File& out = ctx.output();
    write_flow_input_attrs(out, ctx.root(), in);
    out.write_attr("/flow", "ft3_rows", ft3_rows);
    out.write_attr("/flow", "ft4_rows", comm.allreduce_sum(ft4.size()));
    out.write_attr("/flow", "ft4_files", uint64_t(intervals.size()));
    out.write_attr("/flow", "dst_prefix", uint64_t(cfg.convert.dst_prefix));
    out.write_attr("/flow", "interval", uint64_t(cfg.convert.interval_s));
    out.write_attr("/flow", "quality_rule",
                   std::string(cfg.convert.quality == flow::QualityRule::code ? "code" : "doc"));
    out.write_attr("/flow", "codec", std::string(flow::codec_name(cfg.write.codec)));
    ctx.note_run_fact("exchange_rounds", rounds);
    ctx.commit_output(in.input_bytes);
    const std::string stages = ctx.stage_report();
    if (ctx.root() && !cfg.quiet)
      std::fprintf(stderr,
                   "scanhpc flow convert: %zu file(s); records read %llu = used %llu + rejected %llu; %llu FT4 "
                   "flows in %zu file(s) -> %s; exchange in %llu round(s)\n  stages: %s\n",
                   in.files.size(), (unsigned long long)in.stats.records_read,
                   (unsigned long long)in.stats.records_used, (unsigned long long)in.stats.records_rejected,
                   (unsigned long long)ft4_rows, intervals.size(), cfg.output_dir.c_str(),
                   (unsigned long long)rounds, stages.c_str());
    return 0;
  });
}

}  // namespace

int flow_convert(const Args& args) {
  po::options_description o("flow convert options");
  o.add_options()
      ("output,o", po::value<std::string>(), "output directory for the FT4 files (required)")
      ("dst-prefix", po::value<uint32_t>()->default_value(16), "destination network prefix of the flow key: 16 or 24")
      ("interval", po::value<uint32_t>()->default_value(300), "FT4 interval in seconds (one file each)")
      ("quality", po::value<std::string>()->default_value("code"),
       "common-value ratio rule: code (ftconvert's) or doc (CAIDA's web page)")
      ("codec", po::value<std::string>()->default_value("deflate"), "Avro codec of the output: deflate or null")
      ("name-prefix", po::value<std::string>()->default_value(""),
       "output names PREFIX_<time>.ft4.avro (default v3_5min for 300 s, else v3_<N>s)")
      ("on-error", po::value<std::string>()->default_value("skip"),
       "bad files or records: skip (count, report, go on) or fail (exit non-zero, no output)")
      ("threads", po::value<int>()->default_value(0), "OpenMP threads per rank (0: OMP_NUM_THREADS or all cores)")
      ("exchange-round-mb", po::value<uint64_t>()->default_value(64),
       "most bytes a rank sends or receives in one MPI_Alltoallv round, in MiB")
      ("quiet,q", po::bool_switch()->default_value(false), "no progress or summary on stderr")
      ("input", po::value<std::vector<std::string>>()->composing(), "FT3 file, directory or glob (repeatable)");
  add_safety_options(o);
  try {
    auto parsed = parse_command(args, o, "input");
    if (parsed.help) {
      std::cout << "usage: scanhpc flow convert [options] FT3... -o DIR\n\n" << o << "\n";
      return 0;
    }
    if (parsed.dump_config) {
      std::cout << effective_config(o, parsed.vm);
      return 0;
    }
    const auto& vm = parsed.vm;
    ConvertConfig c;
    if (!vm.count("output")) throw UsageError("-o DIR is required");
    c.output_dir = vm["output"].as<std::string>();
    if (vm.count("input")) c.input.inputs = vm["input"].as<std::vector<std::string>>();
    if (c.input.inputs.empty()) throw UsageError("no input given");
    c.convert.dst_prefix = vm["dst-prefix"].as<uint32_t>();
    if (c.convert.dst_prefix != 16 && c.convert.dst_prefix != 24) throw UsageError("--dst-prefix: 16 or 24");
    c.convert.interval_s = vm["interval"].as<uint32_t>();
    if (c.convert.interval_s == 0) throw UsageError("--interval must be positive");
    const auto quality = vm["quality"].as<std::string>();
    if (quality != "code" && quality != "doc") throw UsageError("--quality: code or doc");
    c.convert.quality = quality == "code" ? flow::QualityRule::code : flow::QualityRule::doc;
    const auto codec = vm["codec"].as<std::string>();
    if (codec != "deflate" && codec != "null") throw UsageError("--codec: deflate or null");
    c.write.codec = codec == "deflate" ? flow::AvroCodec::deflate : flow::AvroCodec::null;
    c.name_prefix = vm["name-prefix"].as<std::string>();
    if (c.name_prefix.empty())
      c.name_prefix = c.convert.interval_s == 300 ? "v3_5min" : "v3_" + std::to_string(c.convert.interval_s) + "s";
    const auto on_error = vm["on-error"].as<std::string>();
    if (on_error != "skip" && on_error != "fail") throw UsageError("--on-error: expected skip or fail");
    c.input.fail_on_error = on_error == "fail";
    c.force = vm["force"].as<bool>();
    c.input.allow_empty = vm["allow-empty"].as<bool>();
    c.threads = vm["threads"].as<int>();
    c.quiet = vm["quiet"].as<bool>();
    c.round_bytes = vm["exchange-round-mb"].as<uint64_t>() << 20;
    if (c.round_bytes == 0) throw UsageError("--exchange-round-mb must be positive");
    dist::Environment mpi(nullptr, nullptr);
    return run_flow_convert(c, effective_config(o, parsed.vm));
  } catch (const UsageError& e) {
    return usage_error("flow convert", e);
  }
}

}  // namespace scanhpc::commands
