// scanhpc gps: the subcommands' options and dispatch (the steps are in
// gps_model.cpp, gps_simulate.cpp and gps_predict.cpp).
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

namespace scanhpc::commands {
namespace {

using namespace gps_detail;

constexpr const char* kGpsUsage =
    "usage: scanhpc gps model    [options] SEED...       GPS steps 1-3: model, best predictors, scan plan\n"
    "       scanhpc gps predict  --model M.h5 PLANSCAN... GPS step 4: predictions from the plan's scan\n"
    "       scanhpc gps evaluate --model M.h5 --predictions P.h5 TRUTH...\n"
    "       scanhpc gps simulate [options] TRUTH...      the whole study on one ground-truth scan\n"
    "\n"
    "model learns P(p2 | p1, feature) from a seed scan with banners (any masscan\n"
    "format), keeps each seed service's best predictor and ranks the (port, /step)\n"
    "scan plan; --plan-csv writes it as `port,prefix/len` lines for ZMap/masscan.\n"
    "predict joins the features of the plan scan's services to the rules and\n"
    "writes ip:port predictions with the hitrate of their rule (--list).\n"
    "simulate samples a seed of --seed-fraction of the truth's hosts, builds the\n"
    "model and plan, answers the plan from the truth, predicts, and writes the\n"
    "coverage-versus-probes curves of GPS and of the popularity baseline.\n"
    "evaluate scores the plan and the predictions against a ground-truth scan.\n"
    "Layout: docs/hdf5-layout.md.\n"
    "\n"
    "  mpirun -n 4 scanhpc gps model -o model.h5 --plan-csv plan.csv seed.json\n"
    "  mpirun -n 4 scanhpc gps predict --model model.h5 --list predictions.txt plan-scan.json\n";


void add_gps_options(po::options_description& o) {
  add_ingest_options(o, "gps.h5");
  o.add_options()
      ("pfx2as", po::value<std::string>()->default_value(""), "RouteViews prefix-to-ASN table (prefix<TAB>len<TAB>asn)")
      ("net-min-len", po::value<int>()->default_value(16), "shortest network prefix feature (/len)")
      ("net-max-len", po::value<int>()->default_value(16), "longest network prefix feature (/len)")
      ("no-crosses", po::bool_switch()->default_value(false), "no app feature x /16 and x ASN crosses")
      ("min-ports", po::value<uint32_t>()->default_value(2), "hosts used: at least this many open ports")
      ("max-ports", po::value<uint32_t>()->default_value(10), "hosts used: at most this many open ports")
      ("min-support", po::value<uint64_t>()->default_value(2), "a rule needs support > this")
      ("hitrate", po::value<double>()->default_value(1e-5), "a rule (and a plan row's density) needs more than this")
      ("step", po::value<int>()->default_value(16), "plan prefix length (/step)")
      ("plan-csv", po::value<std::string>()->default_value(""), "also write the plan as port,prefix/len lines")
      ("all-features", po::bool_switch()->default_value(false),
       "write every distinct feature of the seed to /gps/features, not only those of the rules "
       "(one row per distinct banner line, crossed with each /16 and ASN: large)");
}

GpsConfig to_config(const po::variables_map& vm) {
  GpsConfig c;
  c.ingest = ingest_config_from(vm);
  c.ingest.keep_banners = true;
  c.features.net_min_len = vm["net-min-len"].as<int>();
  c.features.net_max_len = vm["net-max-len"].as<int>();
  c.features.crosses = !vm["no-crosses"].as<bool>();
  c.model.min_ports = vm["min-ports"].as<uint32_t>();
  c.model.max_ports = vm["max-ports"].as<uint32_t>();
  c.model.min_support = vm["min-support"].as<uint64_t>();
  c.model.hitrate_cutoff = vm["hitrate"].as<double>();
  c.step = vm["step"].as<int>();
  c.pfx2as = vm["pfx2as"].as<std::string>();
  c.plan_csv = vm["plan-csv"].as<std::string>();
  c.all_features = vm["all-features"].as<bool>();
  if (c.features.net_min_len < 1 || c.features.net_max_len > 32) throw UsageError("--net-min-len/--net-max-len: 1..32");
  if (c.step < 1 || c.step > 32) throw UsageError("--step: 1..32");
  if (c.model.min_ports < 1 || c.model.min_ports > c.model.max_ports) throw UsageError("--min-ports/--max-ports");
  return c;
}

}  // namespace

int gps(const Args& args) {
  if (args.empty() || args[0] == "--help" || args[0] == "-h") {
    std::cout << kGpsUsage;
    return args.empty() ? 2 : 0;
  }
  const std::string step = args[0];
  po::options_description options("gps " + step + " options");
  if (step == "model" || step == "simulate") {
    add_gps_options(options);
    options.add_options()
        ("seed-fraction", po::value<double>()->default_value(step == "simulate" ? 0.1 : 1.0),
         "share of the input's hosts used as the seed (sampled by a hash of the address)")
        ("sample-seed", po::value<uint64_t>()->default_value(1), "which hosts are sampled (deterministic)");
    if (step == "model") {
      std::string names;
      for (const auto& a : analyses::gps_analyses()) names += (names.empty() ? "" : ", ") + a.name;
      options.add_options()("analyses", po::value<std::string>()->default_value("all"),
                            ("analyses of the seed: all, or a list of " + names).c_str());
    }
  } else if (step == "predict" || step == "evaluate") {
    add_ingest_options(options, step == "predict" ? "predictions.h5" : "evaluation.h5");
    options.add_options()
        ("model", po::value<std::string>()->default_value(""), "the HDF5 file of gps model (required)")
        ("pfx2as", po::value<std::string>()->default_value(""), "ASN table (default: the one the model used)");
    if (step == "predict")
      options.add_options()("list", po::value<std::string>()->default_value(""), "also write ip:port,hitrate lines");
    else
      options.add_options()("predictions", po::value<std::string>()->default_value(""),
                            "the HDF5 file of gps predict (required); the INPUTs are the truth");
  } else {
    if (launcher_root()) std::cerr << "scanhpc gps: '" << step << "' is not available (yet); see scanhpc gps --help\n";
    return 2;
  }
  try {
    auto parsed = parse_command(Args(args.begin() + 1, args.end()), options, "input");
    if (parsed.help) {
      std::cout << kGpsUsage << "\n" << options << "\n";
      return 0;
    }
    if (parsed.dump_config) {
      std::cout << effective_config(options, parsed.vm);
      return 0;
    }
    GpsConfig cfg;
    std::string predictions_path;
    if (step == "predict" || step == "evaluate") {
      cfg.ingest = ingest_config_from(parsed.vm);
      cfg.ingest.keep_banners = true;
      cfg.model_path = parsed.vm["model"].as<std::string>();
      cfg.pfx2as = parsed.vm["pfx2as"].as<std::string>();
      if (cfg.model_path.empty()) throw UsageError("--model: the model file is required");
      if (step == "predict") cfg.list_path = parsed.vm["list"].as<std::string>();
      if (step == "evaluate") predictions_path = parsed.vm["predictions"].as<std::string>();
      if (step == "evaluate" && predictions_path.empty()) throw UsageError("--predictions: the file is required");
    } else {
      cfg = to_config(parsed.vm);
      cfg.seed_fraction = parsed.vm["seed-fraction"].as<double>();
      cfg.sample_seed = parsed.vm["sample-seed"].as<uint64_t>();
      if (step == "model") {
        cfg.analysis_list = parsed.vm["analyses"].as<std::string>();
        try {
          analyses::choose_gps_analyses(cfg.analysis_list);
        } catch (const std::invalid_argument& e) {
          throw UsageError(std::string("--analyses: ") + e.what());
        }
      }
      if (!(cfg.seed_fraction > 0 && cfg.seed_fraction <= 1)) throw UsageError("--seed-fraction: in (0, 1]");
    }
    dist::Environment mpi(nullptr, nullptr);
    const std::string ini = effective_config(options, parsed.vm);
    if (step == "simulate") return run_gps_simulate(cfg, ini);
    if (step == "predict") return run_gps_predict(cfg, ini);
    if (step == "evaluate") return run_gps_evaluate(cfg, predictions_path, ini);
    return run_gps_model(cfg, ini);
  } catch (const UsageError& e) {
    return usage_error("gps " + step, e);
  }
}

}  // namespace scanhpc::commands
