#pragma once
// GPS steps 4-5 and the study around them, MPI-free: sample a seed from a
// ground-truth scan, answer a plan from the truth, predict the remaining
// services from the rules, and score predictions against the truth.
#include <cstdint>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "scanhpc/kernels/gps.hpp"

namespace scanhpc::gps {

// Deterministic host sample: the same ips are chosen at any rank count.
bool in_seed_sample(uint32_t ip, uint64_t sample_seed, double fraction);

// The hosts of `seed` for which keep(ip) holds, in the same order.
template <class Keep>
SeedHosts filter_hosts(const SeedHosts& all, Keep keep) {
  SeedHosts out;
  for (size_t h = 0; h < all.hosts(); ++h) {
    if (!keep(all.ip[h])) continue;
    std::vector<uint16_t> ports;
    std::vector<std::vector<uint64_t>> features;
    for (uint64_t s = all.host_begin[h]; s < all.host_begin[h + 1]; ++s) {
      ports.push_back(all.port[s]);
      features.emplace_back(all.feature.begin() + int64_t(all.feat_begin[s]),
                            all.feature.begin() + int64_t(all.feat_begin[s + 1]));
    }
    out.add_host(all.ip[h], ports, features);
  }
  return out;
}

// The (port, prefix) units of a plan, for membership tests.
class PlanIndex {
 public:
  explicit PlanIndex(const std::vector<PlanRow>& plan);
  bool covers(uint16_t port, uint32_t ip) const;
  int step() const { return step_; }

 private:
  int step_ = 16;
  std::unordered_set<uint64_t> units_;
};

// Rules by their antecedent (p1, feature).
class RuleIndex {
 public:
  explicit RuleIndex(const std::vector<Rule>& rules);
  const std::vector<const Rule*>* find(uint16_t p1, uint64_t feature) const;

 private:
  std::unordered_map<uint64_t, std::vector<const Rule*>> by_antecedent_;  // key: mix of (p1, feature)
};

struct Prediction {
  uint32_t ip = 0;
  uint16_t port = 0;
  double hitrate = 0;       // of the best rule that predicts it
  uint16_t rule_port = 0;
  uint64_t rule_feature = 0;
  friend bool operator==(const Prediction&, const Prediction&) = default;
};

// GPS step 4: for each service (ip, q) found by scanning the plan, every rule
// (q, f, p2) with f a feature of (ip, q) predicts (ip, p2). A prediction is
// dropped when the plan already covered (p2, prefix of ip) or when (ip, p2)
// is a seed service; each (ip, p2) keeps its best rule (hitrate desc, then
// rule port, then feature id). `found` holds the plan-scan results; sorted
// by (ip, port).
std::vector<Prediction> predict(const SeedHosts& found, const RuleIndex& rules, const PlanIndex& plan,
                                const std::unordered_set<uint64_t>& seed_services);

// predict in three steps, so that the rules can stay spread over ranks in
// ranges of (p1, feature): each found service's questions (one per feature),
// a rule range's candidates, and the choice among all candidates.
struct PredictQuery {
  uint32_t ip = 0;
  uint16_t port = 0;
  uint64_t feature = 0;
};
std::vector<PredictQuery> predict_queries(const SeedHosts& found);
// Appends a candidate for every rule (q.port, q.feature, p2) of `rules`
// (any subset of the model's rules).
void answer_predict_query(const RuleRanges& rules, const PredictQuery& q, std::vector<Prediction>& out);
// The same for a run of questions, keeping only the best candidate of each
// (ip, port) among those of consecutive questions of one ip (questions
// come host by host): the thinning done where they are answered. With a
// plan, the services it covers are dropped there too (a choice by (ip, port)
// alone, so the result of choose_predictions is the same).
void answer_predict_queries(const RuleRanges& rules, const std::vector<PredictQuery>& queries,
                            std::vector<Prediction>& out, const PlanIndex* plan = nullptr);
// Keeps the best candidate of each (ip, port), by hitrate desc, rule port,
// rule feature: a total order, so candidates may be thinned anywhere before
// the choice. Sorts by (ip, port).
void keep_best_predictions(std::vector<Prediction>& candidates);
// The best candidates less the plan's and the seed's services: equals
// predict() for the found services the candidates came from.
std::vector<Prediction> choose_predictions(std::vector<Prediction> candidates, const PlanIndex& plan,
                                           const std::unordered_set<uint64_t>& seed_services);

inline uint64_t service_code(uint32_t ip, uint16_t port) { return (uint64_t(ip) << 16) | port; }

}  // namespace scanhpc::gps
