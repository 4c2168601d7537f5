// scanhpc flow: STARDUST flowtuple queries (top, series, intersect) and the
// FT3 -> FT4 conversion. Blocks of the Avro files are spread over ranks
// (flow_input.cpp); selections and counts are local (OpenMP); counts are
// summed and distinct keys deduplicated by key owner: sources by the
// partitioner every address key shares (dist::build_ownership), other keys
// by a hash, so each key is counted at one rank and the counts add up.
#include <omp.h>

#include <cstdio>
#include <iostream>
#include <unordered_map>

#include "scanhpc/commands/cli.hpp"
#include "scanhpc/commands/run_options.hpp"
#include "scanhpc/commands/flow_commands.hpp"
#include "scanhpc/commands/flow_input.hpp"
#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/core/random.hpp"
#include "scanhpc/dist/exchange.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/dist/tree_reduce.hpp"
#include "scanhpc/flow/query.hpp"
#include "scanhpc/kernels/key_owner.hpp"

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

// ---------------------------------------------------------------- shared --


struct TimeKey {
  uint32_t time, key;
  friend auto operator<=>(const TimeKey&, const TimeKey&) = default;
};

// Collective: the number of distinct (time, key) pairs per time, on rank 0.
// Pairs go to the owner of their key (`owner_of`), which deduplicates them.
std::map<uint32_t, uint64_t> distinct_per_time(const dist::Comm& comm, const std::vector<std::pair<uint32_t, uint32_t>>& local,
                                               const std::function<int(uint32_t)>& owner_of, uint64_t round_bytes) {
  std::vector<dist::KeyCount<TimeKey>> keys;
  keys.reserve(local.size());
  for (const auto& [t, k] : local) keys.push_back({{t, k}, 1});
  std::function<int(const TimeKey&)> by_key = [&](const TimeKey& k) { return owner_of(k.key); };
  auto owned = dist::reduce_by_owner(comm, std::move(keys), by_key, round_bytes);
  std::vector<dist::KeyCount<uint32_t>> per_time;
  for (const auto& e : owned) {
    if (per_time.empty() || per_time.back().key != e.key.time) per_time.push_back({e.key.time, 0});
    ++per_time.back().count;
  }
  std::function<int(const uint32_t&)> to_root = [](const uint32_t&) { return 0; };
  std::map<uint32_t, uint64_t> out;
  for (const auto& e : dist::reduce_by_owner(comm, std::move(per_time), to_root, round_bytes)) out[e.key] = e.count;
  return out;
}

// Collective: distinct sources per time, each source at its owner by the
// partitioner every address key shares (contiguous ranges balanced by the
// sampled sources, hot /16s refined), so sources crowded into one prefix
// still spread over the ranks.
std::map<uint32_t, uint64_t> distinct_sources_per_time(const dist::Comm& comm,
                                                       const std::vector<std::pair<uint32_t, uint32_t>>& local,
                                                       uint64_t round_bytes) {
  std::vector<uint32_t> ips;
  ips.reserve(local.size());
  for (const auto& tk : local) ips.push_back(tk.second);
  const PrefixOwnership owners = dist::build_ownership(comm, ips);
  std::vector<uint32_t>().swap(ips);
  return distinct_per_time(comm, local, [&](uint32_t ip) { return owners.owner(ip); }, round_bytes);
}

// Collective: distinct non-address keys (destination nets, ASNs) per time,
// each at the owner by the shared hash.
std::map<uint32_t, uint64_t> distinct_keys_per_time(const dist::Comm& comm,
                                                    const std::vector<std::pair<uint32_t, uint32_t>>& local,
                                                    uint64_t round_bytes) {
  const int ranks = comm.size();
  return distinct_per_time(comm, local, [&](uint32_t key) { return key_owner(key, ranks); }, round_bytes);
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
  for (size_t i = 0; i < in.stats.errors.size() && i < 5; ++i) std::fprintf(stderr, "  %s\n", in.stats.errors[i].c_str());
}

