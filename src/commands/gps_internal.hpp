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

#include "scanhpc/analyses/gps_analysis.hpp"
#include "scanhpc/commands/pipeline.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/kernels/gps.hpp"
#include "scanhpc/kernels/gps_simulate.hpp"

namespace scanhpc::commands::gps_detail {

// The settings that the model records (analyses::GpsSettings), and the run's own.
struct GpsConfig : analyses::GpsSettings {
  IngestConfig ingest;
  std::string plan_csv;
  std::string analysis_list = "all";  // model: the analyses of the seed (analyses/gps_analysis.hpp)
  std::string model_path, list_path;  // predict
};

// The model's collective steps live with the model analysis (analyses/gps_analysis.hpp).
using Model = analyses::GpsModel;
using analyses::distribute_features;
using analyses::distributed_predict;
using analyses::range_rules;

struct LoadedHosts {
  DistributedInput input;     // files, counts (rows and banners already consumed)
  uint64_t open_rows = 0;
  gps::SeedJoinCounts joins;  // (ip, port) named by join-only (ZGrab2) banners, over all ranks
  gps::FeatureDictionary dict;  // every feature's text, or (texts on demand) only those recovered
  gps::SeedHosts hosts;       // this rank's hosts with their services' features
  // Texts on demand: the rows the hosts were built from, kept to recover the
  // texts of the features a model names (gps::recover_feature_texts).
  gps::SeedRows rows;
  BannerColumns banners;
  gps::AsnLookup asn;
  gps::FeatureOptions options;
  bool texts_on_demand = false;
  // The source for build_gps_model; empty when the dictionary is whole.
  // Refers to this object: call it where `loaded` stays put.
  gps::FeatureTextSource text_source() const;
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
// Collective: the ASN table, the shared ingest path (banners kept), and the
// hosts of this rank with their features.
// texts: whole (every feature's text in the dictionary), on_demand (ids
// only, the rows kept for text_source), none (ids only, nothing kept).
enum class FeatureTexts { whole, on_demand, none };
// counted_hosts_only: features only for the hosts the model counts (min..max
// ports; gps model), the other hosts' services get none.
LoadedHosts load_hosts(RunContext& ctx, const GpsConfig& cfg, gps::AsnTable& asn_table, FeatureTexts texts,
                       bool counted_hosts_only = false);
// Collective: /ingest as every command writes it, with the join of banners
// that only add features (ZGrab2's) to the services of other inputs.
void write_gps_ingest(h5::File& out, const dist::Comm& comm, const LoadedHosts& loaded);
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
