#pragma once
// The shape of GPS's analyses (`gps model`): the shared path brings each
// host's status rows and banner records to the rank owning its prefix, and
// the feature step turns them into this rank's seed hosts (open services with
// their features, ids of the run's feature dictionary). Each analysis
// accumulates from them (local, MPI-free kernels of kernels/gps), merges its
// partials across ranks at owners (never data-sized on one rank), writes its
// groups under /gps (collective, zero-row ranks included) and gives one
// summary line. GPS's model is the first: one chain of steps (counts, rules,
// predictors, plan), since each needs the one before. The registry
// (gps_analyses) feeds `gps model --analyses`, its help and the output
// order: an analysis of the seed is one file in src/analyses and one line in
// gps_registry.cpp.
//
// The model's collective steps are here too, because gps simulate and gps
// predict run them on their own seeds and found services.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/h5/h5.hpp"
#include "scanhpc/kernels/gps.hpp"
#include "scanhpc/kernels/gps_simulate.hpp"
#include "scanhpc/kernels/prefix_partition.hpp"

namespace scanhpc::analyses {

// The settings of a GPS run that its analyses read (and record in /gps).
struct GpsSettings {
  gps::FeatureOptions features;
  gps::ModelOptions model;
  int step = 16;
  std::string pfx2as;
  double seed_fraction = 1;  // model and simulate: the share of the input's hosts used as the seed
  uint64_t sample_seed = 1;
  bool all_features = false;  // /gps/features: every distinct feature, not only the rules' ones
};

// Marks the end of a named stage, for the run's timing and memory report.
using StageMark = std::function<void(const std::string&)>;

class GpsAnalysis {
 public:
  virtual ~GpsAnalysis() = default;
  // Local: this rank's seed hosts and the feature dictionary they index;
  // both stay alive until write() returns.
  // `source` (when not empty) adds texts to `dict` on demand.
  virtual void accumulate(const gps::SeedHosts& hosts, gps::FeatureDictionary& dict,
                          const gps::FeatureTextSource& source) = 0;
  // Collective: partials merged at owners.
  virtual void merge(const dist::Comm& comm, const StageMark& stage) = 0;
  // Collective: the analysis's groups under /gps.
  virtual void write(h5::File& out, const dist::Comm& comm) = 0;
  // Collective: the line for the closing summary (used on rank 0).
  virtual std::string summary(const dist::Comm& comm) const = 0;
  // Rank 0: "port,prefix/len" lines for a scanner, in priority order, when
  // the analysis makes a scan plan (--plan-csv); empty otherwise.
  virtual std::string plan_csv() const { return {}; }
};

struct GpsAnalysisInfo {
  std::string name;
  std::string description;  // for --help
  std::function<std::unique_ptr<GpsAnalysis>(const GpsSettings&, uint64_t round_bytes)> make;
};

// Every analysis of `gps model`, in output order.
const std::vector<GpsAnalysisInfo>& gps_analyses();
// --analyses: a comma-separated list of names or "all", in registry order.
// Throws std::invalid_argument naming an unknown analysis or an empty choice.
std::vector<const GpsAnalysisInfo*> choose_gps_analyses(const std::string& list);

// ---------------------------------------------------- the model's steps --
struct GpsModel {
  std::vector<gps::Rule> rules;            // this rank's range of the rules, sorted by (p1, feature, p2)
  std::vector<gps::Rule> family_rules;     // the rules of this rank's feature ids (the family tables)
  std::vector<gps::BaseKey> splitters;     // where the ranges of `rules` begin (dist::splitter_owner)
  uint64_t total_rules = 0;
  std::vector<uint64_t> rule_features;     // every rule's feature id, sorted distinct, on every rank
  std::vector<gps::Predictor> predictors;  // this rank's seed services
  std::vector<gps::PlanRow> plan;          // the whole plan, on every rank
};

// Collective: counts summed on the owners of (p1, feature), rules formed
// there and spread in ranges, best predictors by question and answer, plan
// counts summed by owner and shared (the plan is small).
// `dict` holds every feature's text, or `source` adds those of the rules'
// features once the rules are known.
GpsModel build_gps_model(const dist::Comm& comm, const gps::SeedHosts& seed, gps::FeatureDictionary& dict,
                         const gps::FeatureTextSource& source,
                         const GpsSettings& settings, uint64_t round_bytes, const StageMark& stage);
// Collective: the feature dictionary deduplicated on id owners; each rank
// returns its ids in order: all of them, or (all == false) those of the
// model's rules, which the rules and families tables name.
std::vector<gps::FeatureEntry> distribute_features(const dist::Comm& comm, const gps::FeatureDictionary& dict,
                                                   const GpsModel& model, bool all, uint64_t round_bytes);
// Collective: /gps with the settings, the seed's services, the features, the
// rules (each rank its range), the predictors, the plan and the families.
void write_gps_model(h5::File& out, const dist::Comm& comm, const GpsSettings& settings, const GpsModel& m,
                     const gps::SeedHosts& seed, const std::vector<gps::FeatureEntry>& features);
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

}  // namespace scanhpc::analyses
