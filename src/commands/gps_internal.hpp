#pragma once
// What the gps subcommands share (private to src/commands): the settings,
// the model as it is built and as it is read back, the truth index and the
// evaluation curves, and the collective steps that more than one subcommand
// runs. gps.cpp parses the options; gps_model.cpp builds and writes a model;
// gps_simulate.cpp runs the whole study and scores it; gps_predict.cpp
// predicts from a stored model and evaluates predictions.
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_set>
#include <utility>
#include <vector>

#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/kernels/gps.hpp"
#include "scanhpc/kernels/gps_simulate.hpp"

namespace scanhpc::commands::gps_detail {

struct GpsConfig {
  IngestConfig ingest;
  gps::FeatureOptions features;
  gps::ModelOptions model;
  int step = 16;
  std::string pfx2as, plan_csv;
  double seed_fraction = 1;  // model and simulate: the share of the input's hosts used as the seed
  uint64_t sample_seed = 1;
  std::string model_path, list_path;  // predict
};

template <class Key, class Count>
std::vector<dist::KeyCount<Key>> as_key_counts(const std::vector<Count>& v) {
  std::vector<dist::KeyCount<Key>> out;
  out.reserve(v.size());
  for (const auto& c : v) {
    dist::KeyCount<Key> k{};  // zeroed padding: the bytes that travel are defined
    k.key = c.key;
    k.count = c.count;
    out.push_back(k);
  }
  return out;
}

struct Model {
  std::vector<gps::Rule> rules;            // this rank's range of the rules, sorted by (p1, feature, p2)
  std::vector<gps::Rule> family_rules;     // the rules of this rank's feature ids (write_families)
  std::vector<gps::BaseKey> splitters;     // where the ranges of `rules` begin (dist::splitter_owner)
  uint64_t total_rules = 0;
  std::vector<gps::Predictor> predictors;  // this rank's seed services
  std::vector<gps::PlanRow> plan;          // the whole plan, on every rank
};

struct LoadedHosts {
  DistributedInput input;     // files, counts (rows and banners already consumed)
  uint64_t open_rows = 0;
  gps::FeatureDictionary dict;
  gps::SeedHosts hosts;       // this rank's hosts with their services' features
};

// This rank's ground truth as the evaluation needs it. Services on hosts
// with more than max_ports open ports are "sinks": GPS's seed leaves those
// hosts out (its filter of <= 10 ports), so its headline figure counts only
// the rest; fraction_excluding_sinks reports that universe beside the whole.
struct TruthIndex {
  std::unordered_set<uint64_t> services, sink_services;
  std::vector<uint64_t> per_port = std::vector<uint64_t>(65536, 0);
  std::vector<uint64_t> per_port_no_sinks = std::vector<uint64_t>(65536, 0);
};

// The coverage-versus-probes curves, identical on every rank.
struct EvaluationTable {
  uint64_t truth_services = 0, sink_services = 0, plan_probes = 0, known = 0, seed_services = 0;
  std::vector<std::string> method;
  std::vector<uint64_t> probes, services_found;
  // fraction_beyond_seed: of the truth's services the seed did not contain,
  // the share found; a large seed cannot inflate it.
  std::vector<double> fraction, fraction_beyond_seed, fraction_excluding_sinks, port_weighted;
};

// The parts of a model file that gps predict and evaluate need: settings and
// plan on every rank (the plan is small), the rules and the seed services in
// slices of 1/P of their rows.
struct StoredModel {
  GpsConfig settings;                       // feature options and step as the model was built
  std::vector<gps::Rule> rules;             // this rank's slice of /gps/rules
  std::vector<gps::PlanRow> plan;
  std::vector<uint64_t> seed_services;      // this rank's slice of /gps/seed_services (service codes)
};

// Every file a gps step writes: the HDF5 output and, when asked, a list.
std::vector<OutputTarget> gps_outputs(const GpsConfig& cfg, const std::string& list);
// The inputs known before listing: extra files (a model, a table) and the input arguments.
std::vector<std::string> known_inputs(std::vector<std::string> v, const std::vector<std::string>& inputs);

// gps_model.cpp
// Collective: the feature dictionary deduplicated on id owners; each rank
// returns its ids in order.
std::vector<gps::FeatureEntry> distribute_features(const dist::Comm& comm, const gps::FeatureDictionary& dict,
                                                   uint64_t round_bytes);
// Collective: the rules in ranges of (p1, feature) (see gps_model.cpp).
std::vector<gps::Rule> range_rules(const dist::Comm& comm, std::vector<gps::Rule> local, uint64_t round_bytes,
                                   std::vector<gps::BaseKey>& splitters);
// Collective: predictions for the found services by question and answer.
std::vector<gps::Prediction> distributed_predict(const dist::Comm& comm, const gps::SeedHosts& found,
                                                 const std::vector<gps::Rule>& rules,
                                                 const std::vector<gps::BaseKey>& splitters,
                                                 const PrefixOwnership& ownership, const gps::PlanIndex& plan,
                                                 const std::unordered_set<uint64_t>& seed_services,
                                                 uint64_t round_bytes);
Model build_model(RunContext& ctx, const gps::SeedHosts& seed, const gps::FeatureDictionary& dict,
                  const GpsConfig& cfg);
LoadedHosts load_hosts(RunContext& ctx, const GpsConfig& cfg, gps::AsnTable& asn_table);
void write_model(h5::File& out, const dist::Comm& comm, const GpsConfig& cfg, const Model& m,
                 const gps::SeedHosts& seed, const std::vector<gps::FeatureEntry>& features);
int run_gps_model(const GpsConfig& cfg, const std::string& config_ini);

// gps_simulate.cpp
gps::SeedHosts plan_scan_results(const gps::SeedHosts& truth, const gps::PlanIndex& plan);
TruthIndex index_truth(const gps::SeedHosts& truth, uint32_t max_ports);
EvaluationTable evaluation_curves(RunContext& ctx, const TruthIndex& truth, const std::vector<uint64_t>& seed_per_port,
                                  const std::unordered_set<uint64_t>& known, uint64_t seed_in_truth,
                                  const std::vector<gps::Prediction>& predictions, uint64_t plan_probes,
                                  uint64_t round_bytes);
void write_evaluation(h5::File& out, EvaluationTable& t);
void print_evaluation(const char* name, const EvaluationTable& t, uint64_t predictions, const std::string& stages);
int run_gps_simulate(const GpsConfig& cfg, const std::string& config_ini);

// gps_predict.cpp
StoredModel read_model(const std::string& path, int rank, int ranks);
std::unordered_set<uint64_t> seed_services_at_owners(const dist::Comm& comm, const std::vector<uint64_t>& slice,
                                                     const PrefixOwnership& ownership, uint64_t round_bytes);
void write_predictions(h5::File& out, const std::vector<gps::Prediction>& predictions);
int run_gps_predict(GpsConfig cfg, const std::string& config_ini);
int run_gps_evaluate(GpsConfig cfg, const std::string& predictions_path, const std::string& config_ini);

}  // namespace scanhpc::commands::gps_detail
