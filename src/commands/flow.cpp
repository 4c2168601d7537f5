// scanhpc flow: STARDUST flowtuple queries (top, series, intersect) and the
// FT3 -> FT4 conversion (flow_convert.cpp). Blocks of the Avro files are
// spread over ranks (flow_input.cpp); each query selects rows locally
// (OpenMP) and feeds the analyses of src/analyses (flow_registry.cpp), which
// merge their partials at key owners and write their groups.
#include <omp.h>

#include <cstdio>
#include <iostream>
#include <memory>

#include "scanhpc/analyses/flow_analysis.hpp"
#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/run_options.hpp"
#include "scanhpc/commands/flow_commands.hpp"
#include "scanhpc/commands/flow_input.hpp"
#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/flow/query.hpp"

namespace scanhpc::commands {
namespace {

constexpr const char* kFlowUsage =
    "usage: scanhpc flow top       [options] FT4...   top-N values of fields by flows, packets or dst IPs\n"
    "       scanhpc flow series    [options] FT4...   per interval: packets, sources, dst nets, ASNs\n"
    "       scanhpc flow intersect [options] FT4...   flows matching the first --where, and all of them\n"
    "       scanhpc flow convert   [options] FT3... -o DIR   FT3 -> FT4 with ftconvert's semantics\n"
    "\n"
    "Inputs are FT3/FT4 Avro files (CAIDA STARDUST flowtuples), directories (their *.avro files) or\n"
    "globs. Selections (every query): --from/--to (Unix seconds, inclusive, on `time`; files are also\n"
    "chosen by the time in their names), --src-prefix CIDR, --common ttls=200-255, --where 'FIELD OP VALUE'.\n"
    "Layout: docs/hdf5-layout.md.\n"
    "\n"
    "  mpirun -n 4 scanhpc flow top --field netacq_country --by flows -n 5 --common ttls=200-255 ft4/\n"
    "  mpirun -n 4 scanhpc flow series --src-prefix 130.0.0.0/8 -o series.h5 ft4/\n"
    "  mpirun -n 4 scanhpc flow intersect --where 'netacq_country == RU' --where 'uniq_dst_ips >= 60000' ft4/\n";

void add_selection_options(po::options_description& o, const char* default_output) {
  o.add_options()
      ("output,o", po::value<std::string>()->default_value(default_output), "HDF5 output file")
      ("from", po::value<uint32_t>(), "first time (Unix seconds, inclusive)")
      ("to", po::value<uint32_t>(), "last time (Unix seconds, inclusive)")
      ("file-seconds", po::value<uint32_t>(),
       "span of one input file, for choosing files by the time in their names (default: from the name, "
       "as in v3_3600s_..., else 300)")
      ("src-prefix", po::value<std::vector<std::string>>()->composing(), "source prefix a.b.c.d/len (repeatable)")
      ("common", po::value<std::vector<std::string>>()->composing(),
       "common-value filter ARRAY=LO-HI[,LO-HI] over pktsizes, ttls, srcports, tcpflags (repeatable)")
      ("where", po::value<std::vector<std::string>>()->composing(), "condition 'FIELD OP VALUE' (repeatable)")
      ("input", po::value<std::vector<std::string>>()->composing(), "input file, directory or glob (repeatable)");
  add_run_options(o);
}

template <class T>
std::vector<T> many(const po::variables_map& vm, const char* name) {
  return vm.count(name) ? vm[name].as<std::vector<T>>() : std::vector<T>{};
}

FlowQueryConfig query_config_from(const po::variables_map& vm) {
  FlowQueryConfig c;
  c.output = vm["output"].as<std::string>();
  c.input.inputs = many<std::string>(vm, "input");
  if (c.input.inputs.empty()) throw UsageError("no input given");
  if (vm.count("from")) c.input.from = c.selection.time_from = vm["from"].as<uint32_t>();
  if (vm.count("to")) c.input.to = c.selection.time_to = vm["to"].as<uint32_t>();
  if (vm.count("file-seconds")) c.input.file_seconds = vm["file-seconds"].as<uint32_t>();
  if (c.input.file_seconds && *c.input.file_seconds == 0) throw UsageError("--file-seconds must be positive");
  const RunOptions run = run_options_from(vm);
  c.force = run.force;
  c.input.allow_empty = run.allow_empty;
  c.input.fail_on_error = run.fail_on_error;
  c.threads = run.threads;
  c.quiet = run.quiet;
  c.round_bytes = run.round_bytes;
  try {
    c.selection.sources = flow::parse_prefixes(many<std::string>(vm, "src-prefix"));
    for (const auto& f : many<std::string>(vm, "common")) c.selection.common.push_back(flow::parse_common_filter(f));
    for (const auto& w : many<std::string>(vm, "where")) c.selection.where.push_back(flow::parse_condition(w));
  } catch (const std::invalid_argument& e) {
    throw UsageError(e.what());
  }
  return c;
}

// Collective: /flow with the input's counts and the query's selection.
void write_flow_attrs(h5::File& out, bool root, const FlowInputSummary& in, const FlowQueryConfig& cfg,
                      uint64_t selected) {
  write_flow_input_attrs(out, root, in);
  out.write_attr("/flow", "records_selected", selected);
  out.write_attr("/flow", "time_from", int64_t(cfg.selection.time_from ? int64_t(*cfg.selection.time_from) : -1));
  out.write_attr("/flow", "time_to", int64_t(cfg.selection.time_to ? int64_t(*cfg.selection.time_to) : -1));
  out.write_attr("/flow", "conditions", cfg.selection.describe());
}

void print_input_summary(const char* name, const FlowInputSummary& in, uint64_t selected, const std::string& stages) {
  std::fprintf(stderr,
               "scanhpc flow %s: %zu file(s) (%llu skipped by name time, %llu unreadable); records read %llu = "
               "used %llu + rejected %llu; selected %llu\n  stages: %s\n",
               name, in.files.size(), (unsigned long long)in.files_out_of_range, (unsigned long long)in.files_unreadable,
               (unsigned long long)in.stats.records_read, (unsigned long long)in.stats.records_used,
               (unsigned long long)in.stats.records_rejected, (unsigned long long)selected, stages.c_str());
  for (size_t i = 0; i < in.messages.size() && i < 5; ++i) std::fprintf(stderr, "  %s\n", in.messages[i].c_str());
}

}  // namespace

int threads_of(const FlowQueryConfig& cfg) {
  if (cfg.threads > 0) omp_set_num_threads(cfg.threads);
  return std::max(1, omp_get_max_threads());
}

// Collective: the chosen analyses over one pass of the selected FT4 rows
// (src/analyses, one shape: accumulate per thread, merge, write, print).
int run_flow_query(const FlowQueryConfig& cfg, const std::string& command, const std::vector<std::string>& names,
                   const analyses::FlowAnalysisOptions& options, const std::string& ini) {
  const int threads = threads_of(cfg);
  RunContext ctx("flow " + command, ini, cfg.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs({{cfg.output}}, cfg.force, cfg.output, cfg.input.inputs);
    std::vector<std::unique_ptr<analyses::FlowAnalysis>> chosen;
    for (const auto& name : names) chosen.push_back(analyses::flow_analysis(name).make(options, threads));
    std::vector<uint64_t> selected_parts(size_t(threads), 0);
    uint32_t columns = cfg.selection.ft4_columns();  // decode into the columns the query reads only
    for (const auto& a : chosen) columns |= a->ft4_columns();
    auto in = stream_ft4_inputs(ctx, cfg.input, threads, [&](int t, const flow::Ft4Columns& chunk) {
      const auto selected = flow::local_select(chunk, cfg.selection);
      selected_parts[size_t(t)] += selected.size();
      for (auto& a : chosen) a->accumulate(t, chunk, selected);
    }, columns);
    ctx.end_stage("read+select");
    uint64_t n_selected = 0;
    for (uint64_t x : selected_parts) n_selected += x;
    n_selected = comm.allreduce_sum(n_selected);
    for (auto& a : chosen) a->merge(comm);
    ctx.end_stage("merge");
    h5::File& out = ctx.output();
    write_flow_attrs(out, ctx.root(), in, cfg, n_selected);
    for (auto& a : chosen) a->write(out, comm);
    ctx.end_stage("write");
    ctx.commit_output(in.input_bytes);
    const std::string stages = ctx.stage_report();
    if (ctx.root()) {
      for (const auto& a : chosen) a->print();
      if (!cfg.quiet) print_input_summary(command.c_str(), in, n_selected, stages);
    }
    return 0;
  });
}

