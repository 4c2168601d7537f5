// scanhpc ports: seed 003's port analyses (ports as categories) over honeypot
// CSV logs, FT4 flowtuples or masscan output. Each rank reads its share of the
// inputs into events, sensor names get one global numbering (sorted names),
// the analyses that count events take their partials, the events are reduced
// to distinct (day, sensor, protocol, port, source) tuples, which move to the
// rank owning their source address (so distinct sources add up across
// ranks), and the chosen analyses of src/analyses
// (ports_registry.cpp, one shape: accumulate, merge at owners, write, print)
// run on them (docs/hdf5-layout.md).
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <iostream>
#include <iterator>
#include <map>
#include <mutex>

#include "scanhpc/analyses/ports_analysis.hpp"
#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/run_options.hpp"
#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/commands/ports_input.hpp"
#include "scanhpc/commands/skipped_files.hpp"
#include "scanhpc/core/huge_pages.hpp"
#include "scanhpc/core/random.hpp"
#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/exchange.hpp"
#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/dist/tree_reduce.hpp"
#include "scanhpc/ports/port_stats.hpp"
#include "scanhpc/ports/port_tuples.hpp"

namespace scanhpc::commands {
namespace {

constexpr const char* kPortsUsage =
    "usage: scanhpc ports [options] INPUT...\n"
    "\n"
    "Seed 003's port analyses (ports as categories), chosen with --analyses (default all), each\n"
    "writing its own tables under /ports:\n"
    "  top         the top ports per protocol, and the events without a port;\n"
    "  daily       unique sources per (day, sensor, protocol, port) after removing duplicate\n"
    "              (day, sensor, source, port) rows, their mean over sensors per (day, protocol,\n"
    "              port), box-plot statistics of the top ports' means per port and month;\n"
    "  neighbours  how many sources hit neighbour ports (--pair 1433:1434).\n"
    "Inputs: honeypot CSV logs (the marx layout of Data-Driven Security, or any CSV mapped with\n"
    "--columns), FT4 flowtuple Avro files (sensor = destination network, one event per flow) or\n"
    "masscan output (sensor \"scan\", one event per open port, the host as source).\n"
    "Layout: docs/hdf5-layout.md.\n"
    "\n"
    "  mpirun -n 4 scanhpc ports -o ports.h5 marx.csv\n"
    "  mpirun -n 4 scanhpc ports --source ft4 -o ports.h5 ft4/\n"
    "  mpirun -n 4 scanhpc ports --analyses top,neighbours -o ports.h5 marx.csv\n";

struct PortsConfig {
  PortsInputConfig input;
  std::string output;
  std::vector<const analyses::PortsAnalysisInfo*> analyses;  // registry order
  analyses::PortsAnalysisOptions options;
  int threads = 0;
  bool quiet = false, force = false;
};

// Collective: every rank's sensor names, sorted and deduplicated, on every
// rank; `local_to_global` maps this rank's sensor ids.
std::vector<std::string> global_sensors(const dist::Comm& comm, const std::vector<std::string>& mine,
                                        std::vector<uint32_t>& local_to_global) {
  // Sorted distinct names as "name\n..." bytes, merged up a tree (rank 0 receives log2(P) lists, each
  // at most the final one) and broadcast once, deduplicated.
  auto pack = [](const std::vector<std::string>& names) {
    std::vector<char> out;
    for (const auto& n : names) {
      out.insert(out.end(), n.begin(), n.end());
      out.push_back('\n');
    }
    return out;
  };
  auto unpack = [](const char* p, size_t n) {
    std::vector<std::string> out;
    for (size_t pos = 0; pos < n;) {
      const size_t nl = size_t(std::find(p + pos, p + n, '\n') - p);
      out.emplace_back(p + pos, nl - pos);
      pos = nl + 1;
    }
    return out;
  };
  std::vector<std::string> sorted = mine;
  std::sort(sorted.begin(), sorted.end());
  sorted.erase(std::unique(sorted.begin(), sorted.end()), sorted.end());
  const auto merged = dist::tree_reduce_to_root(comm, pack(sorted), [&](std::vector<char> a, std::vector<char> b) {
    const auto x = unpack(a.data(), a.size()), y = unpack(b.data(), b.size());
    std::vector<std::string> both;
    std::set_union(x.begin(), x.end(), y.begin(), y.end(), std::back_inserter(both));
    return pack(both);
  });
  std::string all(merged.begin(), merged.end());
  comm.bcast(all, 0);
  const std::vector<std::string> names = unpack(all.data(), all.size());
  local_to_global.clear();
  for (const auto& s : mine)
    local_to_global.push_back(uint32_t(std::lower_bound(names.begin(), names.end(), s) - names.begin()));
  return names;
}

// Collective: the key layout of the port tuples, from every rank's bounds
// (first and last day, protocols) and the global sensor count.
ports::TupleLayout agree_tuple_layout(const dist::Comm& comm, const ports::EventColumns& e, size_t sensors) {
  ports::TupleBounds b = ports::local_tuple_bounds(e);
  b.sensors = uint32_t(std::min<size_t>(sensors, size_t(ports::kMaxSensors) + 1));
  b.first_day = uint32_t(UINT32_MAX - comm.allreduce_max(uint64_t(UINT32_MAX - b.first_day)));
  b.last_day = uint32_t(comm.allreduce_max(uint64_t(b.last_day)));
  std::vector<uint64_t> protocols(256, 0);
  for (size_t p = 0; p < 256; ++p) protocols[p] = b.protocols[p >> 6] >> (p & 63) & 1;
  comm.allreduce_sum_inplace(protocols);
  for (size_t p = 0; p < 256; ++p)
    if (protocols[p]) b.protocols[p >> 6] |= uint64_t(1) << (p & 63);
  return ports::tuple_layout(b);
}

// Collective: sorted distinct keys to the rank owning their source (the low
// 32 bits), grouped by a stable counting sort so that each destination's run
// stays sorted; `runs` gets the sizes of the received runs, one per source rank.
template <class K>
std::vector<K> exchange_keys(const dist::Comm& comm, std::vector<K>&& keys, const PrefixOwnership& owners,
                             uint64_t round_bytes, std::vector<uint64_t>& runs) {
  const size_t ranks = size_t(comm.size());
  std::vector<uint64_t> counts(ranks, 0), offsets(ranks, 0);
  std::vector<K> grouped = whole_written_vector<K>(keys.size());
  {
    std::vector<uint32_t> dest = whole_written_vector<uint32_t>(keys.size());
    for (size_t i = 0; i < keys.size(); ++i) ++counts[dest[i] = uint32_t(owners.owner(uint32_t(keys[i])))];
    for (size_t d = 1; d < ranks; ++d) offsets[d] = offsets[d - 1] + counts[d - 1];
    auto cursor = offsets;
    for (size_t i = 0; i < keys.size(); ++i) grouped[cursor[dest[i]]++] = keys[i];
  }
  std::vector<K>().swap(keys);
  runs = comm.alltoall(counts);
  return dist::alltoallv_rounds(comm, grouped, counts, offsets, round_bytes);
}

// Collective: this rank's distinct tuples to the rank owning their source
// address, by the partitioner every address key shares (contiguous ranges
// balanced by tuples, hot /16s refined), merged there into one sorted
// distinct list. Only distinct tuples move (8 bytes each in the compact
// layout), not events. One rank keeps its tuples where they are.
ports::PortTuples exchange_tuples(const dist::Comm& comm, ports::PortTuples&& t, uint64_t round_bytes) {
  if (comm.size() == 1) return std::move(t);
  std::vector<uint32_t> sources = whole_written_vector<uint32_t>(t.size());
  for (size_t i = 0; i < t.size(); ++i) sources[i] = t.layout.compact ? uint32_t(t.compact[i]) : uint32_t(t.wide[i]);
  const PrefixOwnership owners = dist::build_ownership(comm, sources);
  std::vector<uint32_t>().swap(sources);
  ports::PortTuples out;
  out.layout = t.layout;
  std::vector<uint64_t> runs;
  if (t.layout.compact) out.compact = exchange_keys(comm, std::move(t.compact), owners, round_bytes, runs);
  else out.wide = exchange_keys(comm, std::move(t.wide), owners, round_bytes, runs);
  ports::merge_tuple_runs(out, runs);
  return out;
}

// Collective: the /ports group and what every run records, whichever
// analyses ran: the input's counts and errors, the events and sensors, the
// options that shape the tables and the analyses chosen.
void write_ports_group(h5::File& out, const dist::Comm& comm, const PortsInputSummary& in, const PortsConfig& cfg,
                       const std::vector<std::string>& sensors, uint64_t events) {
  out.create_group("/ports");
  std::string files, sensor_list, names;
  for (const auto& f : in.files) files += (files.empty() ? "" : "\n") + f;
  for (const auto& s : sensors) sensor_list += (sensor_list.empty() ? "" : "\n") + s;
  for (const auto* a : cfg.analyses) names += (names.empty() ? "" : ",") + a->name;
  out.write_attr("/ports", "source", in.source);
  out.write_attr("/ports", "files", files);
  out.write_attr("/ports", "records_read", in.records_read);
  out.write_attr("/ports", "records_used", in.records_used);
  out.write_attr("/ports", "records_rejected", in.records_rejected);
  out.write_attr("/ports", "rows_repaired", in.rows_repaired);
  out.write_attr("/ports", "events", events);
  out.write_attr("/ports", "sensors", sensor_list);
  out.write_attr("/ports", "columns", cfg.input.columns);
  out.write_attr("/ports", "denominator", cfg.options.denominator == ports::Denominator::sensors_seeing_port
                                              ? "sensors_seeing_port"
                                              : "active_sensors");
  out.write_attr("/ports", "box_rule", cfg.options.box_rule == ports::BoxRule::ggplot2 ? "ggplot2" : "boxplot_stats");
  out.write_attr("/ports", "analyses", names);
  out.write_table("/ports/errors", {{"message", comm.is_root() ? in.errors : std::vector<std::string>{}}});
  write_skipped(out, comm.is_root(), "/ports", in.skipped);
}

int run_ports(const PortsConfig& cfg, const std::string& ini) {
  if (cfg.threads > 0) omp_set_num_threads(cfg.threads);
  RunContext ctx("ports", ini, cfg.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs({{cfg.output}}, cfg.force, cfg.output, cfg.input.inputs);
    ports::EventColumns local;
    PortsInputSummary in = read_port_events(ctx, cfg.input, local);
    ctx.end_stage("read");
    std::vector<uint32_t> to_global;
    const auto sensors = global_sensors(comm, local.sensors, to_global);
    for (auto& id : local.sensor) id = to_global[id];
    local.sensors = sensors;
    // Local partials of what counts events (any split of the events), then
    // the events reduced to their distinct port tuples, which move to the
    // owners of their sources; the events are freed before the exchange.
    const uint64_t n_events = comm.allreduce_sum(local.size());
    std::vector<std::unique_ptr<analyses::PortsAnalysis>> chosen;
    for (const auto* a : cfg.analyses) {
      chosen.push_back(a->make(cfg.options));
      chosen.back()->accumulate_events(local);
    }
    const ports::TupleLayout layout = agree_tuple_layout(comm, local, sensors.size());
    ports::PortTuples tuples = ports::local_port_tuples(std::move(local), layout);
    ctx.end_stage("dedup");
    tuples = exchange_tuples(comm, std::move(tuples), cfg.options.round_bytes);
    ctx.end_stage("exchange");

    // Local partials (tuples of a source all on this rank), summed at owners;
    // one analysis after the other, so one analysis's partials are alive at a time.
    for (auto& a : chosen) {
      a->accumulate(tuples);
      a->merge(comm);
    }
    tuples = {};
    ctx.end_stage("analyses");

    h5::File& out = ctx.output();
    write_ports_group(out, comm, in, cfg, sensors, n_events);
    for (auto& a : chosen) a->write(out, comm, sensors);
    ctx.end_stage("write");
    ctx.commit_output(in.input_bytes);
    const std::string stages = ctx.stage_report();
    if (ctx.root()) {
      for (size_t i = 0; i < chosen.size(); ++i) {
        if (i > 0) std::printf("\n");
        chosen[i]->print();
      }
      if (!cfg.quiet)
        std::fprintf(stderr,
                     "scanhpc ports: %zu file(s); records read %llu = used %llu + rejected %llu; %llu events, "
                     "%zu sensors -> %s\n  stages: %s\n",
                     in.files.size(), (unsigned long long)in.records_read, (unsigned long long)in.records_used,
                     (unsigned long long)in.records_rejected, (unsigned long long)n_events, sensors.size(),
                     cfg.output.c_str(), stages.c_str());
      if (!cfg.quiet) {  // as scan's summary: the first 5, then where the kept sample is
        for (size_t i = 0; i < in.errors.size() && i < 5; ++i)
          std::fprintf(stderr, "  rejected: %s\n", in.errors[i].c_str());
        if (in.records_rejected > 5)
          std::fprintf(stderr, "  ... (first %zu in /ports/errors)\n", in.errors.size());
      }
    }
    return 0;
  });
}

}  // namespace

