// GPS model: counts, rules, best predictors and the scan plan.
#include <omp.h>

#include <algorithm>
#include <stdexcept>

#include "scanhpc/kernels/gps.hpp"

#include "scanhpc/core/radix_sort.hpp"
#include "scanhpc/core/random.hpp"
#include "scanhpc/core/thread_errors.hpp"

namespace scanhpc::gps {

namespace {

bool eligible(const SeedHosts& seed, size_t h, const ModelOptions& o) {
  size_t n = seed.ports_of(h);
  return n >= o.min_ports && n <= o.max_ports;
}

// Run-length counts of a vector of keys, radix-sorted here, in one allocation of
// the exact size (growing it would touch fresh pages again and again).
// `unpack` turns a key into the count's key.
template <class Count, class Key, class Unpack>
std::vector<Count> run_lengths(std::vector<Key>& keys, Unpack unpack) {
  radix_sort(keys);
  size_t distinct = 0;
  for (size_t i = 0; i < keys.size(); ++i) distinct += i == 0 || !(keys[i] == keys[i - 1]);
  std::vector<Count> out;
  out.reserve(distinct);
  for (size_t i = 0; i < keys.size();) {
    size_t j = i + 1;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    out.push_back({unpack(keys[i]), uint64_t(j - i)});
    i = j;
  }
  return out;
}

// A pair key as one 128-bit integer whose order is PairKey's (p1, feature,
// p2): 16 bytes to sort where the struct takes 24, and one comparison.
using PackedPair = unsigned __int128;
PackedPair pack_pair(uint16_t p1, uint64_t feature, uint16_t p2) {
  return (PackedPair(p1) << 80) | (PackedPair(feature) << 16) | PackedPair(p2);
}
PairKey unpack_pair(PackedPair k) { return {uint16_t(k >> 80), uint64_t(k >> 16), uint16_t(k)}; }
// The same for a base key (p1, feature).
using PackedBase = unsigned __int128;
PackedBase pack_base(uint16_t p1, uint64_t feature) { return (PackedBase(p1) << 64) | PackedBase(feature); }
BaseKey unpack_base(PackedBase k) { return {uint16_t(k >> 64), uint64_t(k)}; }

// Adds the sorted counts `b` into the sorted counts `a`, in place: `a` grows
// geometrically and the two runs merge where they lie, so folding many parts
// into one touches about twice the result's pages, not the result's once per
// part (a fresh merged copy each time was a tenth of gps model's run in page
// faults).
template <class Count>
void merge_sum_into(std::vector<Count>& a, std::vector<Count>&& b) {
  if (b.empty()) return;
  if (a.empty()) {
    a.swap(b);
    return;
  }
  const size_t n = a.size();
  if (a.capacity() < n + b.size()) a.reserve(std::max(n + b.size(), 2 * a.capacity()));
  a.insert(a.end(), b.begin(), b.end());
  std::vector<Count>().swap(b);
  std::inplace_merge(a.begin(), a.begin() + std::ptrdiff_t(n), a.end(),
                     [](const Count& x, const Count& y) { return x.key < y.key; });
  size_t w = 0;
  for (size_t i = 0; i < a.size(); ++i) {
    if (w > 0 && !(a[w - 1].key < a[i].key)) a[w - 1].count += a[i].count;
    else a[w++] = a[i];
  }
  a.resize(w);
}

// Keys are buffered and folded into run-length counts every kFlushKeys pair
// keys, so memory follows the distinct keys, not the raw (host, key) rows.
constexpr size_t kFlushKeys = size_t(1) << 22;

ModelCounts count_hosts(const SeedHosts& seed, const ModelOptions& o, size_t first, size_t last,
                        const CountParts& parts) {
  const uint8_t* keep = parts.keep_pair ? parts.keep_pair->data() : nullptr;
  std::vector<PackedBase> base;
  std::vector<PackedPair> pairs;
  ModelCounts out;
  auto flush = [&] {
    ModelCounts part;
    part.base = run_lengths<BaseCount>(base, unpack_base);
    part.pairs = run_lengths<PairCount>(pairs, unpack_pair);
    base.clear();
    pairs.clear();
    out.merge(std::move(part));
  };
  for (size_t h = first; h < last; ++h) {
    if (pairs.size() >= kFlushKeys || base.size() >= kFlushKeys) flush();
    if (!eligible(seed, h, o)) continue;
    const uint64_t s0 = seed.host_begin[h], s1 = seed.host_begin[h + 1];
    for (uint64_t s = s0; s < s1; ++s) {
      const uint16_t p1 = seed.port[s];
      for (uint64_t k = seed.feat_begin[s]; k < seed.feat_begin[s + 1]; ++k) {
        const uint64_t f = seed.feature[k];
        if (parts.base) base.push_back(pack_base(p1, f));
        if (!parts.pairs || (keep && !keep[k])) continue;
        for (uint64_t t = s0; t < s1; ++t)
          if (t != s) pairs.push_back(pack_pair(p1, f, seed.port[t]));
      }
    }
  }
  flush();
  return out;
}

}  // namespace

void ModelCounts::merge(ModelCounts&& other) {
  merge_sum_into(base, std::move(other.base));
  merge_sum_into(pairs, std::move(other.pairs));
}

ModelCounts count_model(const SeedHosts& seed, const ModelOptions& options, CountParts parts) {
  if (parts.keep_pair && parts.keep_pair->size() != seed.feature.size())
    throw std::invalid_argument("gps: keep_pair needs one flag per seed feature entry");
  const size_t n = seed.hosts();
  const int threads = int(std::max<size_t>(1, std::min<size_t>(size_t(omp_get_max_threads()), n / 1024 + 1)));
  std::vector<ModelCounts> partial(static_cast<size_t>(threads));
  ThreadErrors errors(threads);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) {
    errors.run([&] {
      const size_t first = n * size_t(t) / size_t(threads), last = n * size_t(t + 1) / size_t(threads);
      partial[size_t(t)] = count_hosts(seed, options, first, last, parts);
    });
  }
  errors.rethrow();
  // Integer sums: the merge order does not change the result; keep it fixed anyway.
  ModelCounts out = std::move(partial[0]);
  for (size_t t = 1; t < partial.size(); ++t) out.merge(std::move(partial[t]));
  return out;
}

