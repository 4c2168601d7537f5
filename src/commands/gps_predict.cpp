// scanhpc gps predict and gps evaluate: a stored model read in slices of 1/P
// (HDF5 hyperslabs), predictions from the plan scan's services, and the
// predictions scored against a ground-truth scan.
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

uint64_t attr_u64(const h5::File& f, const char* name) { return std::get<uint64_t>(h5::read_attr(f, "/gps", name)); }

// Rows [begin, end) of rank `rank`'s slice of n rows.
std::pair<uint64_t, uint64_t> slice_of(uint64_t n, int rank, int ranks) {
  return {slice_begin(n, uint64_t(ranks), uint64_t(rank)), slice_begin(n, uint64_t(ranks), uint64_t(rank) + 1)};
}

StoredModel read_model(const std::string& path, int rank, int ranks) {
  h5::silence_diagnostics();
  auto f = h5::File::open_read(path);
  StoredModel m;
  m.settings.features.net_min_len = int(attr_u64(f, "net_min_len"));
  m.settings.features.net_max_len = int(attr_u64(f, "net_max_len"));
  m.settings.features.crosses = attr_u64(f, "crosses") != 0;
  m.settings.step = int(attr_u64(f, "step"));
  m.settings.model.max_ports = uint32_t(attr_u64(f, "max_ports"));
  m.settings.pfx2as = std::get<std::string>(h5::read_attr(f, "/gps", "asn_table"));
  {
    const auto [b, e] = slice_of(h5::column_rows(f, "/gps/rules/p1"), rank, ranks);
    auto col = [&](const char* path) { return h5::read_u64_column(f, path, b, e); };
    auto p1 = col("/gps/rules/p1"), feature = col("/gps/rules/feature"), p2 = col("/gps/rules/p2"),
         support = col("/gps/rules/support"), base = col("/gps/rules/base");
    auto hitrate = h5::read_f64_column(f, "/gps/rules/hitrate", b, e);
    for (size_t i = 0; i < p1.size(); ++i)
      m.rules.push_back({uint16_t(p1[i]), feature[i], uint16_t(p2[i]), support[i], base[i], hitrate[i]});
  }
  auto col = [&](const char* path) { return h5::read_u64_column(f, path); };
  auto priority = col("/gps/plan/priority"), port = col("/gps/plan/port"), prefix = col("/gps/plan/prefix"),
       len = col("/gps/plan/prefix_len"), services = col("/gps/plan/services");
  for (size_t i = 0; i < port.size(); ++i)
    m.plan.push_back({uint32_t(priority[i]), uint16_t(port[i]), uint32_t(prefix[i]), uint8_t(len[i]), services[i]});
  const auto [b, e] = slice_of(h5::column_rows(f, "/gps/seed_services/ip"), rank, ranks);
  auto sip = h5::read_u64_column(f, "/gps/seed_services/ip", b, e),
       sport = h5::read_u64_column(f, "/gps/seed_services/port", b, e);
  for (size_t i = 0; i < sip.size(); ++i) m.seed_services.push_back(gps::service_code(uint32_t(sip[i]), uint16_t(sport[i])));
  return m;
}

// Collective: the seed services of this rank's hosts, from every rank's slice.
std::unordered_set<uint64_t> seed_services_at_owners(const dist::Comm& comm, const std::vector<uint64_t>& slice,
                                                     const PrefixOwnership& ownership, uint64_t round_bytes) {
  auto mine = dist::send_to_owners(
      comm, slice, [&](uint64_t code) { return ownership.owner(uint32_t(code >> 16)); }, round_bytes);
  return std::unordered_set<uint64_t>(mine.begin(), mine.end());
}

void write_predictions(h5::File& out, const std::vector<gps::Prediction>& predictions) {
  std::vector<uint32_t> ip;
  std::vector<uint16_t> port, rule_port;
  std::vector<double> hitrate;
  std::vector<uint64_t> rule_feature;
  for (const auto& p : predictions) {
    ip.push_back(p.ip); port.push_back(p.port); hitrate.push_back(p.hitrate);
    rule_port.push_back(p.rule_port); rule_feature.push_back(p.rule_feature);
  }
  out.write_table("/gps/predictions", {{"ip", std::move(ip)}, {"port", std::move(port)},
                                       {"hitrate", std::move(hitrate)}, {"rule_port", std::move(rule_port)},
                                       {"rule_feature", std::move(rule_feature)}});
}

