// scanhpc gps simulate: the whole GPS study on one ground-truth scan (a seed
// sampled from its hosts, the model and plan, the plan answered from the
// truth, predictions), scored as coverage-versus-probes curves of GPS and of
// the popularity baseline; the evaluation is shared with gps evaluate.
#include <omp.h>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <iostream>
#include <map>
#include <unordered_set>
#include <sstream>
#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/dist/splitters.hpp"
#include "scanhpc/kernels/gps.hpp"
#include "scanhpc/kernels/gps_simulate.hpp"
#include "scanhpc/kernels/key_owner.hpp"
#include "gps_internal.hpp"

namespace scanhpc::commands::gps_detail {

// The truth's services that scanning the plan finds, with their features.
gps::SeedHosts plan_scan_results(const gps::SeedHosts& truth, const gps::PlanIndex& plan) {
  gps::SeedHosts out;
  for (size_t h = 0; h < truth.hosts(); ++h) {
    std::vector<uint16_t> ports;
    std::vector<std::vector<uint64_t>> features;
    for (uint64_t s = truth.host_begin[h]; s < truth.host_begin[h + 1]; ++s) {
      if (!plan.covers(truth.port[s], truth.ip[h])) continue;
      ports.push_back(truth.port[s]);
      features.emplace_back(truth.feature.begin() + int64_t(truth.feat_begin[s]),
                            truth.feature.begin() + int64_t(truth.feat_begin[s + 1]));
    }
    if (!ports.empty()) out.add_host(truth.ip[h], ports, features);
  }
  return out;
}

struct CurveKey {  // one point of the GPS curve: predictions of one hitrate
  uint64_t minus_hitrate_bits;  // ascending order = hitrate descending
  friend auto operator<=>(const CurveKey&, const CurveKey&) = default;
};



TruthIndex index_truth(const gps::SeedHosts& truth, uint32_t max_ports) {
  TruthIndex t;
  for (size_t h = 0; h < truth.hosts(); ++h) {
    const bool sink = truth.host_begin[h + 1] - truth.host_begin[h] > max_ports;
    for (uint64_t s = truth.host_begin[h]; s < truth.host_begin[h + 1]; ++s) {
      const uint64_t code = gps::service_code(truth.ip[h], truth.port[s]);
      t.services.insert(code);
      if (sink) t.sink_services.insert(code);
      ++t.per_port[truth.port[s]];
      if (!sink) ++t.per_port_no_sinks[truth.port[s]];
    }
  }
  return t;
}


struct CurvePortKey {  // true predictions of one hitrate on one port
  uint64_t minus_hitrate_bits;
  uint32_t port;
  uint32_t pad;
  friend auto operator<=>(const CurvePortKey&, const CurvePortKey&) = default;
};

// Collective. `truth` and `known` (truth services found by the seed or the
// plan) are this rank's; `seed_per_port` is global. GPS rows: the plan, then
// the predictions by decreasing hitrate (one probe each). Popularity rows:
// whole-IPv4 scans of the seed's ports, most common first. port_weighted is
// the mean over the truth's ports of the share found.
EvaluationTable evaluation_curves(RunContext& ctx, const TruthIndex& truth, const std::vector<uint64_t>& seed_per_port,
                                  const std::unordered_set<uint64_t>& known, uint64_t seed_in_truth,
                                  const std::vector<gps::Prediction>& predictions, uint64_t plan_probes,
                                  uint64_t round_bytes) {
  const auto& comm = ctx.comm();
  const uint64_t seed_total = comm.allreduce_sum(seed_in_truth);
  std::vector<uint64_t> known_per_port(65536, 0);
  uint64_t known_no_sinks = 0;
  for (uint64_t code : known) {
    ++known_per_port[code & 0xFFFF];
    known_no_sinks += !truth.sink_services.count(code);
  }
  struct Bucket { uint64_t predictions = 0, hits = 0, hits_no_sinks = 0; };
  std::map<std::pair<uint64_t, uint32_t>, Bucket> buckets;
  for (const auto& p : predictions) {
    double neg = -p.hitrate;
    uint64_t bits;
    std::memcpy(&bits, &neg, 8);
    bits = ~bits;  // for negative doubles this makes ascending bits = descending hitrate
    uint64_t code = gps::service_code(p.ip, p.port);
    auto& b = buckets[{bits, p.port}];
    ++b.predictions;
    const bool hit = truth.services.count(code) && !known.count(code);
    b.hits += hit;
    b.hits_no_sinks += hit && !truth.sink_services.count(code);
  }
  std::vector<dist::KeyCount<CurvePortKey>> all_local, true_local, true_no_sinks_local;
  for (const auto& [k, c] : buckets) {
    all_local.push_back({{k.first, k.second, 0}, c.predictions});
    true_local.push_back({{k.first, k.second, 0}, c.hits});
    true_no_sinks_local.push_back({{k.first, k.second, 0}, c.hits_no_sinks});
  }
  std::function<int(const CurvePortKey&)> to_root = [](const CurvePortKey&) { return 0; };
  auto all_points = dist::reduce_by_owner(comm, all_local, to_root, round_bytes);
  auto true_points = dist::reduce_by_owner(comm, true_local, to_root, round_bytes);
  auto true_no_sinks_points = dist::reduce_by_owner(comm, true_no_sinks_local, to_root, round_bytes);
  std::vector<uint64_t> truth_per_port = truth.per_port, truth_per_port_no_sinks = truth.per_port_no_sinks;
  comm.allreduce_sum_inplace(truth_per_port);
  comm.allreduce_sum_inplace(truth_per_port_no_sinks);
  comm.allreduce_sum_inplace(known_per_port);
  known_no_sinks = comm.allreduce_sum(known_no_sinks);

  EvaluationTable t;
  t.plan_probes = plan_probes;
  t.seed_services = seed_total;
  size_t ports = 0;
  uint64_t no_sinks = 0;
  for (uint32_t port = 0; port < 65536; ++port) {
    t.truth_services += truth_per_port[port];
    no_sinks += truth_per_port_no_sinks[port];
    t.known += known_per_port[port];
    ports += truth_per_port[port] > 0;
  }
  t.sink_services = t.truth_services - no_sinks;
  if (!ctx.root()) return t;
  auto add = [&](const char* m, uint64_t probes, uint64_t found, uint64_t found_no_sinks, long double weighted) {
    t.method.emplace_back(m);
    t.probes.push_back(probes);
    t.services_found.push_back(found);
    t.fraction.push_back(t.truth_services ? double(found) / double(t.truth_services) : 0.0);
    const uint64_t beyond = t.truth_services - t.seed_services;
    t.fraction_beyond_seed.push_back(beyond ? double(found - std::min(found, t.seed_services)) / double(beyond) : 0.0);
    t.fraction_excluding_sinks.push_back(no_sinks ? double(found_no_sinks) / double(no_sinks) : 0.0);
    t.port_weighted.push_back(ports ? double(weighted / (long double)ports) : 0.0);
  };
  long double weighted = 0;  // sum over ports of found_p / truth_p, in a fixed order
  for (uint32_t port = 0; port < 65536; ++port)
    if (truth_per_port[port]) weighted += (long double)known_per_port[port] / (long double)truth_per_port[port];
  uint64_t probes = plan_probes, found = t.known, found_no_sinks = known_no_sinks;
  add("gps", probes, found, found_no_sinks, weighted);
  for (size_t i = 0; i < all_points.size();) {  // one row per hitrate, its ports in order
    size_t j = i;
    while (j < all_points.size() && all_points[j].key.minus_hitrate_bits == all_points[i].key.minus_hitrate_bits) {
      probes += all_points[j].count;
      found += true_points[j].count;
      found_no_sinks += true_no_sinks_points[j].count;
      // A predicted port the truth lacks has no share to add (and 0/0 would be NaN).
      const uint64_t in_truth = truth_per_port[all_points[j].key.port];
      if (in_truth) weighted += (long double)true_points[j].count / (long double)in_truth;
      ++j;
    }
    add("gps", probes, found, found_no_sinks, weighted);
    i = j;
  }
  std::vector<uint16_t> order;
  for (uint32_t port = 0; port < 65536; ++port)
    if (seed_per_port[port]) order.push_back(uint16_t(port));
  std::stable_sort(order.begin(), order.end(),
                   [&](uint16_t a, uint16_t b) { return seed_per_port[a] > seed_per_port[b]; });
  uint64_t bp = 0, bf = 0, bf_no_sinks = 0;
  long double bw = 0;
  for (uint16_t port : order) {
    bp += uint64_t(1) << 32;
    bf += truth_per_port[port];
    bf_no_sinks += truth_per_port_no_sinks[port];
    bw += truth_per_port[port] > 0;
    add("popularity", bp, bf, bf_no_sinks, bw);
  }
  return t;
}

void write_evaluation(h5::File& out, EvaluationTable& t) {
  out.write_attr("/gps", "truth_services", t.truth_services);
  out.write_attr("/gps", "exhaustive_probes", (uint64_t(1) << 32) * uint64_t(65535));
  out.write_attr("/gps", "seed_services_in_truth", t.seed_services);
  out.write_attr("/gps", "truth_sink_services", t.sink_services);
  out.write_table("/gps/evaluation", {{"method", t.method}, {"probes", t.probes},
                                      {"services_found", t.services_found}, {"fraction", t.fraction},
                                      {"fraction_beyond_seed", t.fraction_beyond_seed},
                                      {"fraction_excluding_sinks", t.fraction_excluding_sinks},
                                      {"port_weighted", t.port_weighted}});
}

void print_evaluation(const char* name, const EvaluationTable& t, uint64_t predictions, const std::string& stages) {
  size_t last = 0;
  for (size_t i = 0; i < t.method.size(); ++i)
    if (t.method[i] == "gps") last = i;
  const bool any = !t.method.empty();
  const uint64_t probes = any ? t.probes[last] : 0;
  const double exhaustive = double(uint64_t(1) << 32) * 65535.0;
  std::fprintf(stderr,
               "scanhpc %s: truth %llu services (%llu on hosts with more ports than --max-ports);\n"
               "  seed and plan (%llu probes) find %llu; %llu predictions;\n"
               "  GPS finds %llu with %llu probes (1/%.0f of an exhaustive scan): %.1f%% of all, %.1f%% excluding\n"
               "  sink hosts, %.1f%% of those not in the seed, %.1f%% per port\n"
               "  stages: %s\n",
               name, (unsigned long long)t.truth_services, (unsigned long long)t.sink_services,
               (unsigned long long)t.plan_probes, (unsigned long long)t.known, (unsigned long long)predictions,
               (unsigned long long)(any ? t.services_found[last] : 0), (unsigned long long)probes,
               probes ? exhaustive / double(probes) : 0.0, any ? 100 * t.fraction[last] : 0.0,
               any ? 100 * t.fraction_excluding_sinks[last] : 0.0, any ? 100 * t.fraction_beyond_seed[last] : 0.0,
               any ? 100 * t.port_weighted[last] : 0.0, stages.c_str());
}

int run_gps_simulate(const GpsConfig& cfg, const std::string& config_ini) {
  const double fraction = cfg.seed_fraction;
  const uint64_t sample_seed = cfg.sample_seed;
  if (cfg.ingest.threads > 0) omp_set_num_threads(cfg.ingest.threads);
  RunContext ctx("gps simulate", config_ini, cfg.ingest.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs(gps_outputs(cfg, ""), cfg.ingest.force, cfg.ingest.output,
                        known_inputs({cfg.pfx2as}, cfg.ingest.inputs));
    gps::AsnTable asn_table;
    auto loaded = load_hosts(ctx, cfg, asn_table, cfg.all_features ? FeatureTexts::whole : FeatureTexts::on_demand);
    const auto& truth = loaded.hosts;
    auto seed = gps::filter_hosts(truth, [&](uint32_t ip) { return gps::in_seed_sample(ip, sample_seed, fraction); });
    auto model = analyses::build_gps_model(comm, seed, loaded.dict, loaded.text_source(), cfg, cfg.ingest.round_bytes,
                                           [&](const std::string& s) { ctx.end_stage(s); });

    // Phase 1: the plan answered from the truth. Phase 2: predictions.
    gps::PlanIndex plan_index(model.plan);
    std::unordered_set<uint64_t> seed_services, known;
    for (size_t h = 0; h < seed.hosts(); ++h)
      for (uint64_t s = seed.host_begin[h]; s < seed.host_begin[h + 1]; ++s)
        seed_services.insert(gps::service_code(seed.ip[h], seed.port[s]));
    auto found = plan_scan_results(truth, plan_index);
    known = seed_services;
    for (size_t h = 0; h < found.hosts(); ++h)
      for (uint64_t s = found.host_begin[h]; s < found.host_begin[h + 1]; ++s)
        known.insert(gps::service_code(found.ip[h], found.port[s]));
    auto predictions = distributed_predict(comm, found, model.rules, model.splitters, loaded.input.ownership,
                                           plan_index, seed_services, cfg.ingest.round_bytes);
    const TruthIndex truth_index = index_truth(truth, cfg.model.max_ports);
    std::vector<uint64_t> seed_per_port(65536, 0);
    for (size_t s = 0; s < seed.services(); ++s) ++seed_per_port[seed.port[s]];
    ctx.end_stage("simulate");

    comm.allreduce_sum_inplace(seed_per_port);  // every rank sampled its own hosts
    auto table = evaluation_curves(ctx, truth_index, seed_per_port, known, seed_services.size(),
                                   predictions, gps::plan_probes(model.plan), cfg.ingest.round_bytes);
    ctx.end_stage("evaluate");

    auto features = distribute_features(comm, loaded.dict, model, cfg.all_features, cfg.ingest.round_bytes);
    h5::File& out = ctx.output();
    write_gps_ingest(out, comm, loaded);
    analyses::write_gps_model(out, comm, cfg, model, seed, features);
    write_evaluation(out, table);
    write_predictions(out, predictions);
    ctx.end_stage("write");
    ctx.commit_output(loaded.input.input_bytes);
    std::string stages = ctx.stage_report();
    uint64_t n_pred = comm.allreduce_sum(predictions.size());
    if (ctx.root() && !cfg.ingest.quiet) print_evaluation("gps simulate", table, n_pred, stages);
    return 0;
  });
}

}  // namespace scanhpc::commands::gps_detail
