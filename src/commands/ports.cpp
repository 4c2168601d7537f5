// scanhpc ports: seed 003's port analyses (ports as categories) over honeypot
// CSV logs or FT4 flowtuples. Each rank reads its share of the inputs into
// events, sensor names get one global numbering (sorted names), events move
// to the rank owning their source address (so distinct sources add up across
// ranks), the kernels of ports/port_stats run locally, and the partials are
// summed at owners (commands/ports_merge): the daily tables are written by
// the owners of their days (docs/hdf5-layout.md).
#include <omp.h>

#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/run_options.hpp"
#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/commands/ports_input.hpp"
#include "scanhpc/commands/ports_merge.hpp"
#include "scanhpc/core/random.hpp"
#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/exchange.hpp"
#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/ports/port_stats.hpp"

namespace scanhpc::commands {
namespace {

constexpr const char* kPortsUsage =
    "usage: scanhpc ports [options] INPUT...\n"
    "\n"
    "Seed 003's port analyses: the top ports per protocol (ports as categories), unique sources\n"
    "per (day, sensor, protocol, port) after removing duplicate (day, sensor, source, port) rows,\n"
    "their mean over sensors per (day, protocol, port), box-plot statistics per port and month,\n"
    "and how many sources hit neighbour ports (--pair 1433:1434). Inputs: honeypot CSV logs\n"
    "(the marx layout of Data-Driven Security, or any CSV mapped with --columns), FT4 flowtuple\n"
    "Avro files (sensor = destination network, one event per flow) or masscan output (sensor \"scan\",\n"
    "one event per open port, the host as source). Layout: docs/hdf5-layout.md.\n"
    "\n"
    "  mpirun -n 4 scanhpc ports -o ports.h5 marx.csv\n"
    "  mpirun -n 4 scanhpc ports --source ft4 -o ports.h5 ft4/\n";

struct PortsConfig {
  PortsInputConfig input;
  std::string output;
  size_t top = 10;
  std::vector<ports::PortPair> pairs;
  ports::Denominator denominator = ports::Denominator::sensors_seeing_port;
  ports::BoxRule box_rule = ports::BoxRule::ggplot2;
  int threads = 0;
  bool quiet = false, force = false;
  uint64_t round_bytes = 64 << 20;
};

// Collective: every rank's sensor names, sorted and deduplicated, on every
// rank; `local_to_global` maps this rank's sensor ids.
std::vector<std::string> global_sensors(const dist::Comm& comm, const std::vector<std::string>& mine,
                                        std::vector<uint32_t>& local_to_global) {
  std::string joined;
  for (const auto& s : mine) joined += s + '\n';
  std::string all;
  for (const auto& part : comm.gather_strings(joined, 0)) all += part;
  comm.bcast(all, 0);
  std::vector<std::string> names;
  for (size_t pos = 0; pos < all.size();) {
    size_t nl = all.find('\n', pos);
    names.push_back(all.substr(pos, nl - pos));
    pos = nl + 1;
  }
  std::sort(names.begin(), names.end());
  names.erase(std::unique(names.begin(), names.end()), names.end());
  local_to_global.clear();
  for (const auto& s : mine)
    local_to_global.push_back(uint32_t(std::lower_bound(names.begin(), names.end(), s) - names.begin()));
  return names;
}

// Collective: one column, consumed, in the grouped order `order` (a counting
// sort by destination), to its rows' owners; arrives grouped by source rank,
// each source's rows in order, so every column lines up with the others.
template <class T>
std::vector<T> exchange_column(const dist::Comm& comm, std::vector<T>&& column, const std::vector<uint32_t>& order,
                               const std::vector<uint64_t>& counts, const std::vector<uint64_t>& offsets,
                               uint64_t round_bytes) {
  std::vector<T> grouped(order.size());
  for (size_t i = 0; i < order.size(); ++i) grouped[i] = column[order[i]];
  std::vector<T>().swap(column);
  return dist::alltoallv_rounds(comm, grouped, counts, offsets, round_bytes);
}

// Collective: events to the rank owning their source address, by the
// partitioner every address key shares (contiguous ranges balanced by rows,
// hot /16s refined), with global sensor ids. `e` is consumed column by
// column, each freed once it has moved, so the step holds a rank's events
// about once and a half (the columns, the order and one column in flight),
// not as rows copied twice. One rank keeps its events where they are.
ports::EventColumns exchange_by_source(const dist::Comm& comm, ports::EventColumns&& e,
                                       const std::vector<uint32_t>& to_global,
                                       const std::vector<std::string>& sensors, uint64_t round_bytes) {
  const size_t ranks = size_t(comm.size());
  for (auto& s : e.sensor) s = to_global[s];
  if (ranks == 1) {
    ports::EventColumns out = std::move(e);
    out.sensors = sensors;
    return out;
  }
  if (e.size() > UINT32_MAX) throw std::length_error("ports: more than 2^32 - 1 events on one rank; use more ranks");
  const PrefixOwnership owners = dist::build_ownership(comm, e.src);
  std::vector<uint64_t> counts(ranks, 0), offsets(ranks, 0);
  std::vector<uint32_t> order(e.size());
  {
    std::vector<uint32_t> dest(e.size());
    for (size_t i = 0; i < e.size(); ++i) ++counts[dest[i] = uint32_t(owners.owner(e.src[i]))];
    for (size_t d = 1; d < ranks; ++d) offsets[d] = offsets[d - 1] + counts[d - 1];
    auto cursor = offsets;
    for (size_t i = 0; i < e.size(); ++i) order[cursor[dest[i]]++] = uint32_t(i);
  }
  ports::EventColumns out;
  out.sensors = sensors;
  out.time = exchange_column(comm, std::move(e.time), order, counts, offsets, round_bytes);
  out.sensor = exchange_column(comm, std::move(e.sensor), order, counts, offsets, round_bytes);
  out.src = exchange_column(comm, std::move(e.src), order, counts, offsets, round_bytes);
  out.proto = exchange_column(comm, std::move(e.proto), order, counts, offsets, round_bytes);
  out.dst_port = exchange_column(comm, std::move(e.dst_port), order, counts, offsets, round_bytes);
  out.src_port = exchange_column(comm, std::move(e.src_port), order, counts, offsets, round_bytes);
  e = ports::EventColumns{};
  return out;
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
    ports::EventColumns events = exchange_by_source(comm, std::move(local), to_global, sensors, cfg.round_bytes);
    ctx.end_stage("exchange");

    // Local partials (events of a source all on this rank), summed at owners.
    const uint64_t n_events = comm.allreduce_sum(events.size());
    PortsMergeOptions mo;
    mo.top = cfg.top;
    mo.pairs = cfg.pairs;
    mo.denominator = cfg.denominator;
    mo.box_rule = cfg.box_rule;
    mo.round_bytes = cfg.round_bytes;
    const PortsResults res = merge_port_analyses(comm, events, mo);
    events = {};
    ctx.end_stage("analyses");

    h5::File& out = ctx.output();
    write_ports_output(out, comm, in, cfg.input, sensors, n_events, res.no_port, res.top, res.daily, res.means,
                       res.boxes, res.pairs,
                       cfg.denominator == ports::Denominator::sensors_seeing_port ? "sensors_seeing_port"
                                                                                  : "active_sensors",
                       cfg.box_rule == ports::BoxRule::ggplot2 ? "ggplot2" : "boxplot_stats");
    ctx.end_stage("write");
    ctx.commit_output(in.input_bytes);
    const std::string stages = ctx.stage_report();
    if (ctx.root()) {
      print_ports_tables(res.top, res.busiest, res.pairs);
      if (!cfg.quiet)
        std::fprintf(stderr,
                     "scanhpc ports: %zu file(s); records read %llu = used %llu + rejected %llu; %llu events, "
                     "%zu sensors -> %s\n  stages: %s\n",
                     in.files.size(), (unsigned long long)in.records_read, (unsigned long long)in.records_used,
                     (unsigned long long)in.records_rejected, (unsigned long long)n_events, sensors.size(),
                     cfg.output.c_str(), stages.c_str());
    }
    return 0;
  });
}

}  // namespace