int run_gps_predict(GpsConfig cfg, const std::string& config_ini) {
  if (cfg.ingest.threads > 0) omp_set_num_threads(cfg.ingest.threads);
  RunContext ctx("gps predict", config_ini, cfg.ingest.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs(gps_outputs(cfg, cfg.list_path), cfg.ingest.force, cfg.ingest.output,
                        known_inputs({cfg.model_path, cfg.pfx2as}, cfg.ingest.inputs));
    StoredModel model;
    std::string error;
    try {
      model = read_model(cfg.model_path, comm.rank(), comm.size());
    } catch (const std::exception& e) {
      error = "cannot read the model " + cfg.model_path + ": " + e.what();
    }
    ctx.agree_or_fail(error);
    cfg.features = model.settings.features;  // features exactly as the model was built
    cfg.step = model.settings.step;
    if (cfg.pfx2as.empty()) cfg.pfx2as = model.settings.pfx2as;
    gps::AsnTable asn_table;
    auto loaded = load_hosts(ctx, cfg, asn_table, FeatureTexts::none);
    // Only the services the plan covers count as results of scanning it.
    gps::PlanIndex plan_index(model.plan);
    auto found = plan_scan_results(loaded.hosts, plan_index);
    std::vector<gps::BaseKey> splitters;
    const auto rules = range_rules(comm, std::move(model.rules), cfg.ingest.round_bytes, splitters);
    const auto seed_services =
        seed_services_at_owners(comm, model.seed_services, loaded.input.ownership, cfg.ingest.round_bytes);
    model.seed_services = {};
    auto predictions = distributed_predict(comm, found, rules, splitters, loaded.input.ownership, plan_index,
                                           seed_services, cfg.ingest.round_bytes);
    ctx.end_stage("predict");

    h5::File& out = ctx.output();
    write_gps_ingest(out, comm, loaded);
    out.create_group("/gps");
    out.write_attr("/gps", "model", cfg.model_path);
    out.write_attr("/gps", "plan_scan_services", comm.allreduce_sum(found.services()));
    write_predictions(out, predictions);
    ctx.end_stage("write");
    // The ip:port list for LZR/ZMap, with each prediction's hitrate, in
    // (ip, port) order: ranks append their parts in turn.
    std::string list_error;
    if (!cfg.list_path.empty()) {
      const std::string tmp = ctx.temporary_for(cfg.list_path);
      for (int r = 0; r < comm.size(); ++r) {
        if (r == comm.rank()) {
          std::ofstream list(tmp, r == 0 ? std::ios::trunc : std::ios::app);
          char hit[32];
          for (const auto& p : predictions) {
            std::snprintf(hit, sizeof hit, "%.6g", p.hitrate);
            list << format_ipv4(p.ip) << ':' << p.port << ',' << hit << '\n';
          }
          list.close();
          if (!list) list_error = "cannot write --list " + cfg.list_path + ": " + std::strerror(errno);
        }
        comm.barrier();
      }
    }
    ctx.agree_or_fail(list_error);
    ctx.commit_output(loaded.input.input_bytes);
    uint64_t n = comm.allreduce_sum(predictions.size());
    std::string stages = ctx.stage_report();
    if (ctx.root() && !cfg.ingest.quiet)
      std::fprintf(stderr, "scanhpc gps predict: %llu predictions -> %s\n  stages: %s\n", (unsigned long long)n,
                   cfg.ingest.output.c_str(), stages.c_str());
    return 0;
  });
}