std::vector<Rule> rules_from_counts(const ModelCounts& counts, const ModelOptions& options) {
  std::vector<Rule> rules;
  size_t b = 0;
  for (const auto& pc : counts.pairs) {
    const BaseKey bk{pc.key.p1, pc.key.feature};
    while (b < counts.base.size() && counts.base[b].key < bk) ++b;
    if (b == counts.base.size() || counts.base[b].key != bk)
      throw std::logic_error("gps: pair count without a base count");
    const uint64_t base = counts.base[b].count;
    if (pc.count <= options.min_support) continue;
    const double hitrate = double(pc.count) / double(base);
    if (!(hitrate > options.hitrate_cutoff)) continue;
    rules.push_back({pc.key.p1, pc.key.feature, pc.key.p2, pc.count, base, hitrate});
  }
  return rules;
}

std::vector<PredictorQuery> predictor_queries(const SeedHosts& seed, const ModelOptions& options,
                                              const std::vector<uint8_t>* keep) {
  std::vector<PredictorQuery> out;
  for (size_t h = 0; h < seed.hosts(); ++h) {
    if (seed.ports_of(h) < 2 || !eligible(seed, h, options)) continue;
    for (uint64_t q = seed.host_begin[h]; q < seed.host_begin[h + 1]; ++q)
      for (uint64_t k = seed.feat_begin[q]; k < seed.feat_begin[q + 1]; ++k)
        if (!keep || (*keep)[k]) out.push_back({uint32_t(h), seed.port[q], seed.feature[k]});
  }
  return out;
}

RuleRanges::RuleRanges(const std::vector<Rule>& sorted_rules) : rules_(&sorted_rules) {
  size_t groups = 0;
  for (size_t i = 0; i < sorted_rules.size(); ++i)
    if (i == 0 || sorted_rules[i].p1 != sorted_rules[i - 1].p1 || sorted_rules[i].feature != sorted_rules[i - 1].feature)
      ++groups;
  size_t capacity = 16;
  while (capacity < 2 * groups) capacity *= 2;  // at most half full: short probes
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (size_t i = 0; i < sorted_rules.size();) {
    size_t j = i + 1;
    while (j < sorted_rules.size() && sorted_rules[j].p1 == sorted_rules[i].p1 &&
           sorted_rules[j].feature == sorted_rules[i].feature) {
      if (sorted_rules[j].p2 <= sorted_rules[j - 1].p2) throw std::invalid_argument("RuleRanges: rules not sorted");
      ++j;
    }
    if (i > 0 && BaseKey{sorted_rules[i].p1, sorted_rules[i].feature} <
                     BaseKey{sorted_rules[i - 1].p1, sorted_rules[i - 1].feature})
      throw std::invalid_argument("RuleRanges: rules not sorted");
    uint64_t at = hash2(sorted_rules[i].p1, sorted_rules[i].feature) & mask_;
    while (slots_[at].count != 0) at = (at + 1) & mask_;
    slots_[at] = {sorted_rules[i].feature, i, uint32_t(j - i), sorted_rules[i].p1};
    i = j;
  }
}