int ports_command(const Args& args) {
  std::string analyses_help = "comma-separated analyses, or all";
  const char* separator = ": ";
  for (const auto& a : analyses::ports_analyses()) {
    analyses_help += separator + a.name + " (" + a.description + ")";
    separator = "; ";
  }
  po::options_description o("ports options");
  o.add_options()
      ("output,o", po::value<std::string>()->default_value("ports.h5"), "HDF5 output file")
      ("source", po::value<std::string>()->default_value("auto"),
       "input kind: csv (honeypot logs), ft4 (flowtuples), masscan (scans: sensor \"scan\", sources = "
       "responding hosts), or auto (.avro files are FT4; masscan output is detected)")
      ("columns", po::value<std::string>()->default_value(""),
       "CSV: header names of the fields, e.g. dst_port=dport,src=source_ip (defaults: the marx layout)")
      ("analyses", po::value<std::string>()->default_value("all"), analyses_help.c_str())
      ("top,n", po::value<size_t>()->default_value(10), "top ports per protocol before (Other)")
      ("pair", po::value<std::vector<std::string>>()->composing(), "neighbour ports A:B (repeatable; default 1433:1434)")
      ("denominator", po::value<std::string>()->default_value("seen"),
       "mean over sensors that saw the port that day (seen, as the seed) or over all active sensors (active)")
      ("box-rule", po::value<std::string>()->default_value("ggplot2"),
       "box-plot quartiles: ggplot2 (quantile type 7, as the seed's figures) or boxplot-stats (Tukey hinges)")
      ("input", po::value<std::vector<std::string>>()->composing(), "input file, directory or glob (repeatable)");
  add_run_options(o);
  try {
    auto parsed = parse_command(args, o, "input");
    if (parsed.help) {
      std::cout << kPortsUsage << "\n" << o << "\n";
      return 0;
    }
    if (parsed.dump_config) {
      std::cout << effective_config(o, parsed.vm);
      return 0;
    }
    const auto& vm = parsed.vm;
    PortsConfig c;
    c.output = vm["output"].as<std::string>();
    if (vm.count("input")) c.input.inputs = vm["input"].as<std::vector<std::string>>();
    if (c.input.inputs.empty()) throw UsageError("no input given");
    c.input.source = vm["source"].as<std::string>();
    if (c.input.source != "auto" && c.input.source != "csv" && c.input.source != "ft4" && c.input.source != "masscan")
      throw UsageError("--source: csv, ft4, masscan or auto");
    c.input.columns = vm["columns"].as<std::string>();
    try {
      c.analyses = analyses::choose_ports_analyses(vm["analyses"].as<std::string>());
    } catch (const std::invalid_argument& e) {
      throw UsageError(std::string("--analyses: ") + e.what());
    }
    c.options.top_n = vm["top"].as<size_t>();
    try {
      for (const auto& p : vm.count("pair") ? vm["pair"].as<std::vector<std::string>>() : std::vector<std::string>{"1433:1434"})
        c.options.pairs.push_back(ports::parse_port_pair(p));
    } catch (const std::exception& e) {
      throw UsageError(std::string("--pair: ") + e.what());
    }
    const auto den = vm["denominator"].as<std::string>();
    if (den != "seen" && den != "active") throw UsageError("--denominator: seen or active");
    c.options.denominator =
        den == "seen" ? ports::Denominator::sensors_seeing_port : ports::Denominator::active_sensors;
    const auto rule = vm["box-rule"].as<std::string>();
    if (rule != "ggplot2" && rule != "boxplot-stats") throw UsageError("--box-rule: ggplot2 or boxplot-stats");
    c.options.box_rule = rule == "ggplot2" ? ports::BoxRule::ggplot2 : ports::BoxRule::boxplot_stats;
    const RunOptions run = run_options_from(vm);
    c.input.fail_on_error = run.fail_on_error;
    c.threads = run.threads;
    c.quiet = run.quiet;
    c.force = run.force;
    c.input.allow_empty = run.allow_empty;
    c.options.round_bytes = run.round_bytes;
    dist::Environment mpi(nullptr, nullptr);
    return run_ports(c, effective_config(o, parsed.vm));
  } catch (const UsageError& e) {
    return usage_error("ports", e);
  }
}

}  // namespace scanhpc::commands
