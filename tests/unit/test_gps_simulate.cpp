#include <catch2/catch.hpp>

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
  for (const auto& q : queries) answer_predict_query(rules, q, candidates);
  CHECK(candidates.size() == 3 + 1 + 3);  // (80, 11): 3 rules for each host; (80, 12): 1
  PlanIndex plan({{0, 8080, 0x0A010000, 16, 5}});
  std::unordered_set<uint64_t> seed{service_code(ip, 443)};
  std::vector<Prediction> want{
      {ip, 22, 0.7, 80, 12}, {other, 22, 0.5, 80, 11}, {other, 443, 0.9, 80, 11}, {other, 8080, 0.3, 80, 11}};
  CHECK(choose_predictions(candidates, plan, seed) == want);
}