int flow(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kFlowUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string step = args[0];
  if (step == "convert") return flow_convert(Args(args.begin() + 1, args.end()));
  po::options_description options("flow " + step + " options");
  if (step == "top") {
    add_selection_options(options, "flow-top.h5");
    options.add_options()
        ("field", po::value<std::vector<std::string>>()->composing(), "field to rank (repeatable; default netacq_country)")
        ("by", po::value<std::vector<std::string>>()->composing(), "flows, packets or dst_ips (repeatable; default flows)")
        ("top,n", po::value<size_t>()->default_value(10), "rows before Other")
        ("series", po::bool_switch()->default_value(false), "also write /flow/series of the same selection");
  } else if (step == "series") {
    add_selection_options(options, "flow-series.h5");
  } else if (step == "intersect") {
    add_selection_options(options, "flow-intersect.h5");
    options.add_options()("sample", po::value<size_t>()->default_value(10), "matching rows kept as a sample");
  } else {
    if (launcher_root()) std::cerr << "scanhpc flow: unknown step '" << step << "'\n\n" << kFlowUsage;
    return 2;
  }
  try {
    auto parsed = parse_command(Args(args.begin() + 1, args.end()), options, "input");
    if (parsed.help) {
      std::cout << kFlowUsage << "\n" << options << "\n";
      return 0;
    }
    if (parsed.dump_config) {
      std::cout << effective_config(options, parsed.vm);
      return 0;
    }
    auto cfg = query_config_from(parsed.vm);
    const std::string ini = effective_config(options, parsed.vm);
    analyses::FlowAnalysisOptions options;
    options.selection = cfg.selection;
    options.round_bytes = cfg.round_bytes;
    std::vector<std::string> names = {step};
    if (step == "top") {
      auto fields = many<std::string>(parsed.vm, "field");
      auto metrics = many<std::string>(parsed.vm, "by");
      if (fields.empty()) fields = {"netacq_country"};
      if (metrics.empty()) metrics = {"flows"};
      for (const auto& f : fields) {
        auto field = flow::parse_field(f);
        if (!field) throw UsageError("--field: unknown field '" + f + "'");
        for (const auto& m : metrics) {
          auto metric = flow::parse_metric(m);
          if (!metric) throw UsageError("--by: expected flows, packets or dst_ips, not '" + m + "'");
          options.tables.emplace_back(*field, *metric);
        }
      }
      options.top_n = parsed.vm["top"].as<size_t>();
      if (parsed.vm["series"].as<bool>()) names.push_back("series");
    }
    if (step == "intersect") {
      if (cfg.selection.where.empty())
        throw UsageError("intersect: give at least one --where (the first is the baseline)");
      options.sample = parsed.vm["sample"].as<size_t>();
    }
    dist::Environment mpi(nullptr, nullptr);
    return run_flow_query(cfg, step, names, options, ini);
  } catch (const UsageError& e) {
    return usage_error("flow " + step, e);
  }
}

}  // namespace scanhpc::commands
