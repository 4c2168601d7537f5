// scanhpc gps model: GPS (Izhikevich et al., SIGCOMM '22) on MPI ranks.
// The shared pipeline brings every host's status rows and banner records to
// the rank owning its prefix, where they become the seed's hosts with their
// features; then the chosen analyses of the seed (src/analyses, the model
// first) accumulate, merge at owners and write their groups under /gps.
#include <omp.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>

#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/core/codes.hpp"
#include "gps_internal.hpp"

namespace scanhpc::commands::gps_detail {

// Every file a gps step writes: the HDF5 output and, when asked, a list.
std::vector<OutputTarget> gps_outputs(const GpsConfig& cfg, const std::string& list) {
  std::vector<OutputTarget> t = {{cfg.ingest.output}};
  if (!list.empty()) t.push_back({list});
  return t;
}

// The inputs known before listing: extra files (a model, a table) and the input arguments.
std::vector<std::string> known_inputs(std::vector<std::string> v, const std::vector<std::string>& inputs) {
  std::erase(v, std::string());
  v.insert(v.end(), inputs.begin(), inputs.end());
  return v;
}


// Collective: the ASN table, the shared ingest path (banners kept), and the
// hosts of this rank with their features.
LoadedHosts load_hosts(RunContext& ctx, const GpsConfig& cfg, gps::AsnTable& asn_table, FeatureTexts texts,
                       bool counted_hosts_only) {
  const auto& comm = ctx.comm();
  std::string pfx2as_text, error;
  if (ctx.root() && !cfg.pfx2as.empty()) {  // rank 0 reads it, every rank parses the same text
    std::ifstream in(cfg.pfx2as, std::ios::binary);
    if (!in) error = "cannot read --pfx2as " + cfg.pfx2as;
    else pfx2as_text.assign(std::istreambuf_iterator<char>(in), {});
  }
  ctx.agree_root(error);
  comm.bcast(pfx2as_text, 0);
  try {
    asn_table = gps::AsnTable::from_pfx2as(pfx2as_text);
  } catch (const std::exception& e) {
    error = cfg.pfx2as + ": " + e.what();
  }
  ctx.agree_or_fail(error);
  gps::AsnLookup asn = cfg.pfx2as.empty() ? gps::AsnLookup{} : asn_table.lookup_fn();

  LoadedHosts out;
  out.input = ingest_and_distribute(ctx, cfg.ingest);
  StatusColumns status;
  for (const auto& e : out.input.rows)
    if (e.status == uint8_t(Status::open)) {
      status.push_back({key_ip(e.key), e.ts, key_port(e.key), key_proto(e.key), e.status, e.reason, e.ttl, e.known, 0});
      ++out.open_rows;
    }
  out.input.rows = {};
  out.input.spare = {};
  gps::FeatureOptions options = cfg.features;
  if (counted_hosts_only) {
    options.min_host_ports = cfg.model.min_ports;
    options.max_host_ports = cfg.model.max_ports;
  }
  out.hosts = gps::build_seed(status, out.input.banners, options, asn,
                              texts == FeatureTexts::whole ? &out.dict : nullptr, &out.joins,
                              texts == FeatureTexts::on_demand ? &out.rows : nullptr);
  if (texts == FeatureTexts::on_demand) {
    out.banners = std::move(out.input.banners);
    out.asn = asn;
    out.options = options;
    out.texts_on_demand = true;
  }
  out.input.banners = BannerColumns{};
  std::vector<uint64_t> joins{out.joins.joined, out.joins.unmatched};
  comm.allreduce_sum_inplace(joins);  // every (ip, port) lives on one rank
  out.joins = {joins[0], joins[1]};
  if (joins[1] && !joins[0])
    ctx.warn("no ZGrab2 banner names a service that another input found open (" + std::to_string(joins[1]) +
             " (ip, port) dropped): ZGrab2 banners add features to the services of the ZMap, masscan or LZR "
             "output given in the same run");
  ctx.end_stage("features");
  return out;
}

gps::FeatureTextSource LoadedHosts::text_source() const {
  if (!texts_on_demand) return {};
  return [this](const gps::SeedHosts& seed, const std::vector<uint8_t>& entries,
                const std::vector<uint64_t>& wanted, gps::FeatureDictionary& d) {
    gps::recover_feature_texts(seed, rows, banners, options, asn, wanted, d, &entries);
  };
}

void write_gps_ingest(h5::File& out, const dist::Comm& comm, const LoadedHosts& loaded) {
  write_ingest(out, comm, loaded.input.files, loaded.input.summary, comm.allreduce_sum(loaded.open_rows), 0);
  out.write_attr("/ingest", "banner_services_joined", loaded.joins.joined);
  out.write_attr("/ingest", "banner_services_unmatched", loaded.joins.unmatched);
}

int run_gps_model(const GpsConfig& cfg, const std::string& config_ini) {
  if (cfg.ingest.threads > 0) omp_set_num_threads(cfg.ingest.threads);
  const auto chosen_infos = analyses::choose_gps_analyses(cfg.analysis_list);  // checked as a usage error before
  RunContext ctx("gps model", config_ini, cfg.ingest.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs(gps_outputs(cfg, cfg.plan_csv), cfg.ingest.force, cfg.ingest.output,
                        known_inputs({cfg.pfx2as}, cfg.ingest.inputs));
    gps::AsnTable asn_table;
    // The model reads only its counted hosts' features; --all-features writes every host's.
    auto loaded = load_hosts(ctx, cfg, asn_table, cfg.all_features ? FeatureTexts::whole : FeatureTexts::on_demand,
                             !cfg.all_features);
    if (cfg.seed_fraction < 1)
      loaded.hosts = gps::filter_hosts(loaded.hosts, [&](uint32_t ip) {
        return gps::in_seed_sample(ip, cfg.sample_seed, cfg.seed_fraction);
      });
    const analyses::StageMark stage = [&](const std::string& name) { ctx.end_stage(name); };
    std::vector<std::unique_ptr<analyses::GpsAnalysis>> chosen;
    for (const auto* info : chosen_infos) {
      chosen.push_back(info->make(cfg, cfg.ingest.round_bytes));
      chosen.back()->accumulate(loaded.hosts, loaded.dict, loaded.text_source());
      chosen.back()->merge(comm, stage);
    }

    h5::File& out = ctx.output();
    write_gps_ingest(out, comm, loaded);
    for (auto& a : chosen) a->write(out, comm);
    ctx.end_stage("write");
    std::string csv_error;  // the scan list for ZMap/masscan, in priority order
    if (!cfg.plan_csv.empty()) {
      const std::string tmp = ctx.temporary_for(cfg.plan_csv);
      if (ctx.root()) {
        std::ofstream csv(tmp);
        for (const auto& a : chosen) csv << a->plan_csv();
        csv.close();
        if (!csv) csv_error = "cannot write --plan-csv " + cfg.plan_csv + ": " + std::strerror(errno);
      }
    }
    ctx.agree_root(csv_error);
    ctx.commit_output(loaded.input.input_bytes);
    std::string summary;
    for (const auto& a : chosen) summary += (summary.empty() ? "" : "; ") + a->summary(comm);
    const std::string stages = ctx.stage_report();
    if (ctx.root() && !cfg.ingest.quiet)
      std::fprintf(stderr, "scanhpc gps model: %s -> %s\n  stages: %s\n", summary.c_str(), cfg.ingest.output.c_str(),
                   stages.c_str());
    return 0;
  });
}

}  // namespace scanhpc::commands::gps_detail