std::span<const Rule> RuleRanges::find(uint16_t p1, uint64_t feature) const {
  for (uint64_t at = hash2(p1, feature) & mask_;; at = (at + 1) & mask_) {
    const Slot& s = slots_[at];
    if (s.count == 0) return {};
    if (s.feature == feature && s.p1 == p1) return std::span<const Rule>(*rules_).subspan(s.begin, s.count);
  }
}

void answer_predictor_query(const RuleRanges& rules, const PredictorQuery& query,
                            std::span<const uint16_t> ports, std::vector<PredictorCandidate>& out) {
  // The rules whose p2 is open on the host: an intersection of two ascending
  // lists, searched from the shorter side (a popular antecedent has
  // thousands of rules, a host at most max_ports ports).
  const auto group = rules.find(query.p1, query.feature);
  auto add = [&](const Rule& r) { out.push_back({query.host, r.p2, r.p1, r.feature, r.support, r.hitrate}); };
  if (group.size() <= 8 * ports.size()) {
    for (const Rule& r : group)
      if (std::binary_search(ports.begin(), ports.end(), r.p2)) add(r);
    return;
  }
  auto from = group.begin();
  for (const uint16_t p : ports) {
    from = std::lower_bound(from, group.end(), p, [](const Rule& r, uint16_t x) { return r.p2 < x; });
    if (from == group.end()) break;
    if (from->p2 == p) add(*from);
  }
}

namespace {

// Strictly better by hitrate DESC, p1 ASC, feature text ASC; equal texts
// (never in practice) by feature id, the order in which a search over the
// host's ports and features in order meets them.
bool better_candidate(const PredictorCandidate& a, const PredictorCandidate& b, const FeatureDictionary& dict) {
  if (a.hitrate != b.hitrate) return a.hitrate > b.hitrate;
  if (a.p1 != b.p1) return a.p1 < b.p1;
  if (a.feature == b.feature) return false;
  const auto ta = dict.text(a.feature), tb = dict.text(b.feature);
  return ta != tb ? ta < tb : a.feature < b.feature;
}

// Host h's predictors from its candidates [first, last), sorted by p2.
void choose_for_host(const SeedHosts& seed, size_t h, const PredictorCandidate* const* first,
                     const PredictorCandidate* const* last, const FeatureDictionary& dict, std::vector<Predictor>& out) {
  const uint64_t s0 = seed.host_begin[h], s1 = seed.host_begin[h + 1];
  if (s1 - s0 == 1) {  // GPS appends one-port hosts with neededP = port
    out.push_back({seed.ip[h], seed.port[s0], seed.port[s0], 0, 0, 0.0});
    return;
  }
  for (uint64_t s = s0; s < s1; ++s) {
    const PredictorCandidate* best = nullptr;
    while (first != last && (*first)->p2 < seed.port[s]) ++first;
    for (; first != last && (*first)->p2 == seed.port[s]; ++first)
      if (!best || better_candidate(**first, *best, dict)) best = *first;
    if (best) out.push_back({seed.ip[h], seed.port[s], best->p1, best->feature, best->support, best->hitrate});
  }
}

bool by_host_p2(const PredictorCandidate* a, const PredictorCandidate* b) {
  return std::tie(a->host, a->p2) < std::tie(b->host, b->p2);
}

}  // namespace