int run_gps_evaluate(GpsConfig cfg, const std::string& predictions_path, const std::string& config_ini) {
  if (cfg.ingest.threads > 0) omp_set_num_threads(cfg.ingest.threads);
  RunContext ctx("gps evaluate", config_ini, cfg.ingest.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs(gps_outputs(cfg, ""), cfg.ingest.force, cfg.ingest.output,
                        known_inputs({cfg.model_path, predictions_path, cfg.pfx2as}, cfg.ingest.inputs));
    StoredModel model;
    std::vector<gps::Prediction> prediction_slice;  // this rank's slice of the predictions file
    std::string error;
    try {
      model = read_model(cfg.model_path, comm.rank(), comm.size());
      model.rules = {};  // the evaluation needs the plan and the seed only
      auto f = h5::File::open_read(predictions_path);
      const auto [b, e] = slice_of(h5::column_rows(f, "/gps/predictions/ip"), comm.rank(), comm.size());
      auto col = [&](const char* path) { return h5::read_u64_column(f, path, b, e); };
      auto ip = col("/gps/predictions/ip"), port = col("/gps/predictions/port"),
           rule_port = col("/gps/predictions/rule_port"), rule_feature = col("/gps/predictions/rule_feature");
      auto hitrate = h5::read_f64_column(f, "/gps/predictions/hitrate", b, e);
      for (size_t i = 0; i < ip.size(); ++i)
        prediction_slice.push_back({uint32_t(ip[i]), uint16_t(port[i]), hitrate[i], uint16_t(rule_port[i]), rule_feature[i]});
    } catch (const std::exception& e) {
      error = e.what();
    }
    ctx.agree_or_fail(error);
    cfg.features = model.settings.features;
    if (cfg.pfx2as.empty()) cfg.pfx2as = model.settings.pfx2as;
    gps::AsnTable asn_table;
    auto loaded = load_hosts(ctx, cfg, asn_table, FeatureTexts::none);
    const auto& truth = loaded.hosts;
    const auto& ownership = loaded.input.ownership;

    // This rank's truth, the truth services the seed or the plan found, and
    // the predictions for the hosts this rank owns (in the file's order).
    gps::PlanIndex plan_index(model.plan);
    const TruthIndex truth_index = index_truth(truth, model.settings.model.max_ports);
    std::vector<uint64_t> seed_per_port(65536, 0);
    for (uint64_t code : model.seed_services) ++seed_per_port[code & 0xFFFF];
    comm.allreduce_sum_inplace(seed_per_port);  // the slices cover the seed once
    const auto seed_services = seed_services_at_owners(comm, model.seed_services, ownership, cfg.ingest.round_bytes);
    model.seed_services = {};
    std::unordered_set<uint64_t> known;
    uint64_t seed_in_truth = 0;
    for (size_t h = 0; h < truth.hosts(); ++h)
      for (uint64_t s = truth.host_begin[h]; s < truth.host_begin[h + 1]; ++s) {
        uint64_t code = gps::service_code(truth.ip[h], truth.port[s]);
        if (seed_services.count(code)) ++seed_in_truth;
        if (seed_services.count(code) || plan_index.covers(truth.port[s], truth.ip[h])) known.insert(code);
      }
    const auto predictions = dist::send_to_owners(
        comm, prediction_slice, [&](const gps::Prediction& p) { return ownership.owner(p.ip); }, cfg.ingest.round_bytes);
    prediction_slice = {};
    auto table = evaluation_curves(ctx, truth_index, seed_per_port, known, seed_in_truth,
                                   predictions, gps::plan_probes(model.plan), cfg.ingest.round_bytes);
    ctx.end_stage("evaluate");

    h5::File& out = ctx.output();
    write_gps_ingest(out, comm, loaded);
    out.create_group("/gps");
    out.write_attr("/gps", "model", cfg.model_path);
    out.write_attr("/gps", "predictions", predictions_path);
    out.write_attr("/gps", "plan_probes", gps::plan_probes(model.plan));
    write_evaluation(out, table);
    ctx.end_stage("write");
    ctx.commit_output(loaded.input.input_bytes);
    std::string stages = ctx.stage_report();
    uint64_t n = comm.allreduce_sum(predictions.size());
    if (ctx.root() && !cfg.ingest.quiet) print_evaluation("gps evaluate", table, n, stages);
    return 0;
  });
}

}  // namespace scanhpc::commands::gps_detail