// Distinct series keys gathered chunk by chunk: sorted and deduplicated
// whenever they have doubled since the last time, so memory follows the
// number of distinct keys, not of rows.
struct SeriesAccumulator {
  flow::SeriesKeys keys;
  size_t compacted = 0;
  void add(const flow::SeriesKeys& chunk) {
    for (const auto& [t, p] : chunk.packets) keys.packets[t] += p;
    keys.src_ips.insert(keys.src_ips.end(), chunk.src_ips.begin(), chunk.src_ips.end());
    keys.dst_nets.insert(keys.dst_nets.end(), chunk.dst_nets.begin(), chunk.dst_nets.end());
    keys.asns.insert(keys.asns.end(), chunk.asns.begin(), chunk.asns.end());
    const size_t n = keys.src_ips.size() + keys.dst_nets.size() + keys.asns.size();
    if (n > 2 * compacted + (1 << 16)) compact();
  }
  void add(const SeriesAccumulator& other) {
    add(other.keys);
  }
  void compact() {
    for (auto* v : {&keys.src_ips, &keys.dst_nets, &keys.asns}) {
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    compacted = keys.src_ips.size() + keys.dst_nets.size() + keys.asns.size();
  }
};

// Collective: the per-interval series from this rank's keys, on rank 0.
std::vector<flow::SeriesRow> global_series(const dist::Comm& comm, SeriesAccumulator& local, uint64_t round_bytes) {
  local.compact();
  const auto& keys = local.keys;
  std::vector<dist::KeyCount<uint32_t>> packets;
  for (const auto& [t, p] : keys.packets) packets.push_back({t, p});
  std::function<int(const uint32_t&)> to_root = [](const uint32_t&) { return 0; };
  auto packets_global = dist::reduce_by_owner(comm, std::move(packets), to_root, round_bytes);
  auto sources = distinct_sources_per_time(comm, keys.src_ips, round_bytes);
  auto nets = distinct_keys_per_time(comm, keys.dst_nets, round_bytes);
  auto asns = distinct_keys_per_time(comm, keys.asns, round_bytes);
  std::vector<flow::SeriesRow> out;
  for (const auto& e : packets_global)  // rank 0 only: every selected time is here
    out.push_back({e.key, e.count, sources[e.key], nets[e.key], asns[e.key]});
  return out;
}

void write_series(h5::File& out, const std::vector<flow::SeriesRow>& rows) {
  std::vector<uint32_t> time;
  std::vector<uint64_t> pk, src, dst, asn;
  for (const auto& r : rows) {
    time.push_back(r.time); pk.push_back(r.packets); src.push_back(r.src_ips);
    dst.push_back(r.dst_nets); asn.push_back(r.asns);
  }
  out.write_table("/flow/series", {{"time", time}, {"packets", pk}, {"src_ips", src}, {"dst_nets", dst},
                                   {"asns", asn}});
}

void print_series(const FlowQueryConfig& cfg, const std::vector<flow::SeriesRow>& rows) {
  std::printf("series (%s)\n%12s %16s %12s %10s %8s\n", cfg.selection.describe().c_str(), "time", "packets",
              "src_ips", "dst_nets", "asns");
  for (const auto& r : rows)
    std::printf("%12u %16llu %12llu %10llu %8llu\n", r.time, (unsigned long long)r.packets,
                (unsigned long long)r.src_ips, (unsigned long long)r.dst_nets, (unsigned long long)r.asns);
}

// -------------------------------------------------------------------- top --

struct TopTable {
  std::string name;  // <field>_by_<metric>
  std::vector<flow::TopRow> rows;
};

// Collective: the top rows from this rank's value -> count table, on rank 0 (empty elsewhere).
std::vector<flow::TopRow> global_top(const dist::Comm& comm, const std::unordered_map<uint64_t, uint64_t>& counts,
                                     flow::Field field, size_t n, uint64_t round_bytes) {
  std::vector<dist::KeyCount<uint64_t>> local;
  uint64_t local_total = 0;
  for (const auto& [v, c] : counts) {
    local.push_back({v, c});
    local_total += c;
  }
  const int ranks = comm.size();
  std::function<int(const uint64_t&)> owner = [&](const uint64_t& v) { return key_owner(v, ranks); };
  auto owned = dist::reduce_by_owner(comm, std::move(local), owner, round_bytes);
  // Each value has one owner, so the global top n is the top n of the
  // owners' top n, merged up a tree (rank 0 receives log2 P lists of n).
  auto keep_top = [n](std::vector<dist::KeyCount<uint64_t>> v) {
    std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
      return a.count != b.count ? a.count > b.count : a.key < b.key;
    });
    if (v.size() > n) v.resize(n);
    return v;
  };
  auto top = dist::tree_reduce_to_root(comm, keep_top(std::move(owned)), [&](auto a, auto b) {
    a.insert(a.end(), b.begin(), b.end());
    return keep_top(std::move(a));
  });
  const uint64_t total = comm.allreduce_sum(local_total);
  if (!comm.is_root()) return {};
  std::vector<std::pair<uint64_t, uint64_t>> pairs;
  for (const auto& e : top) pairs.emplace_back(e.key, e.count);
  return flow::top_rows(std::move(pairs), field, n, total);
}

