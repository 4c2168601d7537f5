// scanhpc scan: masscan output in, multiprobe and host analyses out (HDF5).
// The shared pipeline brings every open observation to the rank owning its
// prefix; then local sorted group-bys, integer merges, one collective write.
#include <omp.h>

#include <cstdio>
#include <iostream>
#include <set>
#include <sstream>

#include "scanhpc/analyses/scan_analysis.hpp"
#include "scanhpc/commands/observation_table.hpp"
#include "scanhpc/commands/pipeline.hpp"

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
    "--keep observations adds the repacked table /observations: every status\n"
    "observation as typed columns (16 bytes a row before compression), which\n"
    "any scanhpc command then reads as input instead of the text:\n"
    "\n"
    "  scanhpc scan --keep observations -o repacked.h5 scans/\n"
    "  scanhpc scan -o again.h5 repacked.h5\n"
    "\n"
    "An output that exists is replaced only with --force (never an input). Exit\n"
    "status: 0 success, 1 failure, 2 usage error, 3 nothing used (no record used\n"
    "or no file selected; --allow-empty makes that 0), 130/143 interrupted.\n";

struct ScanConfig {
  IngestConfig ingest;
  std::vector<const analyses::ScanAnalysisInfo*> analyses;  // registry order
  bool keep_observations = false;  // --keep observations: write /observations
};

ScanConfig to_config(const po::variables_map& vm) {
  ScanConfig c;
  c.ingest = ingest_config_from(vm);
  try {
    c.analyses = analyses::choose_scan_analyses(vm["analyses"].as<std::string>());
  } catch (const std::invalid_argument& e) {
    throw UsageError(std::string("--analyses: ") + e.what());
  }
  const std::string keep = vm["keep"].as<std::string>();
  if (keep == "observations") c.keep_observations = true;
  else if (!keep.empty() && keep != "none") throw UsageError("--keep: expected observations or none, not '" + keep + "'");
  return c;
}

po::options_description scan_options() {
  po::options_description o("scan options");
  add_ingest_options(o, "scan.h5");
  std::string names, help = "comma-separated analyses, or all";
  for (const auto& a : analyses::scan_analyses()) {
    help += (names.empty() ? ": " : "; ") + a.name + " (" + a.description + ")";
    names += (names.empty() ? "" : ",") + a.name;
  }
  o.add_options()("analyses", po::value<std::string>()->default_value(names), help.c_str());
  o.add_options()("keep", po::value<std::string>()->default_value("none"),
                  "observations: also write the repacked table /observations (every status observation, "
                  "typed and compressed), which every command reads as input; none: the analyses only");
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
    std::vector<ServiceEntry> sorted;
    if (cfg.keep_observations) {  // every status, fully ordered, written; then the open ones go on
      sorted = sort_observations(std::move(input.rows), std::move(input.spare));
      ctx.end_stage("sort");
      write_observation_table(ctx.output(), sorted);
      ctx.end_stage("observations");
      keep_open(sorted);
    } else {
      sorted = sort_open_services(std::move(input.rows), std::move(input.spare));
      ctx.end_stage("sort");
    }
    const uint64_t open_observations = comm.allreduce_sum(sorted.size());
    std::vector<std::unique_ptr<analyses::ScanAnalysis>> chosen;
    for (const auto* a : cfg.analyses) chosen.push_back(a->make());
    for (auto& a : chosen) a->accumulate(sorted);
    std::vector<ServiceEntry>().swap(sorted);
    uint64_t duplicates = 0;
    for (auto& a : chosen) {
      a->merge(comm);
      duplicates += a->duplicates();
    }
    ctx.end_stage("analyses");

    // collective HDF5 write, then rename
    write_ingest(ctx.output(), comm, input.files, input.summary, open_observations, duplicates);
    for (auto& a : chosen) a->write(ctx.output(), comm);
    ctx.end_stage("write");
    ctx.commit_output(input.input_bytes);
    std::string stages = ctx.stage_report();

    auto rss = ctx.peak_rss_bytes();
    std::vector<std::string> lines;
    for (const auto& a : chosen) lines.push_back(a->summary(comm));
    if (ctx.root() && !cfg.ingest.quiet) {
      print_scan_summary(input.files, input.summary, open_observations, lines, input.exchange, rss,
                         ctx.elapsed_seconds(), cfg.ingest.output);
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
