#include "scanhpc/kernels/gps_simulate.hpp"

#include <algorithm>
#include <tuple>

#include "scanhpc/core/random.hpp"

namespace scanhpc::gps {
namespace {
uint64_t antecedent(uint16_t p1, uint64_t feature) { return mix64(feature ^ (uint64_t(p1) << 48)); }
}  // namespace

bool in_seed_sample(uint32_t ip, uint64_t sample_seed, double fraction) {
  if (fraction >= 1) return true;
  if (fraction <= 0) return false;
  // An integer threshold: the decision is exact and platform independent.
  const uint64_t threshold = uint64_t(fraction * 18446744073709551616.0);
  return hash2(ip, sample_seed) < threshold;  // = mix64(ip ^ mix64(sample_seed))
}

PlanIndex::PlanIndex(const std::vector<PlanRow>& plan) {
  if (!plan.empty()) step_ = plan.front().prefix_len;
  for (const auto& r : plan) units_.insert((uint64_t(r.port) << 32) | r.prefix);
}

bool PlanIndex::covers(uint16_t port, uint32_t ip) const {
  uint32_t prefix = step_ == 0 ? 0u : (ip & (~0u << (32 - step_)));
  return units_.count((uint64_t(port) << 32) | prefix) > 0;
}

RuleIndex::RuleIndex(const std::vector<Rule>& rules) {
  for (const auto& r : rules) by_antecedent_[antecedent(r.p1, r.feature)].push_back(&r);
}

const std::vector<const Rule*>* RuleIndex::find(uint16_t p1, uint64_t feature) const {
  auto it = by_antecedent_.find(antecedent(p1, feature));
  return it == by_antecedent_.end() ? nullptr : &it->second;
}

std::vector<Prediction> predict(const SeedHosts& found, const RuleIndex& rules, const PlanIndex& plan,
                                const std::unordered_set<uint64_t>& seed_services) {
  std::vector<Prediction> out;
  std::unordered_map<uint16_t, Prediction> best;  // per predicted port of the current host
  for (size_t h = 0; h < found.hosts(); ++h) {
    const uint32_t ip = found.ip[h];
    best.clear();
    for (uint64_t s = found.host_begin[h]; s < found.host_begin[h + 1]; ++s) {
      const uint16_t q = found.port[s];
      for (uint64_t k = found.feat_begin[s]; k < found.feat_begin[s + 1]; ++k) {
        const auto* list = rules.find(q, found.feature[k]);
        if (!list) continue;
        for (const Rule* r : *list) {
          if (r->p1 != q || r->feature != found.feature[k]) continue;  // a hash neighbour
          if (plan.covers(r->p2, ip) || seed_services.count(service_code(ip, r->p2))) continue;
          Prediction cand{ip, r->p2, r->hitrate, q, r->feature};
          auto [it, fresh] = best.try_emplace(r->p2, cand);
          if (!fresh && std::make_tuple(-cand.hitrate, cand.rule_port, cand.rule_feature) <
                            std::make_tuple(-it->second.hitrate, it->second.rule_port, it->second.rule_feature))
            it->second = cand;
        }
      }
    }
    size_t first = out.size();
    for (const auto& [port, p] : best) out.push_back(p);
    std::sort(out.begin() + int64_t(first), out.end(),
              [](const Prediction& a, const Prediction& b) { return a.port < b.port; });
  }
  return out;
}

std::vector<PredictQuery> predict_queries(const SeedHosts& found) {
  std::vector<PredictQuery> out;
  out.reserve(found.feature.size());
  for (size_t h = 0; h < found.hosts(); ++h)
    for (uint64_t s = found.host_begin[h]; s < found.host_begin[h + 1]; ++s)
      for (uint64_t k = found.feat_begin[s]; k < found.feat_begin[s + 1]; ++k)
        out.push_back({found.ip[h], found.port[s], found.feature[k]});
  return out;
}

void answer_predict_query(const RuleRanges& rules, const PredictQuery& q, std::vector<Prediction>& out) {
  for (const Rule& r : rules.find(q.port, q.feature)) out.push_back({q.ip, r.p2, r.hitrate, q.port, q.feature});
}

namespace {
bool better(const Prediction& a, const Prediction& b) {
  return std::make_tuple(-a.hitrate, a.rule_port, a.rule_feature) < std::make_tuple(-b.hitrate, b.rule_port, b.rule_feature);
}
}  // namespace

void answer_predict_queries(const RuleRanges& rules, const std::vector<PredictQuery>& queries,
                            std::vector<Prediction>& out, const PlanIndex* plan) {
  std::vector<int64_t> slot(65536, -1);  // port -> index in out of the current host's candidate
  std::vector<uint16_t> touched;
  std::vector<Prediction> found;
  for (size_t i = 0; i < queries.size(); ++i) {
    if (i > 0 && queries[i].ip != queries[i - 1].ip) {  // a new host
      for (uint16_t p : touched) slot[p] = -1;
      touched.clear();
    }
    found.clear();
    answer_predict_query(rules, queries[i], found);
    for (const auto& c : found) {
      if (plan && plan->covers(c.port, c.ip)) continue;
      int64_t& at = slot[c.port];
      if (at < 0) {
        at = int64_t(out.size());
        out.push_back(c);
        touched.push_back(c.port);
      } else if (better(c, out[size_t(at)])) {
        out[size_t(at)] = c;
      }
    }
  }
}

void keep_best_predictions(std::vector<Prediction>& c) {
  std::sort(c.begin(), c.end(), [](const Prediction& a, const Prediction& b) {
    return std::make_tuple(a.ip, a.port, -a.hitrate, a.rule_port, a.rule_feature) <
           std::make_tuple(b.ip, b.port, -b.hitrate, b.rule_port, b.rule_feature);
  });
  size_t kept = 0;
  for (size_t i = 0; i < c.size(); ++i)
    if (kept == 0 || c[kept - 1].ip != c[i].ip || c[kept - 1].port != c[i].port) c[kept++] = c[i];
  c.resize(kept);
}

std::vector<Prediction> choose_predictions(std::vector<Prediction> candidates, const PlanIndex& plan,
                                           const std::unordered_set<uint64_t>& seed_services) {
  keep_best_predictions(candidates);
  size_t kept = 0;
  for (const auto& p : candidates)
    if (!plan.covers(p.port, p.ip) && !seed_services.count(service_code(p.ip, p.port))) candidates[kept++] = p;
  candidates.resize(kept);
  return candidates;
}

}  // namespace scanhpc::gps