void print_top(const std::string& title, const std::vector<flow::TopRow>& rows) {
  std::printf("%s\n%6s  %-18s %16s %9s %9s\n", title.c_str(), "rank", "value", "count", "pct", "cumpct");
  for (const auto& r : rows)
    std::printf("%6u  %-18s %16llu %8.3f%% %8.3f%%\n", r.rank, r.value.c_str(), (unsigned long long)r.count,
                100 * r.pct, 100 * r.cumpct);
}

}  // namespace

int threads_of(const FlowQueryConfig& cfg) {
  if (cfg.threads > 0) omp_set_num_threads(cfg.threads);
  return std::max(1, omp_get_max_threads());
}

int run_flow_top(const FlowQueryConfig& cfg, const std::vector<std::string>& fields,
                 const std::vector<std::string>& metrics, size_t n, bool with_series, const std::string& ini) {
  std::vector<std::pair<flow::Field, flow::Metric>> tables;
  for (const auto& f : fields) {
    auto field = flow::parse_field(f);
    if (!field) throw UsageError("--field: unknown field '" + f + "'");
    for (const auto& m : metrics) {
      auto metric = flow::parse_metric(m);
      if (!metric) throw UsageError("--by: expected flows, packets or dst_ips, not '" + m + "'");
      tables.emplace_back(*field, *metric);
    }
  }
  const int threads = threads_of(cfg);
  RunContext ctx("flow top", ini, cfg.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs({{cfg.output}}, cfg.force, cfg.output, cfg.input.inputs);
    // Per thread: a value -> count table per requested table, the series keys, the selected rows.
    using Counts = std::unordered_map<uint64_t, uint64_t>;
    std::vector<std::vector<Counts>> counts(size_t(threads), std::vector<Counts>(tables.size()));
    std::vector<SeriesAccumulator> series_parts(static_cast<size_t>(threads));
    std::vector<uint64_t> selected_parts(size_t(threads), 0);
    auto in = stream_ft4_inputs(ctx, cfg.input, threads, [&](int t, const flow::Ft4Columns& chunk) {
      const auto selected = flow::local_select(chunk, cfg.selection);
      selected_parts[size_t(t)] += selected.size();
      for (size_t k = 0; k < tables.size(); ++k)
        for (const auto& [v, c] : flow::local_top_counts(chunk, selected, tables[k].first, tables[k].second))
          counts[size_t(t)][k][v] += c;
      if (with_series) series_parts[size_t(t)].add(flow::local_series_keys(chunk, selected));
    });
    ctx.end_stage("read+select");
    uint64_t n_selected = 0;
    for (uint64_t x : selected_parts) n_selected += x;
    n_selected = comm.allreduce_sum(n_selected);
    std::vector<TopTable> results;
    for (size_t k = 0; k < tables.size(); ++k) {
      Counts merged = std::move(counts[0][k]);
      for (size_t t = 1; t < counts.size(); ++t)
        for (const auto& [v, c] : counts[t][k]) merged[v] += c;
      const auto [field, metric] = tables[k];
      results.push_back({std::string(flow::field_name(field)) + "_by_" + std::string(flow::metric_name(metric)),
                         global_top(comm, merged, field, n, cfg.round_bytes)});
    }
    std::vector<flow::SeriesRow> series;
    if (with_series) {
      for (size_t t = 1; t < series_parts.size(); ++t) series_parts[0].add(series_parts[t]);
      series = global_series(comm, series_parts[0], cfg.round_bytes);
    }
    ctx.end_stage("merge");
    h5::File& out = ctx.output();
    write_flow_attrs(out, ctx.root(), in, cfg, n_selected);
    out.create_group("/flow/top");
    for (const auto& t : results) {
      std::vector<uint32_t> rank;
      std::vector<std::string> value;
      std::vector<uint64_t> count;
      std::vector<double> pct, cumpct;
      for (const auto& r : t.rows) {
        rank.push_back(r.rank); value.push_back(r.value); count.push_back(r.count);
        pct.push_back(r.pct); cumpct.push_back(r.cumpct);
      }
      out.write_table("/flow/top/" + t.name, {{"rank", std::move(rank)}, {"value", std::move(value)},
                                              {"count", std::move(count)}, {"pct", std::move(pct)},
                                              {"cumpct", std::move(cumpct)}});
    }
    if (with_series) write_series(out, series);
    ctx.end_stage("write");
    ctx.commit_output(in.input_bytes);
    const std::string stages = ctx.stage_report();
    if (ctx.root()) {
      for (const auto& t : results) print_top(t.name + " (" + cfg.selection.describe() + ")", t.rows);
      if (with_series) print_series(cfg, series);
      if (!cfg.quiet) print_input_summary("top", in, n_selected, stages);
    }
    return 0;
  });
}

