#include <catch2/catch.hpp>

#include <algorithm>
#include <tuple>

#include "scanhpc/core/random.hpp"
#include "scanhpc/kernels/gps_simulate.hpp"

using namespace scanhpc;
using namespace scanhpc::gps;

TEST_CASE("predict keeps the best rule per port and skips the plan and the seed", "[gps]") {
  const uint32_t ip = 0x0A010203, other = 0x0B000001;
  std::vector<Rule> rules{
      {80, 11, 22, 5, 10, 0.5},   // weaker rule for 22
      {80, 12, 22, 7, 10, 0.7},   // the best rule for 22
      {80, 11, 443, 9, 10, 0.9},  // 443 is a seed service: dropped
      {80, 11, 8080, 3, 10, 0.3}, // 8080 on this /16 is in the plan: dropped
      {25, 11, 587, 9, 10, 0.9},  // antecedent port not found: no prediction
  };
  SeedHosts found;
  std::vector<uint16_t> ports{80};
  std::vector<std::vector<uint64_t>> feats{{11, 12}};
  found.add_host(ip, ports, feats);
  found.add_host(other, ports, std::vector<std::vector<uint64_t>>{{11}});
  PlanIndex plan({{0, 8080, 0x0A010000, 16, 5}});
  std::unordered_set<uint64_t> seed{service_code(ip, 443)};
  auto got = predict(found, RuleIndex(rules), plan, seed);
  std::vector<Prediction> want{
      {ip, 22, 0.7, 80, 12},
      {other, 22, 0.5, 80, 11},
      {other, 443, 0.9, 80, 11},  // the seed service is another host's
      {other, 8080, 0.3, 80, 11}, // another /16: not covered by the plan
  };
  CHECK(got == want);
}

TEST_CASE("the seed sample is deterministic and close to its fraction", "[gps]") {
  size_t chosen = 0;
  for (uint32_t ip = 0; ip < 100000; ++ip) {
    bool a = in_seed_sample(ip * 2654435761u, 7, 0.1);
    CHECK(a == in_seed_sample(ip * 2654435761u, 7, 0.1));
    chosen += a;
  }
  CHECK(chosen > 9500);
  CHECK(chosen < 10500);
  CHECK(in_seed_sample(1, 1, 1.0));
  CHECK_FALSE(in_seed_sample(1, 1, 0.0));
}

TEST_CASE("RuleRanges finds each antecedent's rules as a binary search does", "[gps]") {
  // Random sorted rules with many antecedents of one rule and some of many,
  // asked for every antecedent, for near misses and for absent ones.
  SplitMix64 rng{5};
  std::vector<Rule> rules;
  for (int i = 0; i < 20000; ++i) {
    const uint16_t p1 = uint16_t(rng.next() % 40);
    const uint64_t feature = rng.next() % 3000;
    rules.push_back({p1, feature, uint16_t(rng.next() % 200), 1, 1, 0.5});
  }
  std::sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) {
    return std::tie(a.p1, a.feature, a.p2) < std::tie(b.p1, b.feature, b.p2);
  });
  rules.erase(std::unique(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) {
                return a.p1 == b.p1 && a.feature == b.feature && a.p2 == b.p2;
              }), rules.end());
  const RuleRanges ranges(rules);
  size_t found = 0;
  for (uint16_t p1 = 0; p1 < 42; ++p1)
    for (uint64_t feature = 0; feature < 3002; ++feature) {
      auto lo = std::lower_bound(rules.begin(), rules.end(), std::pair{p1, feature},
                                 [](const Rule& r, const std::pair<uint16_t, uint64_t>& k) {
                                   return std::tie(r.p1, r.feature) < std::tie(k.first, k.second);
                                 });
      auto hi = lo;
      while (hi != rules.end() && hi->p1 == p1 && hi->feature == feature) ++hi;
      const auto got = ranges.find(p1, feature);
      REQUIRE(got.size() == size_t(hi - lo));
      if (!got.empty()) CHECK(got.data() == &*lo);
      found += got.size();
    }
  CHECK(found == rules.size());
  CHECK(RuleRanges(std::vector<Rule>{}).find(1, 1).empty());
  std::vector<Rule> unsorted{{80, 2, 22, 1, 1, 0.5}, {25, 1, 22, 1, 1, 0.5}};
  CHECK_THROWS_AS(RuleRanges(unsorted), std::invalid_argument);
}

TEST_CASE("predict in steps (questions, answers, choice) gives the hand-made predictions", "[gps]") {
  const uint32_t ip = 0x0A010203, other = 0x0B000001;
  std::vector<Rule> rules{
      {25, 11, 587, 9, 10, 0.9}, {80, 11, 22, 5, 10, 0.5}, {80, 11, 443, 9, 10, 0.9},
      {80, 11, 8080, 3, 10, 0.3}, {80, 12, 22, 7, 10, 0.7},
  };  // sorted by (p1, feature, p2)
  SeedHosts found;
  std::vector<uint16_t> ports{80};
  found.add_host(ip, ports, std::vector<std::vector<uint64_t>>{{11, 12}});
  found.add_host(other, ports, std::vector<std::vector<uint64_t>>{{11}});
  const auto queries = predict_queries(found);
  REQUIRE(queries.size() == 3);
  std::vector<Prediction> candidates;
  const RuleRanges ranges(rules);
  for (const auto& q : queries) answer_predict_query(ranges, q, candidates);
  CHECK(candidates.size() == 3 + 1 + 3);  // (80, 11): 3 rules for each host; (80, 12): 1
  PlanIndex plan({{0, 8080, 0x0A010000, 16, 5}});
  std::unordered_set<uint64_t> seed{service_code(ip, 443)};
  std::vector<Prediction> want{
      {ip, 22, 0.7, 80, 12}, {other, 22, 0.5, 80, 11}, {other, 443, 0.9, 80, 11}, {other, 8080, 0.3, 80, 11}};
  CHECK(choose_predictions(candidates, plan, seed) == want);
}