std::vector<Predictor> choose_predictors(const SeedHosts& seed, const std::vector<PredictorCandidate>& candidates,
                                         const FeatureDictionary& dict, const ModelOptions& options) {
  // Candidates by host with a counting sort (linear), then each host's by
  // port: small sorts.
  std::vector<uint64_t> begin(seed.hosts() + 1, 0);
  for (const auto& c : candidates) {
    if (c.host >= seed.hosts()) throw std::out_of_range("choose_predictors: a candidate of an unknown host");
    ++begin[c.host + 1];
  }
  for (size_t h = 0; h < seed.hosts(); ++h) begin[h + 1] += begin[h];
  std::vector<const PredictorCandidate*> sorted(candidates.size());
  {
    auto cursor = begin;
    for (const auto& c : candidates) sorted[cursor[c.host]++] = &c;
  }
  std::vector<Predictor> out;
  for (size_t h = 0; h < seed.hosts(); ++h) {
    auto* first = sorted.data() + begin[h];
    auto* last = sorted.data() + begin[h + 1];
    std::sort(first, last, by_host_p2);
    if (seed.ports_of(h) == 1 || eligible(seed, h, options)) choose_for_host(seed, h, first, last, dict, out);
  }
  return out;
}

std::vector<Predictor> best_predictors(const SeedHosts& seed, const std::vector<Rule>& rules,
                                       const FeatureDictionary& dict, const ModelOptions& options,
                                       const std::vector<uint8_t>* keep) {
  // Host by host, the candidates of one host at a time: nothing data-sized
  // besides the output.
  std::vector<Predictor> out;
  std::vector<PredictorCandidate> candidates;
  std::vector<const PredictorCandidate*> sorted;
  const RuleRanges ranges(rules);
  for (size_t h = 0; h < seed.hosts(); ++h) {
    candidates.clear();
    if (seed.ports_of(h) >= 2 && eligible(seed, h, options)) {
      const auto ports = std::span<const uint16_t>(seed.port).subspan(size_t(seed.host_begin[h]), seed.ports_of(h));
      for (uint64_t q = seed.host_begin[h]; q < seed.host_begin[h + 1]; ++q)
        for (uint64_t k = seed.feat_begin[q]; k < seed.feat_begin[q + 1]; ++k)
          if (!keep || (*keep)[k]) answer_predictor_query(ranges, {uint32_t(h), seed.port[q], seed.feature[k]}, ports, candidates);
    } else if (seed.ports_of(h) != 1) {
      continue;
    }
    sorted.resize(candidates.size());
    for (size_t i = 0; i < candidates.size(); ++i) sorted[i] = &candidates[i];
    std::sort(sorted.begin(), sorted.end(), by_host_p2);
    choose_for_host(seed, h, sorted.data(), sorted.data() + sorted.size(), dict, out);
  }
  return out;
}

std::vector<PlanCount> plan_counts(const std::vector<Predictor>& predictors, int step_len) {
  if (step_len < 0 || step_len > 32) throw std::invalid_argument("gps: step_len must be within 0..32");
  std::vector<PlanKey> keys;
  keys.reserve(predictors.size());
  for (const auto& p : predictors)
    keys.push_back({p.pred_port, step_len == 0 ? 0u : (p.ip & (~0u << (32 - step_len)))});
  std::sort(keys.begin(), keys.end());
  std::vector<PlanCount> counts;
  for (size_t i = 0; i < keys.size();) {
    size_t j = i + 1;
    while (j < keys.size() && keys[j] == keys[i]) ++j;
    counts.push_back({keys[i], j - i});
    i = j;
  }
  return counts;
}

std::vector<PlanRow> scan_plan_from_counts(const std::vector<PlanCount>& counts, int step_len, double hitrate_cutoff) {
  if (step_len < 0 || step_len > 32) throw std::invalid_argument("gps: step_len must be within 0..32");
  const double block = double(uint64_t(1) << (32 - step_len));
  std::vector<PlanRow> plan;
  for (const auto& c : counts)
    if (double(c.count) / block > hitrate_cutoff)
      plan.push_back({0, c.key.port, c.key.prefix, uint8_t(step_len), c.count});
  std::sort(plan.begin(), plan.end(), [](const PlanRow& a, const PlanRow& b) {
    if (a.services != b.services) return a.services > b.services;
    if (a.port != b.port) return a.port < b.port;
    return a.prefix < b.prefix;
  });
  for (size_t i = 0; i < plan.size(); ++i) plan[i].priority = uint32_t(i);
  return plan;
}

std::vector<PlanRow> scan_plan(const std::vector<Predictor>& predictors, int step_len, double hitrate_cutoff) {
  return scan_plan_from_counts(plan_counts(predictors, step_len), step_len, hitrate_cutoff);
}

uint64_t plan_probes(const std::vector<PlanRow>& plan) {
  uint64_t n = 0;
  for (const auto& r : plan) n += uint64_t(1) << (32 - r.prefix_len);
  return n;
}

}  // namespace scanhpc::gps