int run_flow_series(const FlowQueryConfig& cfg, const std::string& ini) {
  const int threads = threads_of(cfg);
  RunContext ctx("flow series", ini, cfg.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs({{cfg.output}}, cfg.force, cfg.output, cfg.input.inputs);
    std::vector<SeriesAccumulator> parts(static_cast<size_t>(threads));
    std::vector<uint64_t> selected_parts(size_t(threads), 0);
    auto in = stream_ft4_inputs(ctx, cfg.input, threads, [&](int t, const flow::Ft4Columns& chunk) {
      const auto selected = flow::local_select(chunk, cfg.selection);
      selected_parts[size_t(t)] += selected.size();
      parts[size_t(t)].add(flow::local_series_keys(chunk, selected));
    });
    ctx.end_stage("read+select");
    uint64_t n_selected = 0;
    for (uint64_t x : selected_parts) n_selected += x;
    n_selected = comm.allreduce_sum(n_selected);
    for (size_t t = 1; t < parts.size(); ++t) parts[0].add(parts[t]);
    const auto series = global_series(comm, parts[0], cfg.round_bytes);
    ctx.end_stage("merge");
    h5::File& out = ctx.output();
    write_flow_attrs(out, ctx.root(), in, cfg, n_selected);
    write_series(out, series);
    ctx.end_stage("write");
    ctx.commit_output(in.input_bytes);
    const std::string stages = ctx.stage_report();
    if (ctx.root()) {
      print_series(cfg, series);
      if (!cfg.quiet) print_input_summary("series", in, n_selected, stages);
    }
    return 0;
  });
}