int ports_command(const Args& args) {
  po::options_description o("ports options");
  o.add_options()
      ("output,o", po::value<std::string>()->default_value("ports.h5"), "HDF5 output file")
      ("source", po::value<std::string>()->default_value("auto"),
       "input kind: csv (honeypot logs), ft4 (flowtuples), masscan (scans: sensor \"scan\", sources = "
       "responding hosts), or auto (.avro files are FT4; masscan output is detected)")
      ("columns", po::value<std::string>()->default_value(""),
       "CSV: header names of the fields, e.g. dst_port=dport,src=source_ip (defaults: the marx layout)")
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
    c.top = vm["top"].as<size_t>();
    try {
      for (const auto& p : vm.count("pair") ? vm["pair"].as<std::vector<std::string>>() : std::vector<std::string>{"1433:1434"})
        c.pairs.push_back(ports::parse_port_pair(p));
    } catch (const std::exception& e) {
      throw UsageError(std::string("--pair: ") + e.what());
    }
    const auto den = vm["denominator"].as<std::string>();
    if (den != "seen" && den != "active") throw UsageError("--denominator: seen or active");
    c.denominator = den == "seen" ? ports::Denominator::sensors_seeing_port : ports::Denominator::active_sensors;
    const auto rule = vm["box-rule"].as<std::string>();
    if (rule != "ggplot2" && rule != "boxplot-stats") throw UsageError("--box-rule: ggplot2 or boxplot-stats");
    c.box_rule = rule == "ggplot2" ? ports::BoxRule::ggplot2 : ports::BoxRule::boxplot_stats;
    const RunOptions run = run_options_from(vm);
    c.input.fail_on_error = run.fail_on_error;
    c.threads = run.threads;
    c.quiet = run.quiet;
    c.force = run.force;
    c.input.allow_empty = run.allow_empty;
    c.round_bytes = run.round_bytes;
    dist::Environment mpi(nullptr, nullptr);
    return run_ports(c, effective_config(o, parsed.vm));
  } catch (const UsageError& e) {
    return usage_error("ports", e);
  }
}

}  // namespace scanhpc::commands
