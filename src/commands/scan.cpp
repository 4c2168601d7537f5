// scanhpc scan: masscan output in, multiprobe and host analyses out (HDF5).
// The shared pipeline brings every open observation to the rank owning its
// prefix; then local sorted group-bys, integer merges, one collective write.
#include <omp.h>

#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

#include "scanhpc/commands/pipeline.hpp"
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
    "  mpirun -n 4 scanhpc scan -o scan.h5 scans/*.json.gz\n"
    "\n"
    "An output that exists is replaced only with --force (never an input). Exit\n"
    "status: 0 success, 1 failure, 2 usage error, 3 nothing used (no record used\n"
    "or no file selected; --allow-empty makes that 0), 130/143 interrupted.\n";

struct ScanConfig {
  IngestConfig ingest;
  bool multiprobe = true, hosts = true;
};

ScanConfig to_config(const po::variables_map& vm) {
  ScanConfig c;
  c.ingest = ingest_config_from(vm);
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
  return c;
}

po::options_description scan_options() {
  po::options_description o("scan options");
  add_ingest_options(o, "scan.h5");
  o.add_options()("analyses", po::value<std::string>()->default_value("multiprobe,hosts"),
                  "comma-separated analyses: multiprobe, hosts, all");
  return o;
}

int run_scan(const ScanConfig& cfg, const std::string& config_ini) {
  if (cfg.ingest.threads > 0) omp_set_num_threads(cfg.ingest.threads);
  RunContext ctx("scan", config_ini, cfg.ingest.quiet);
  const auto& comm = ctx.comm();
  return ctx.run([&] {
    ctx.declare_outputs({{cfg.ingest.output}}, cfg.ingest.force, cfg.ingest.output, cfg.ingest.inputs);
    auto input = ingest_and_distribute(ctx, cfg.ingest);

    // local sorted group-bys (OpenMP), then integer merges
    auto sorted = sort_open_services(std::move(input.rows), std::move(input.spare));
    ctx.end_stage("sort");
    ScanResults results;
    results.open_observations = comm.allreduce_sum(sorted.size());
    if (cfg.multiprobe) results.multiprobe = merge_multiprobe(comm, local_multiprobe(sorted));
    if (cfg.hosts) results.hosts = local_hosts(sorted);
    results.duplicates = results.multiprobe ? results.multiprobe->duplicates : 0;
    std::vector<ServiceEntry>().swap(sorted);
    ctx.end_stage("analyses");

    // collective HDF5 write, then rename
    const uint64_t host_count = results.hosts ? results.hosts->table.size() : 0;
    write_scan_output(ctx.output(), comm, input.files, input.summary, results);
    ctx.end_stage("write");
    ctx.commit_output(input.input_bytes);
    std::string stages = ctx.stage_report();

    auto rss = ctx.peak_rss_bytes();
    uint64_t hosts = comm.allreduce_sum(host_count);
    if (ctx.root() && !cfg.ingest.quiet) {
      print_scan_summary(input.files, input.summary, results, input.exchange, rss, hosts, ctx.elapsed_seconds(),
                         cfg.ingest.output);
      std::fprintf(stderr, "  stages: %s\n", stages.c_str());
    }
    return 0;
  });
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
    return usage_error("scan", e);
  }
}

}  // namespace scanhpc::commands
