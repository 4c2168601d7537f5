// scanhpc scan: masscan output in, multiprobe and host analyses out (HDF5).
// inputs -> byte ranges per rank -> columns -> owner rank by prefix ->
// local sorted group-bys -> integer merges -> collective HDF5 write.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/progress.hpp"
#include "scanhpc/commands/run_context.hpp"
#include "scanhpc/commands/scan_output.hpp"
#include "scanhpc/dist/exchange.hpp"
#include "scanhpc/io/ingest.hpp"
#include "scanhpc/kernels/hosts.hpp"
#include "scanhpc/kernels/multiprobe.hpp"

namespace scanhpc::commands {
namespace {

constexpr const char* kScanUsage =
    "usage: scanhpc scan [options] INPUT...\n"
    "\n"
    "Reads masscan output (-oJ in every historic layout, -oD, -oL, -oG, -oX, -oB;\n"
    "files, directories, globs or - for stdin; gzip read transparently), spreads\n"
    "it over MPI ranks by IPv4 prefix and writes the multiprobe (seed 000) and\n"
    "hosts (seed 001) analyses to one HDF5 file (layout: docs/hdf5-layout.md).\n"
    "\n"
    "  mpirun -n 4 scanhpc scan -o scan.h5 scans/*.json.gz\n";

struct ScanConfig {
  std::vector<std::string> inputs;
  std::string output;
  MasscanFormat format = MasscanFormat::automatic;
  bool multiprobe = true, hosts = true;
  bool fail_on_error = false;
  bool quiet = false;
  int threads = 0;
  uint64_t chunk_bytes = 0, round_bytes = 0, max_record_bytes = 0;
};

ScanConfig to_config(const po::variables_map& vm) {
  ScanConfig c;
  if (vm.count("input")) c.inputs = vm["input"].as<std::vector<std::string>>();
  c.output = vm["output"].as<std::string>();
  auto fmt = parse_format_name(vm["format"].as<std::string>());
  if (!fmt || *fmt == MasscanFormat::empty)
    throw UsageError("--format: expected auto, json, ndjson, list, grepable, xml or binary");
  c.format = *fmt;
  std::set<std::string> chosen;
  std::stringstream list(vm["analyses"].as<std::string>());
  for (std::string a; std::getline(list, a, ',');) {
    if (a == "all") chosen.insert({"multiprobe", "hosts"});
    else if (a == "multiprobe" || a == "hosts") chosen.insert(a);
    else if (!a.empty()) throw UsageError("--analyses: unknown analysis '" + a + "' (multiprobe, hosts, all)");
  }
  if (chosen.empty()) throw UsageError("--analyses: choose at least one of multiprobe, hosts");
  c.multiprobe = chosen.count("multiprobe");
  c.hosts = chosen.count("hosts");
  const auto on_error = vm["on-error"].as<std::string>();
  if (on_error != "skip" && on_error != "fail") throw UsageError("--on-error: expected skip or fail");
  c.fail_on_error = on_error == "fail";
  c.quiet = vm["quiet"].as<bool>();
  c.threads = vm["threads"].as<int>();
  if (c.threads < 0) throw UsageError("--threads must be >= 0");
  c.chunk_bytes = vm["chunk-mb"].as<uint64_t>() << 20;
  c.round_bytes = vm["exchange-round-mb"].as<uint64_t>() << 20;
  c.max_record_bytes = vm["max-record-bytes"].as<uint64_t>();
  if (c.chunk_bytes == 0 || c.round_bytes == 0 || c.max_record_bytes == 0)
    throw UsageError("--chunk-mb, --exchange-round-mb and --max-record-bytes must be > 0");
  if (c.inputs.empty()) throw UsageError("no INPUT given (see scanhpc scan --help)");
  return c;
}

po::options_description scan_options() {
  po::options_description o("scan options");
  o.add_options()
      ("output,o", po::value<std::string>()->default_value("scan.h5"), "HDF5 output file")
      ("format", po::value<std::string>()->default_value("auto"),
       "input format: auto, json (-oJ), ndjson (-oD), list (-oL), grepable (-oG), xml (-oX), binary (-oB)")
      ("analyses", po::value<std::string>()->default_value("multiprobe,hosts"),
       "comma-separated analyses: multiprobe, hosts, all")
      ("on-error", po::value<std::string>()->default_value("skip"),
       "bad records: skip (count, report, go on) or fail (exit non-zero, no output)")
      ("threads", po::value<int>()->default_value(0), "OpenMP threads per rank (0: OMP_NUM_THREADS or all cores)")
      ("quiet,q", po::bool_switch()->default_value(false), "no progress or summary on stderr")
      ("chunk-mb", po::value<uint64_t>()->default_value(8), "bytes of input per unit of thread work, in MiB")
      ("exchange-round-mb", po::value<uint64_t>()->default_value(64),
       "most bytes a rank sends or receives in one MPI_Alltoallv round, in MiB")
      ("max-record-bytes", po::value<uint64_t>()->default_value(16 << 20),
       "longest input record accepted; longer ones are rejected")
      ("input", po::value<std::vector<std::string>>()->composing(), "input file, directory, glob or - (repeatable)");
  return o;
}

uint64_t total_input_bytes(const std::vector<InputFile>& files) {
  uint64_t b = 0;
  for (const auto& f : files) b += f.bytes;
  return b;
}

// Rank 0 lists and detects the inputs; everyone gets the same table.
std::vector<InputFile> shared_file_table(RunContext& ctx, const ScanConfig& cfg) {
  std::string table, error;
  if (ctx.root()) {
    try {
      table = serialize_inputs(enumerate_inputs(cfg.inputs, cfg.format));
    } catch (const std::exception& e) {
      error = e.what();
    }
  }
  ctx.agree_or_fail(error, "cannot read the inputs");
  ctx.comm().bcast(table, 0);
  return deserialize_inputs(table);
}

int run_scan(const ScanConfig& cfg, const std::string& config_ini) {
  if (cfg.threads > 0) omp_set_num_threads(cfg.threads);
  RunContext ctx("scan", config_ini, cfg.quiet);
  const auto& comm = ctx.comm();
  try {
    // 1. split: the file table and this rank's byte ranges
    auto files = shared_file_table(ctx, cfg);
    auto plan = plan_read_tasks(files, comm.size());
    const auto& tasks = plan[size_t(comm.rank())];
    uint64_t my_bytes = 0;
    for (const auto& t : tasks) my_bytes += t.end - t.begin;
    const uint64_t input_bytes = total_input_bytes(files);

    // 2. parse this rank's share with OpenMP threads
    ProgressMeter progress(ctx.root() && !cfg.quiet, input_bytes,
                           input_bytes ? double(my_bytes) / double(input_bytes) : 1.0);
    IngestOptions io;
    io.keep_banners = false;  // counted now; kept once an analysis needs banner text
    io.stop_at_first_error = cfg.fail_on_error;
    io.chunk_bytes = cfg.chunk_bytes;
    io.max_record_bytes = cfg.max_record_bytes;
    io.progress = [&](uint64_t b, uint64_t r) { progress.update(b, r); };
    IngestResult ingest;
    std::string error;
    try {
      ingest = local_ingest(files, tasks, io);
    } catch (const std::exception& e) {
      error = e.what();
    }
    progress.finish();
    ctx.agree_or_fail(error, "reading the input failed");
    ctx.end_stage("parse");
    for (size_t i = 0; i < files.size(); ++i) files[i].format = ingest.detected[i];

    auto summary = reduce_ingest(comm, files, ingest);
    if (cfg.fail_on_error && summary.counts.records_rejected) {
      if (ctx.root()) {
        const auto& e = summary.errors.front();
        std::fprintf(stderr, "scanhpc scan: %s: byte %llu: %s\n", files[e.file].path.c_str(),
                     (unsigned long long)e.offset, e.cause.c_str());
      }
      throw AgreedFailure("bad input record (--on-error=fail)");
    }

    // 3. route every observation to the rank owning its prefix
    ctx.end_stage("reduce-counts");
    auto ownership = dist::build_ownership(comm, ingest.sink.status.ip);
    ctx.end_stage("partition");
    dist::ExchangeStats xstats;
    std::vector<ServiceEntry> spare;
    auto owned = dist::exchange_by_owner(comm, ingest.sink.status, ownership, cfg.round_bytes, &xstats, &spare);

    // 4. local sorted group-bys (OpenMP), 5. integer merges
    ctx.end_stage("exchange");
    auto sorted = sort_open_services(std::move(owned), std::move(spare));
    ctx.end_stage("sort");
    ScanResults results;
    results.open_observations = comm.allreduce_sum(sorted.size());
    if (cfg.multiprobe) results.multiprobe = merge_multiprobe(comm, local_multiprobe(sorted));
    if (cfg.hosts) results.hosts = local_hosts(sorted);
    results.duplicates = results.multiprobe ? results.multiprobe->duplicates : 0;
    std::vector<ServiceEntry>().swap(sorted);
    ctx.end_stage("analyses");

    // 6. collective HDF5 write, then rename
    const uint64_t host_count = results.hosts ? results.hosts->table.size() : 0;
    h5::File out = ctx.create_output(cfg.output);
    write_scan_output(out, comm, files, summary, results);
    ctx.end_stage("write");
    ctx.commit_output(out, input_bytes);
    std::string stages = ctx.stage_report();

    auto rss = ctx.peak_rss_bytes();
    uint64_t hosts = comm.allreduce_sum(host_count);
    if (ctx.root() && !cfg.quiet)
      print_scan_summary(files, summary, results, xstats, rss, hosts, ctx.elapsed_seconds(), cfg.output);
    if (ctx.root() && !cfg.quiet) std::fprintf(stderr, "  stages: %s\n", stages.c_str());
    return 0;
  } catch (const AgreedFailure& e) {
    ctx.discard_output();
    if (ctx.root()) std::fprintf(stderr, "scanhpc scan: failed: %s; no output written\n", e.what());
    return 1;
  } catch (const std::exception& e) {
    // One rank failed alone: the others may wait in a collective forever.
    ctx.discard_output();
    std::fprintf(stderr, "scanhpc scan: rank %d: error: %s\n", comm.rank(), e.what());
    if (comm.size() > 1) MPI_Abort(comm.get(), 1);
    return 1;
  }
}

}  // namespace

int scan(const Args& args) {
  auto options = scan_options();
  ParsedCommand parsed;
  try {
    parsed = parse_command(args, options, "input");
    if (parsed.help) {
      std::cout << kScanUsage << "\n" << options << "\n";
      return 0;
    }
    if (parsed.dump_config) {
      std::cout << effective_config(options, parsed.vm);
      return 0;
    }
    auto cfg = to_config(parsed.vm);
    dist::Environment mpi(nullptr, nullptr);
    return run_scan(cfg, effective_config(options, parsed.vm));
  } catch (const UsageError& e) {
    std::cerr << "scanhpc scan: " << e.what() << "\n(see scanhpc scan --help)\n";
    return 2;
  }
}

}  // namespace scanhpc::commands
