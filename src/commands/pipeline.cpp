#include "scanhpc/commands/pipeline.hpp"

#include "scanhpc/core/codes.hpp"

#include <cstdio>

#include "scanhpc/commands/gzip_member_input.hpp"
#include "scanhpc/commands/input_table.hpp"
#include "scanhpc/commands/observation_table.hpp"
#include "scanhpc/commands/progress.hpp"
#include "scanhpc/commands/skipped_files.hpp"
#include "scanhpc/commands/stream_input.hpp"
#include "scanhpc/dist/banner_exchange.hpp"
#include "scanhpc/io/scan_formats.hpp"

namespace scanhpc::commands {

void add_ingest_options(po::options_description& o, const std::string& default_output) {
  o.add_options()
      ("output,o", po::value<std::string>()->default_value(default_output), "HDF5 output file")
      ("format", po::value<std::string>()->default_value("auto"), ("input format: " + scan_format_choices()).c_str())
      ("chunk-mb", po::value<uint64_t>()->default_value(8), "bytes of input per unit of thread work, in MiB")
      ("max-record-bytes", po::value<uint64_t>()->default_value(16 << 20),
       "longest input record accepted; longer ones are rejected")
      ("port", po::value<int>(), "ZMap input whose rows have no sport (default output, -f without sport): "
                                 "the scanned port, as given to ZMap's -p; ZGrab2 input whose records "
                                 "and modules name no port: its --port (before the module's default)")
      ("proto", po::value<std::string>()->default_value("tcp"), "ZMap input: the probe module's protocol, tcp or udp")
      ("lzr-filter", po::value<std::string>()->default_value("on"),
       "raw LZR input: on keeps only the records GPS's preparation keeps (non-empty data, RST false, "
       "window not 0); off reads every record")
      ("input", po::value<std::vector<std::string>>()->composing(), "input file, directory, glob or - (repeatable)");
  add_run_options(o);
}

IngestConfig ingest_config_from(const po::variables_map& vm) {
  IngestConfig c;
  if (vm.count("input")) c.inputs = vm["input"].as<std::vector<std::string>>();
  c.output = vm["output"].as<std::string>();
  auto fmt = parse_format_name(vm["format"].as<std::string>());
  if (!fmt || *fmt == MasscanFormat::empty || *fmt == MasscanFormat::unrecognized)
    throw UsageError("--format: expected one of " + scan_format_choices());
  c.format = *fmt;
  const RunOptions run = run_options_from(vm);
  c.fail_on_error = run.fail_on_error;
  c.quiet = run.quiet;
  c.threads = run.threads;
  c.round_bytes = run.round_bytes;
  c.force = run.force;
  c.allow_empty = run.allow_empty;
  c.chunk_bytes = vm["chunk-mb"].as<uint64_t>() << 20;
  c.max_record_bytes = vm["max-record-bytes"].as<uint64_t>();
  if (c.chunk_bytes == 0 || c.max_record_bytes == 0) throw UsageError("--chunk-mb and --max-record-bytes must be > 0");
  if (vm.count("port")) {
    c.default_port = vm["port"].as<int>();
    if (c.default_port < 0 || c.default_port > 65535) throw UsageError("--port: expected 0-65535");
  }
  const std::string proto = vm["proto"].as<std::string>();
  if (proto != "tcp" && proto != "udp") throw UsageError("--proto: expected tcp or udp");
  c.default_proto = uint8_t(proto == "tcp" ? Proto::tcp : Proto::udp);
  const std::string lzr = vm["lzr-filter"].as<std::string>();
  if (lzr != "on" && lzr != "off") throw UsageError("--lzr-filter: expected on or off");
  c.lzr_filter = lzr == "on";
  if (c.inputs.empty()) throw UsageError("no INPUT given");
  return c;
}

namespace {

uint64_t total_input_bytes(const std::vector<InputFile>& files) {
  uint64_t b = 0;
  for (const auto& f : files) b += f.bytes;
  return b;
}

// Why no record was used, for the exit-3 message; the same on every rank.
std::string nothing_used_hint(const std::vector<InputFile>& files, const IngestSummary& s, const IngestConfig& cfg) {
  if (files.empty())
    return "no input file: every file of the input folder(s) was skipped, " + describe_skipped(s.skipped);
  if (s.counts.records_read == 0)
    return "the input holds no records (" + std::to_string(files.size()) + " file(s), all empty)";
  for (const auto& f : files) {
    const std::string hint = decompress_hint(f.kind, f.path, "scan");
    if (!hint.empty()) return f.path + " is " + std::string(file_kind_description(f.kind)) + ": " + hint;
  }
  if (cfg.format != MasscanFormat::automatic)
    for (const auto& f : files)
      if (f.detected != f.format && f.detected != MasscanFormat::unrecognized && f.detected != MasscanFormat::empty)
        return "all " + std::to_string(s.counts.records_rejected) + " records were rejected; " + f.path +
               " looks like masscan " + std::string(format_name(f.detected)) + " output, not --format " +
               std::string(format_name(cfg.format)) + ": drop --format or give --format " +
               std::string(format_name(f.detected));
  std::string first;
  if (!s.errors.empty()) {
    const auto& e = s.errors.front();
    first = "; the first: " + (e.file < files.size() ? files[e.file].path : std::string("?")) + ": byte " +
            std::to_string(e.offset) + ": " + e.cause;
  }
  return "all " + std::to_string(s.counts.records_rejected) + " records were rejected" + first;
}

}  // namespace

DistributedInput ingest_and_distribute(RunContext& ctx, const IngestConfig& cfg) {
  const auto& comm = ctx.comm();
  DistributedInput out;
  // 1. split: the file table and this rank's byte ranges
  InputTable table = cfg.listed ? *cfg.listed : list_input_table(ctx, cfg.inputs, InputRole::masscan, cfg.format);
  out.files = std::move(table.files);
  for (auto& f : out.files) {  // ZMap's rows without sport take the scan's port
    f.default_port = cfg.default_port;
    f.default_proto = cfg.default_proto;
    f.lzr_filter = cfg.lzr_filter;
  }
  auto plan = plan_read_tasks(out.files, comm.size());
  out.input_bytes = total_input_bytes(out.files);
  // Streams holding more than their share are dealt to every rank as they
  // are read; everything else is parsed where the plan put it.
  std::vector<ReadTask> tasks, streams;
  bool any_streams = false;
  for (size_t r = 0; r < plan.size(); ++r)
    for (const auto& t : plan[r]) {
      const bool dealt = dealt_stream(out.files[t.file], t, out.input_bytes, comm.size());
      any_streams |= dealt;
      if (dealt && t.whole && out.files[t.file].path != "-" && out.files[t.file].bytes >= (uint64_t(32) << 20))
        ctx.warn(out.files[t.file].path + " (" + std::to_string(out.files[t.file].bytes >> 20) +
                 " MiB) is one stream, more than a rank's share of the input: one rank reads it and deals its "
                 "rows to every rank as it reads; give it uncompressed, compressed with bgzip, or in several files, to read it in parallel");
      if (r == size_t(comm.rank())) (dealt ? streams : tasks).push_back(t);
    }
  uint64_t task_bytes = 0, stream_bytes = 0;
  for (const auto& t : tasks) task_bytes += t.end - t.begin;
  for (const auto& t : streams) stream_bytes += t.end - t.begin;
  const uint64_t my_bytes = task_bytes + stream_bytes;

  // 2. parse this rank's share with OpenMP threads
  ProgressMeter progress(ctx.root() && !cfg.quiet, out.input_bytes,
                         out.input_bytes ? double(my_bytes) / double(out.input_bytes) : 1.0);
  IngestOptions io;
  io.keep_banners = cfg.keep_banners;
  io.stop_at_first_error = cfg.fail_on_error;
  io.chunk_bytes = cfg.chunk_bytes;
  io.max_record_bytes = cfg.max_record_bytes;
  io.threads = cfg.threads;
  io.read_observations = read_observation_rows;
  io.progress = [&](uint64_t b, uint64_t r) { progress.update(b, r); };
  IngestResult ingest;
  std::string error;
  try {
    ingest = local_ingest(out.files, tasks, io);
  } catch (const std::exception& e) {
    error = e.what();
  }
  if (any_streams) {  // collective: every rank deals, with or without streams of its own
    const uint64_t first_records = ingest.sink.counts.records_read;
    io.progress = [&, task_bytes, first_records](uint64_t b, uint64_t r) {
      progress.update(task_bytes + b, first_records + r);
    };
    try {
      IngestResult dealt = read_streams_dealt(comm, out.files, error.empty() ? streams : std::vector<ReadTask>{}, io,
                                              cfg.round_bytes, ingest.sink.status, ingest.sink.banners,
                                              &out.exchange.rounds);
      for (const auto& t : streams) ingest.detected[t.file] = dealt.detected[t.file];
      for (size_t i = 0; i < dealt.per_file.size() && i < ingest.per_file.size(); ++i) {
        ingest.per_file[i].records += dealt.per_file[i].records;
        ingest.per_file[i].rejected += dealt.per_file[i].rejected;
        ingest.per_file[i].bytes += dealt.per_file[i].bytes;
      }
      ingest.sink.merge(std::move(dealt.sink));
      for (auto& piece : dealt.gzip_pieces) ingest.gzip_pieces.push_back(std::move(piece));
    } catch (const std::exception& e) {
      if (error.empty()) error = e.what();
    }
  }
  if (any_gzip_members(out.files)) {  // collective: pieces of gzip files read by members take their places
    try {
      ctx.note_run_fact("gzip_member_ranks",
                        settle_gzip_member_pieces(comm, out.files, ingest, error.empty(), cfg.max_record_bytes));
    } catch (const std::exception& e) {
      if (error.empty()) error = e.what();
    }
  }
  progress.finish();
  ctx.agree_or_fail(error);
  ctx.end_stage("parse");
  for (size_t i = 0; i < out.files.size(); ++i) out.files[i].format = ingest.detected[i];

  out.summary = reduce_ingest(comm, out.files, ingest);
  out.summary.skipped = std::move(table.skipped);
  if (cfg.fail_on_error && out.summary.counts.records_rejected) {
    const auto& e = out.summary.errors.front();
    throw AgreedFailure(out.files[e.file].path + ": byte " + std::to_string(e.offset) + ": " + e.cause +
                        " (--on-error=fail)");
  }
  ctx.require_used(out.summary.counts.records_used == 0, cfg.allow_empty,
                   nothing_used_hint(out.files, out.summary, cfg));
  for (const auto& e : out.summary.damaged)  // used up to the damage, with a warning
    ctx.warn(out.files[e.file].path + ": byte " + std::to_string(e.offset) + ": " + e.cause);
  ctx.end_stage("reduce-counts");

  // 3. every row (and banner) to the rank owning its prefix
  if (cfg.keep_banners) {  // banners weigh in too (no copy of the addresses otherwise)
    std::vector<uint32_t> ips = ingest.sink.status.ip;
    ips.insert(ips.end(), ingest.sink.banners.ip.begin(), ingest.sink.banners.ip.end());
    out.ownership = dist::build_ownership(comm, ips);
  } else {
    out.ownership = dist::build_ownership(comm, ingest.sink.status.ip);
  }
  ctx.end_stage("partition");
  out.rows = dist::exchange_by_owner(comm, ingest.sink.status, out.ownership, cfg.round_bytes, &out.exchange,
                                     &out.spare);
  if (cfg.keep_banners)
    out.banners = dist::exchange_banners_by_owner(comm, ingest.sink.banners, out.ownership, cfg.round_bytes);
  ctx.end_stage("exchange");
  return out;
}

}  // namespace scanhpc::commands