int run_flow_intersect(const FlowQueryConfig& cfg, size_t sample, const std::string& ini) {
  if (cfg.selection.where.empty()) throw UsageError("intersect: give at least one --where (the first is the baseline)");
  const int threads = threads_of(cfg);
  RunContext ctx("flow intersect", ini, cfg.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs({{cfg.output}}, cfg.force, cfg.output, cfg.input.inputs);
    flow::Selection base = cfg.selection;
    base.where.resize(1);
    constexpr size_t kWidth = 9;
    std::vector<uint64_t> baseline_parts(size_t(threads), 0), inter_parts(size_t(threads), 0);
    std::vector<std::vector<uint64_t>> sample_parts(static_cast<size_t>(threads));  // kWidth values per row, in input order
    auto in = stream_ft4_inputs(ctx, cfg.input, threads, [&](int t, const flow::Ft4Columns& rows) {
      baseline_parts[size_t(t)] += flow::local_select(rows, base).size();
      const auto matching = flow::local_select(rows, cfg.selection);
      inter_parts[size_t(t)] += matching.size();
      auto& mine = sample_parts[size_t(t)];
      for (size_t k = 0; k < matching.size() && mine.size() < sample * kWidth; ++k) {
        const uint32_t i = matching[k];
        mine.insert(mine.end(), {rows.time[i], rows.src_ip[i], rows.dst_net[i], rows.dst_port[i], rows.protocol[i],
                                 rows.packet_cnt[i], rows.uniq_dst_ips[i], rows.netacq_country[i],
                                 rows.prefix2asn[i]});
      }
    });
    ctx.end_stage("read+select");
    uint64_t baseline = 0, intersection = 0;
    std::vector<uint64_t> mine;
    for (size_t t = 0; t < size_t(threads); ++t) {  // threads hold consecutive blocks: thread order is input order
      baseline += baseline_parts[t];
      intersection += inter_parts[t];
      mine.insert(mine.end(), sample_parts[t].begin(), sample_parts[t].end());
    }
    mine.resize(std::min(mine.size(), sample * kWidth));
    baseline = comm.allreduce_sum(baseline);
    intersection = comm.allreduce_sum(intersection);
    auto gathered = comm.gatherv(mine, 0);  // ranks hold consecutive blocks too
    gathered.resize(std::min(gathered.size(), sample * kWidth));
    ctx.end_stage("merge");
    std::vector<uint32_t> time, src, dst, dpkts, asn;
    std::vector<uint16_t> port;
    std::vector<uint8_t> proto;
    std::vector<uint64_t> packets;
    std::vector<std::string> country;
    for (size_t j = 0; j + kWidth <= gathered.size(); j += kWidth) {
      time.push_back(uint32_t(gathered[j])); src.push_back(uint32_t(gathered[j + 1]));
      dst.push_back(uint32_t(gathered[j + 2])); port.push_back(uint16_t(gathered[j + 3]));
      proto.push_back(uint8_t(gathered[j + 4])); packets.push_back(gathered[j + 5]);
      dpkts.push_back(uint32_t(gathered[j + 6])); country.push_back(flow::code2_text(flow::Code2(gathered[j + 7])));
      asn.push_back(uint32_t(gathered[j + 8]));
    }
    h5::File& out = ctx.output();
    write_flow_attrs(out, ctx.root(), in, cfg, intersection);
    out.create_group("/flow/intersection");
    out.write_attr("/flow/intersection", "baseline", baseline);
    out.write_attr("/flow/intersection", "intersection", intersection);
    out.write_attr("/flow/intersection", "share", baseline ? double(intersection) / double(baseline) : 0.0);
    std::string conds;
    for (const auto& w : cfg.selection.where) {
      if (!conds.empty()) conds += " AND ";
      conds += w.text;
    }
    out.write_attr("/flow/intersection", "conditions", conds);
    out.write_table("/flow/intersection/sample",
                    {{"time", time}, {"src_ip", src}, {"dst_net", dst}, {"dst_port", port}, {"protocol", proto},
                     {"packet_cnt", packets}, {"uniq_dst_ips", dpkts}, {"netacq_country", country},
                     {"prefix2asn", asn}});
    ctx.end_stage("write");
    ctx.commit_output(in.input_bytes);
    const std::string stages = ctx.stage_report();
    if (ctx.root()) {
      std::printf("baseline (%s): %llu flows\nintersection (%s): %llu flows (%.4f%% of the baseline)\n",
                  cfg.selection.where.front().text.c_str(), (unsigned long long)baseline, conds.c_str(),
                  (unsigned long long)intersection, baseline ? 100.0 * double(intersection) / double(baseline) : 0.0);
      for (size_t k = 0; k < time.size(); ++k)
        std::printf("  %u %s -> %s port %u proto %u packets %llu dst_ips %u %s AS%u\n", time[k],
                    format_ipv4(src[k]).c_str(), format_ipv4(dst[k]).c_str(), port[k], proto[k],
                    (unsigned long long)packets[k], dpkts[k], country[k].c_str(), asn[k]);
      if (!cfg.quiet) print_input_summary("intersect", in, intersection, stages);
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
    if (step == "top") {
      auto fields = many<std::string>(parsed.vm, "field");
      auto metrics = many<std::string>(parsed.vm, "by");
      if (fields.empty()) fields = {"netacq_country"};
      if (metrics.empty()) metrics = {"flows"};
      dist::Environment mpi(nullptr, nullptr);
      return run_flow_top(cfg, fields, metrics, parsed.vm["top"].as<size_t>(), parsed.vm["series"].as<bool>(), ini);
    }
    dist::Environment mpi(nullptr, nullptr);
    if (step == "series") return run_flow_series(cfg, ini);
    return run_flow_intersect(cfg, parsed.vm["sample"].as<size_t>(), ini);
  } catch (const UsageError& e) {
    return usage_error("flow " + step, e);
  }
}

}  // namespace scanhpc::commands
