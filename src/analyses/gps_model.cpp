// GPS's model (Izhikevich et al., SIGCOMM '22) on MPI ranks, as the first
// analysis of `gps model` and as the steps gps simulate and predict share:
// features and counts are local; the sparse count tables are summed by key
// owner (never gathered whole); the filtered rules move into ranges of
// (p1, feature), where the hosts' questions find each seed service's best
// predictor, and to the owners of their feature ids for the family tables;
// the plan's (port, prefix) counts are summed by owner.
#include <algorithm>
#include <cstring>
#include <sstream>
#include <tuple>

#include "scanhpc/analyses/gps_analysis.hpp"
#include "scanhpc/dist/alltoallv_rounds.hpp"
#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/dist/splitters.hpp"
#include "scanhpc/core/flat_index.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/core/sort_runs.hpp"
#include "scanhpc/kernels/key_owner.hpp"

namespace scanhpc::analyses {
namespace {

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

// Owner of a (p1, feature) key: both count tables use it, so the rank owning
// base[(p1, f)] also owns every pairs[(p1, f, *)] and can form the rules.
int key_owner(uint16_t p1, uint64_t feature, int ranks) { return scanhpc::key_owner(p1, feature, ranks); }

// Features are written in id order: rank r owns a contiguous range of ids.
int id_owner(uint64_t id, int ranks) { return int((unsigned __int128)id * unsigned(ranks) >> 64); }

}  // namespace

// The dictionary, deduplicated on id owners; each rank returns its ids in order.
std::vector<gps::FeatureEntry> distribute_features(const dist::Comm& comm, const gps::FeatureDictionary& dict,
                                                   const GpsModel& model, bool all, uint64_t round_bytes) {
  std::vector<std::string> per_rank(size_t(comm.size()));
  auto send = [&](uint64_t id, gps::FeatureKind kind, std::string_view text) {
    std::string& buf = per_rank[size_t(id_owner(id, comm.size()))];
    uint32_t len = checked_cast<uint32_t>(text.size());
    buf.append(reinterpret_cast<const char*>(&id), 8);
    buf.push_back(char(kind));
    buf.append(reinterpret_cast<const char*>(&len), 4);
    buf += text;
  };
  if (all) {
    for (const auto& e : dict.sorted_entries()) send(e.id, e.kind, e.text);
  } else {
    for (uint64_t id : model.rule_features)  // each rank answers from its own dictionary
      if (const auto e = dict.find(id)) send(id, e->kind, e->text);
  }
  auto record_size = [](const char* p) {
    uint32_t len;
    std::memcpy(&len, p + 9, 4);
    return size_t(13) + len;
  };
  std::string bytes = dist::exchange_records(comm, per_rank, record_size, round_bytes);
  gps::FeatureDictionary mine;
  for (size_t at = 0; at < bytes.size(); at += record_size(bytes.data() + at)) {
    gps::FeatureEntry e;
    std::memcpy(&e.id, bytes.data() + at, 8);
    e.kind = gps::FeatureKind(uint8_t(bytes[at + 8]));
    e.text.assign(bytes, at + 13, record_size(bytes.data() + at) - 13);
    mine.insert(e);  // the same feature from several ranks; throws on a hash collision
  }
  return mine.sorted_entries();
}

namespace {

// Feature texts come from banner bytes; the HDF5 string columns are
// NUL-padded ASCII, so bytes outside printable ASCII and '\' are written as
// \xNN (masscan's own text formats do the same).
std::string escape_text(std::string_view s) {
  static const char* hex = "0123456789abcdef";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (c >= 0x20 && c < 0x7F && c != '\\') {
      out.push_back(char(c));
    } else {
      out += "\\x";
      out.push_back(hex[c >> 4]);
      out.push_back(hex[c & 15]);
    }
  }
  return out;
}



bool by_rule_key(const gps::Rule& a, const gps::Rule& b) {
  return std::tie(a.p1, a.feature, a.p2) < std::tie(b.p1, b.feature, b.p2);
}

}  // namespace

// Collective: the rules in ranges of (p1, feature), rank r holding the r-th
// range of the global order, sorted; a (p1, feature) group never spans two
// ranks. The ranges begin at `splitters` (P - 1 keys from a regular sample
// of every rank's rules), which also route the questions of the predictors.
std::vector<gps::Rule> range_rules(const dist::Comm& comm, std::vector<gps::Rule> local, uint64_t round_bytes,
                                   std::vector<gps::BaseKey>& splitters) {
  std::sort(local.begin(), local.end(), by_rule_key);
  std::vector<gps::BaseKey> keys(local.size());
  for (size_t i = 0; i < local.size(); ++i) keys[i] = {local[i].p1, local[i].feature};
  splitters = dist::regular_splitters(comm, keys);
  keys = {};
  auto owner = [&](uint16_t p1, uint64_t feature) { return dist::splitter_owner(splitters, gps::BaseKey{p1, feature}); };
  auto mine = dist::send_to_owners(comm, local, [&](const gps::Rule& r) { return owner(r.p1, r.feature); }, round_bytes);
  std::sort(mine.begin(), mine.end(), by_rule_key);
  return mine;
}

namespace {

std::vector<gps::Predictor> predictors_of_batch(const dist::Comm& comm, const gps::SeedHosts& seed,
                                                const gps::RuleRanges& rules,
                                                const std::vector<gps::BaseKey>& splitters,
                                                const gps::FeatureDictionary& dict, const gps::ModelOptions& mo,
                                                const std::vector<uint8_t>& keep, uint64_t round_bytes);

// Host ranges [first, last) of about `questions` (service, feature) pairs
// each, counting the hosts with at least `min_ports` ports: the rounds of
// a question-and-answer search, so that what is in flight stays bounded.
std::vector<std::pair<size_t, size_t>> host_batches(const gps::SeedHosts& hosts, uint64_t questions,
                                                    size_t min_ports) {
  std::vector<std::pair<size_t, size_t>> batches;
  for (size_t h = 0, first = 0, n = 0; h < hosts.hosts(); ++h) {
    if (hosts.ports_of(h) >= min_ports)
      n += hosts.feat_begin[hosts.host_begin[h + 1]] - hosts.feat_begin[hosts.host_begin[h]];
    if (n >= questions || h + 1 == hosts.hosts()) {
      batches.emplace_back(first, h + 1);
      first = h + 1;
      n = 0;
    }
  }
  return batches;
}

// Collective: each seed service's best predictor, the rules staying in their
// ranges: every host's (port, feature) questions go to the rank of that
// range with the host's open ports, the answers come back, the host's rank
// chooses (kernels/gps: choose_predictors).
// `keep` flags the seed's entries whose (port, feature) key can have rules.
std::vector<gps::Predictor> distributed_predictors(const dist::Comm& comm, const gps::SeedHosts& seed,
                                                   const std::vector<gps::Rule>& rules,
                                                   const std::vector<gps::BaseKey>& splitters,
                                                   const gps::FeatureDictionary& dict, const gps::ModelOptions& mo,
                                                   const std::vector<uint8_t>& keep, uint64_t round_bytes) {
  if (comm.size() == 1) return gps::best_predictors(seed, rules, dict, mo, &keep);  // every rule is here
  // Hosts in batches of about kQueries questions, so that questions and
  // answers in flight stay bounded; every rank takes part in every round.
  constexpr uint64_t kQueries = uint64_t(1) << 16;
  const auto batches = host_batches(seed, kQueries, 2);  // one-port hosts ask nothing
  const uint64_t rounds = comm.allreduce_max(uint64_t(batches.size()));
  const gps::RuleRanges ranges(rules);
  std::vector<gps::Predictor> out;
  for (uint64_t round = 0; round < rounds; ++round) {
    const auto [h0, h1] = round < batches.size() ? batches[round] : std::pair<size_t, size_t>{0, 0};
    const gps::SeedHosts slice = gps::seed_slice(seed, h0, h1);
    const uint64_t f0 = seed.feat_begin[seed.host_begin[h0]], f1 = seed.feat_begin[seed.host_begin[h1]];
    const std::vector<uint8_t> slice_keep(keep.begin() + int64_t(f0), keep.begin() + int64_t(f1));
    auto chosen = predictors_of_batch(comm, slice, ranges, splitters, dict, mo, slice_keep, round_bytes);
    out.insert(out.end(), chosen.begin(), chosen.end());
  }
  return out;
}

// One round of distributed_predictors: the questions of the hosts of `seed`.
std::vector<gps::Predictor> predictors_of_batch(const dist::Comm& comm, const gps::SeedHosts& seed,
                                                const gps::RuleRanges& rules,
                                                const std::vector<gps::BaseKey>& splitters,
                                                const gps::FeatureDictionary& dict, const gps::ModelOptions& mo,
                                                const std::vector<uint8_t>& keep, uint64_t round_bytes) {
  // Wire record: header, then the host's open ports.
  struct QueryHeader {
    uint64_t feature;
    uint32_t host, from_rank;
    uint16_t p1, nports, pad[2];
  };
  std::vector<std::string> per_rank(size_t(comm.size()));
  std::vector<gps::PredictorCandidate> candidates;  // the answers of this rank's own range go here directly
  for (const auto& q : gps::predictor_queries(seed, mo, &keep)) {
    const int to = dist::splitter_owner(splitters, gps::BaseKey{q.p1, q.feature});
    if (to == comm.rank()) {
      const auto ports = std::span<const uint16_t>(seed.port).subspan(size_t(seed.host_begin[q.host]), seed.ports_of(q.host));
      gps::answer_predictor_query(rules, q, ports, candidates);
      continue;
    }
    const QueryHeader h{q.feature, q.host, uint32_t(comm.rank()), q.p1, uint16_t(seed.ports_of(q.host)), {0, 0}};
    std::string& buf = per_rank[size_t(to)];
    buf.append(reinterpret_cast<const char*>(&h), sizeof h);
    buf.append(reinterpret_cast<const char*>(seed.port.data() + seed.host_begin[q.host]), 2 * size_t(h.nports));
  }
  auto record_size = [](const char* p) {
    QueryHeader h;
    std::memcpy(&h, p, sizeof h);
    return sizeof h + 2 * size_t(h.nports);
  };
  const std::string questions = dist::exchange_records(comm, per_rank, record_size, round_bytes);
  per_rank = {};
  struct Answer {
    uint32_t to_rank;
    gps::PredictorCandidate c;
  };
  std::vector<Answer> answers;
  std::vector<gps::PredictorCandidate> found;
  std::vector<uint16_t> ports;
  for (size_t at = 0; at < questions.size(); at += record_size(questions.data() + at)) {
    QueryHeader h;
    std::memcpy(&h, questions.data() + at, sizeof h);
    ports.resize(h.nports);
    std::memcpy(ports.data(), questions.data() + at + sizeof h, 2 * size_t(h.nports));
    found.clear();
    gps::answer_predictor_query(rules, {h.host, h.p1, h.feature}, ports, found);
    for (const auto& c : found) answers.push_back({h.from_rank, c});
  }
  // Only the leaders go back: per (rank, host, port) the highest hitrate,
  // then the lowest p1; those still tied differ by feature text, which only
  // the host's rank can read. Questions arrive by source rank and, within
  // it, host by host, so the answers of one host are contiguous: small sorts.
  auto leader_order = [](const Answer& a, const Answer& b) {
    if (a.c.p2 != b.c.p2) return a.c.p2 < b.c.p2;
    return a.c.hitrate != b.c.hitrate ? a.c.hitrate > b.c.hitrate : a.c.p1 < b.c.p1;
  };
  size_t kept = 0;
  for (size_t i = 0; i < answers.size();) {
    size_t j = i + 1;
    while (j < answers.size() && answers[j].to_rank == answers[i].to_rank && answers[j].c.host == answers[i].c.host) ++j;
    std::sort(answers.begin() + std::ptrdiff_t(i), answers.begin() + std::ptrdiff_t(j), leader_order);
    for (size_t k = i; k < j;) {
      size_t e = k + 1;
      while (e < j && answers[e].c.p2 == answers[k].c.p2) ++e;
      for (size_t x = k; x < e && answers[x].c.hitrate == answers[k].c.hitrate && answers[x].c.p1 == answers[k].c.p1; ++x)
        answers[kept++] = answers[x];
      k = e;
    }
    i = j;
  }
  answers.resize(kept);
  const auto back = dist::send_to_owners(comm, answers, [](const Answer& a) { return int(a.to_rank); }, round_bytes);
  answers = {};
  candidates.reserve(candidates.size() + back.size());
  for (const auto& a : back) candidates.push_back(a.c);
  return gps::choose_predictors(seed, candidates, dict, mo);
}

}  // namespace

// Collective: GPS step 4 with the rules in their ranges. Every found
// service's (port, feature) questions go to the rank of that range, which
// answers with its rules' candidates, thinned to the best per (ip, port);
// they go back to the host's owner, which chooses (kernels/gps_simulate).
// Questions move in batches, so what is in flight stays bounded.
std::vector<gps::Prediction> distributed_predict(const dist::Comm& comm, const gps::SeedHosts& found,
                                                 const std::vector<gps::Rule>& rules,
                                                 const std::vector<gps::BaseKey>& splitters,
                                                 const PrefixOwnership& ownership, const gps::PlanIndex& plan,
                                                 const std::unordered_set<uint64_t>& seed_services,
                                                 uint64_t round_bytes) {
  if (comm.size() == 1) return gps::predict(found, gps::RuleIndex(rules), plan, seed_services);
  // A range rank receives every rank's questions of a round, so the round's
  // questions are bounded over all ranks (about 2^18); its answers are
  // thinned host by host as they are formed.
  const uint64_t per_rank = std::max<uint64_t>(4096, (uint64_t(1) << 18) / uint64_t(comm.size()));
  const auto batches = host_batches(found, per_rank, 1);
  const uint64_t rounds = comm.allreduce_max(uint64_t(batches.size()));
  const gps::RuleRanges ranges(rules);
  std::vector<gps::Prediction> candidates;
  for (uint64_t round = 0; round < rounds; ++round) {
    const auto [h0, h1] = round < batches.size() ? batches[round] : std::pair<size_t, size_t>{0, 0};
    const auto asked = dist::send_to_owners(
        comm, gps::predict_queries(gps::seed_slice(found, h0, h1)),
        [&](const gps::PredictQuery& q) { return dist::splitter_owner(splitters, gps::BaseKey{q.port, q.feature}); },
        round_bytes);
    std::vector<gps::Prediction> answers;  // at most one per (ip, port) and range
    gps::answer_predict_queries(ranges, asked, answers, &plan);
    const auto back = dist::send_to_owners(
        comm, answers, [&](const gps::Prediction& p) { return ownership.owner(p.ip); }, round_bytes);
    answers = {};
    // A host's questions are all in one round: its predictions are final here.
    auto chosen = gps::choose_predictions(back, plan, seed_services);
    candidates.insert(candidates.end(), chosen.begin(), chosen.end());
  }
  return candidates;
}

namespace {

// Collective: the distinct feature ids of `owned` (each rank's family rules,
// whose ids it owns; at one rank all rules), on every rank, sorted: a list
// the size of the model.
std::vector<uint64_t> rule_feature_ids(const dist::Comm& comm, const std::vector<gps::Rule>& owned) {
  std::vector<uint64_t> ids;
  ids.reserve(owned.size());
  for (const auto& r : owned) ids.push_back(r.feature);
  std::sort(ids.begin(), ids.end());
  ids.erase(std::unique(ids.begin(), ids.end()), ids.end());
  if (comm.size() == 1) return ids;
  return dist::allgatherv(comm, ids);  // owners hold contiguous id ranges: the concatenation is sorted
}

// Collective: the base counts summed at the owners of their keys, which keep
// (in owned.base) the keys with a count above min_support and send each of
// them back to the ranks that counted it; returns one flag per entry of
// seed.feature: whether its (port, feature) key is such a key.
std::vector<uint8_t> frequent_entries(const dist::Comm& comm, const gps::SeedHosts& seed,
                                      std::vector<gps::BaseCount> local, const gps::ModelOptions& mo,
                                      gps::ModelCounts& owned, uint64_t round_bytes) {
  struct Sent {
    gps::BaseKey key;
    uint32_t count, from;
  };
  std::vector<Sent> sent(local.size());
  for (size_t i = 0; i < local.size(); ++i) {
    sent[i] = Sent{};  // zeroed padding: the bytes that travel are defined
    sent[i].key = local[i].key;
    sent[i].count = checked_cast<uint32_t>(local[i].count);
    sent[i].from = uint32_t(comm.rank());
  }
  std::vector<gps::BaseCount>().swap(local);  // what moves is all that is held
  const int ranks = comm.size();
  auto got = dist::send_to_owners(
      comm, std::move(sent), [ranks](const Sent& s) { return key_owner(s.key.p1, s.key.feature, ranks); }, round_bytes);
  sort_runs(got, [](const Sent& a, const Sent& b) { return a.key < b.key; }, 4 * size_t(ranks));
  std::vector<Sent> back;
  owned.base.clear();
  for (size_t i = 0; i < got.size();) {
    size_t j = i;
    uint64_t count = 0;
    for (; j < got.size() && got[j].key == got[i].key; ++j) count += got[j].count;
    if (count > mo.min_support) {
      owned.base.push_back({got[i].key, count});
      for (size_t k = i; k < j; ++k) back.push_back(got[k]);
    }
    i = j;
  }
  got = {};
  auto mine = dist::send_to_owners(comm, std::move(back), [](const Sent& s) { return int(s.from); }, round_bytes);
  std::vector<gps::BaseKey> keys(mine.size());
  for (size_t i = 0; i < mine.size(); ++i) keys[i] = mine[i].key;
  mine = {};
  const FlatIndex frequent(keys, [](const gps::BaseKey& k) { return k.feature ^ (uint64_t(k.p1) << 48); });
  std::vector<uint8_t> keep(seed.feature.size(), 0);
  for (size_t h = 0; h < seed.hosts(); ++h) {
    if (seed.ports_of(h) < mo.min_ports || seed.ports_of(h) > mo.max_ports) continue;  // never counted nor asked
    for (uint64_t s = seed.host_begin[h]; s < seed.host_begin[h + 1]; ++s)
      for (uint64_t k = seed.feat_begin[s]; k < seed.feat_begin[s + 1]; ++k)
        keep[k] = frequent.contains({seed.port[s], seed.feature[k]});
  }
  return keep;
}

}  // namespace

// Collective: counts summed on the owners of (p1, feature), rules formed
// there and spread in ranges, best predictors by question and answer, plan
// counts summed by owner and shared (the plan is small).
GpsModel build_gps_model(const dist::Comm& comm, const gps::SeedHosts& seed, gps::FeatureDictionary& dict,
                         const gps::FeatureTextSource& source, const GpsSettings& cfg, uint64_t round_bytes,
                         const StageMark& stage) {
  const int ranks = comm.size();
  GpsModel m;
  // Base counts first, summed at their owners, which keep the keys that can
  // make a rule and tell their senders which; only those keys' pairs are
  // counted and summed (the rules are the same: a pair's support is at most
  // its key's base).
  gps::ModelCounts owned;
  const std::vector<uint8_t> keep =
      frequent_entries(comm, seed, gps::count_model(seed, cfg.model, {true, false, nullptr}).base, cfg.model, owned,
                       round_bytes);
  stage("base-counts");
  auto counts = gps::count_model(seed, cfg.model, {false, true, &keep});
  stage("counts");
  {
    std::function<int(const gps::PairKey&)> pair_owner = [&](const gps::PairKey& k) {
      return key_owner(k.p1, k.feature, ranks);
    };
    auto sent = as_key_counts<gps::PairKey>(counts.pairs);
    counts = gps::ModelCounts{};  // one copy of the pair counts at a time
    auto summed = dist::reduce_by_owner(comm, std::move(sent), pair_owner, round_bytes);
    owned.pairs.reserve(summed.size());
    for (const auto& p : summed) owned.pairs.push_back({p.key, p.count});
  }
  stage("sum-counts");
  {
    // Rules formed at the count owners, then in ranges of (p1, feature) for
    // the table and the predictors, and at the owners of their feature ids
    // for the family tables: never all of them on one rank.
    auto formed = gps::rules_from_counts(owned, cfg.model);
    owned = gps::ModelCounts{};
    m.total_rules = comm.allreduce_sum(formed.size());
    stage("form-rules");
    if (ranks > 1)  // at one rank the family tables take the rules themselves
      m.family_rules = dist::send_to_owners(
          comm, formed, [ranks](const gps::Rule& r) { return id_owner(r.feature, ranks); }, round_bytes);
    m.rules = range_rules(comm, std::move(formed), round_bytes, m.splitters);
    stage("rules");
    m.rule_features = rule_feature_ids(comm, ranks > 1 ? m.family_rules : m.rules);
    if (source) {  // the texts of the rules' features: the predictors' ties and /gps/features read them
      source(seed, keep, m.rule_features, dict);
      stage("feature-texts");
    }
    m.predictors =
        distributed_predictors(comm, seed, m.rules, m.splitters, dict, cfg.model, keep, round_bytes);
    stage("predictors");
  }
  std::function<int(const gps::PlanKey&)> owner = [&](const gps::PlanKey& k) {
    return scanhpc::key_owner(k.port, k.prefix, ranks);
  };
  auto summed = dist::reduce_by_owner(comm, as_key_counts<gps::PlanKey>(gps::plan_counts(m.predictors, cfg.step)),
                                      owner, round_bytes);
  std::vector<gps::PlanCount> mine;
  for (const auto& x : summed) mine.push_back({x.key, x.count});
  auto plan_counts = dist::allgatherv(comm, mine);  // (port, prefix) pairs: small next to the model
  std::sort(plan_counts.begin(), plan_counts.end(),
            [](const gps::PlanCount& a, const gps::PlanCount& b) { return a.key < b.key; });
  m.plan = gps::scan_plan_from_counts(plan_counts, cfg.step, cfg.model.hitrate_cutoff);
  stage("plan");
  return m;
}



namespace {
void write_families(h5::File& out, const std::vector<gps::Rule>& rules,
                    const std::vector<gps::FeatureEntry>& my_features);
}  // namespace


void write_gps_model(h5::File& out, const dist::Comm& comm, const GpsSettings& cfg, const GpsModel& m,
                 const gps::SeedHosts& seed, const std::vector<gps::FeatureEntry>& features) {
  out.create_group("/gps");
  out.write_attr("/gps", "min_support", cfg.model.min_support);
  out.write_attr("/gps", "hitrate_cutoff", cfg.model.hitrate_cutoff);
  out.write_attr("/gps", "min_ports", uint64_t(cfg.model.min_ports));
  out.write_attr("/gps", "max_ports", uint64_t(cfg.model.max_ports));
  out.write_attr("/gps", "net_min_len", uint64_t(cfg.features.net_min_len));
  out.write_attr("/gps", "net_max_len", uint64_t(cfg.features.net_max_len));
  out.write_attr("/gps", "crosses", uint64_t(cfg.features.crosses));
  out.write_attr("/gps", "step", uint64_t(cfg.step));
  out.write_attr("/gps", "asn_table", cfg.pfx2as);
  out.write_attr("/gps", "seed_hosts", comm.allreduce_sum(seed.hosts()));
  out.write_attr("/gps", "seed_services", comm.allreduce_sum(seed.services()));
  out.write_attr("/gps", "plan_probes", gps::plan_probes(m.plan));
  out.write_attr("/gps", "seed_fraction", cfg.seed_fraction);
  out.write_attr("/gps", "sample_seed", cfg.sample_seed);
  out.write_attr("/gps", "features_written", std::string(cfg.all_features ? "all" : "rules"));
  {
    // The seed's services, so that gps predict can leave them out.
    std::vector<uint32_t> ip;
    std::vector<uint16_t> port;
    for (size_t h = 0; h < seed.hosts(); ++h)
      for (uint64_t s = seed.host_begin[h]; s < seed.host_begin[h + 1]; ++s) {
        ip.push_back(seed.ip[h]);
        port.push_back(seed.port[s]);
      }
    out.write_table("/gps/seed_services", {{"ip", std::move(ip)}, {"port", std::move(port)}});
  }
  {
    std::vector<uint64_t> id;
    std::vector<std::string> kind, text;
    for (const auto& f : features) {
      id.push_back(f.id);
      kind.emplace_back(gps::feature_kind_name(f.kind));
      text.push_back(escape_text(f.text));
    }
    out.write_table("/gps/features", {{"id", std::move(id)}, {"kind", std::move(kind)}, {"text", std::move(text)}});
  }
  {
    // Rank r holds and writes the r-th range of the rules.
    const size_t lo = 0, hi = m.rules.size();
    std::vector<uint16_t> p1, p2;
    std::vector<uint64_t> feature, support, base;
    std::vector<double> hitrate;
    for (size_t i = lo; i < hi; ++i) {
      const auto& r = m.rules[i];
      p1.push_back(r.p1); feature.push_back(r.feature); p2.push_back(r.p2);
      support.push_back(r.support); base.push_back(r.base); hitrate.push_back(r.hitrate);
    }
    out.write_table("/gps/rules", {{"p1", std::move(p1)}, {"feature", std::move(feature)}, {"p2", std::move(p2)},
                                   {"support", std::move(support)}, {"base", std::move(base)},
                                   {"hitrate", std::move(hitrate)}});
  }
  {
    std::vector<uint32_t> ip;
    std::vector<uint16_t> port, pred_port;
    std::vector<uint64_t> feature, support;
    std::vector<double> hitrate;
    for (const auto& p : m.predictors) {
      ip.push_back(p.ip); port.push_back(p.port); pred_port.push_back(p.pred_port);
      feature.push_back(p.feature); support.push_back(p.support); hitrate.push_back(p.hitrate);
    }
    out.write_table("/gps/predictors", {{"ip", std::move(ip)}, {"port", std::move(port)},
                                        {"pred_port", std::move(pred_port)}, {"feature", std::move(feature)},
                                        {"support", std::move(support)}, {"hitrate", std::move(hitrate)}});
  }
  {
    std::vector<uint32_t> priority, prefix;
    std::vector<uint16_t> port;
    std::vector<uint8_t> prefix_len;
    std::vector<uint64_t> services;
    if (comm.is_root())
      for (const auto& r : m.plan) {
        priority.push_back(r.priority); port.push_back(r.port); prefix.push_back(r.prefix);
        prefix_len.push_back(r.prefix_len); services.push_back(r.services);
      }
    out.write_table("/gps/plan", {{"priority", std::move(priority)}, {"port", std::move(port)},
                                  {"prefix", std::move(prefix)}, {"prefix_len", std::move(prefix_len)},
                                  {"services", std::move(services)}});
  }
  write_families(out, comm.size() > 1 ? m.family_rules : m.rules, features);
}

namespace {

// The paper's four probability families: the rules split by the kind of
// their feature. A rule's kind is known on the rank owning its feature id in
// the distributed dictionary, so each rank writes the rules of its ids, and
// the family tables are sorted by (feature, p1, p2).
void write_families(h5::File& out, const std::vector<gps::Rule>& rules,
                    const std::vector<gps::FeatureEntry>& my_features) {
  struct Family {
    const char* name;
    bool (*member)(gps::FeatureKind);
  };
  const Family families[] = {
      {"p_a_given_b", [](gps::FeatureKind k) { return k == gps::FeatureKind::l4; }},
      {"p_a_given_b_app", [](gps::FeatureKind k) { return k == gps::FeatureKind::app; }},
      {"p_a_given_b_net", [](gps::FeatureKind k) { return k == gps::FeatureKind::net || k == gps::FeatureKind::asn; }},
      {"p_a_given_b_app_net", [](gps::FeatureKind k) { return k == gps::FeatureKind::cross; }},
  };
  std::vector<const gps::Rule*> mine;  // rules whose feature id this rank owns
  for (const auto& r : rules) {
    auto it = std::lower_bound(my_features.begin(), my_features.end(), r.feature,
                               [](const gps::FeatureEntry& e, uint64_t id) { return e.id < id; });
    if (it != my_features.end() && it->id == r.feature) mine.push_back(&r);
  }
  std::sort(mine.begin(), mine.end(), [](const gps::Rule* a, const gps::Rule* b) {
    return std::tie(a->feature, a->p1, a->p2) < std::tie(b->feature, b->p1, b->p2);
  });
  out.create_group("/gps/families");
  for (const auto& fam : families) {
    std::vector<uint64_t> feature, support, base;
    std::vector<uint16_t> p1, p2;
    std::vector<double> hitrate;
    for (const gps::Rule* r : mine) {
      auto it = std::lower_bound(my_features.begin(), my_features.end(), r->feature,
                                 [](const gps::FeatureEntry& e, uint64_t id) { return e.id < id; });
      if (!fam.member(it->kind)) continue;
      feature.push_back(r->feature); p1.push_back(r->p1); p2.push_back(r->p2);
      support.push_back(r->support); base.push_back(r->base); hitrate.push_back(r->hitrate);
    }
    out.write_table(std::string("/gps/families/") + fam.name,
                    {{"feature", std::move(feature)}, {"p1", std::move(p1)}, {"p2", std::move(p2)},
                     {"support", std::move(support)}, {"base", std::move(base)}, {"hitrate", std::move(hitrate)}});
  }
}

// GPS's model as an analysis of `gps model`: counts from the seed (local),
// then everything at owners in merge(), then /gps.
class GpsModelAnalysis final : public GpsAnalysis {
 public:
  GpsModelAnalysis(const GpsSettings& settings, uint64_t round_bytes) : settings_(settings), round_bytes_(round_bytes) {}

  void accumulate(const gps::SeedHosts& hosts, gps::FeatureDictionary& dict,
                  const gps::FeatureTextSource& source) override {
    hosts_ = &hosts;  // the predictors' questions come from the hosts again
    dict_ = &dict;
    source_ = source;
  }
  void merge(const dist::Comm& comm, const StageMark& stage) override {
    model_ = build_gps_model(comm, *hosts_, *dict_, source_, settings_, round_bytes_, stage);
    features_ = distribute_features(comm, *dict_, model_, settings_.all_features, round_bytes_);
  }
  void write(h5::File& out, const dist::Comm& comm) override {
    write_gps_model(out, comm, settings_, model_, *hosts_, features_);
  }
  std::string summary(const dist::Comm& comm) const override {
    const uint64_t features = comm.allreduce_sum(features_.size());
    return std::to_string(model_.total_rules) + " rules, " + std::to_string(model_.plan.size()) + " plan rows (" +
           std::to_string(gps::plan_probes(model_.plan)) + " probes), " + std::to_string(features) +
           (settings_.all_features ? " features" : " features in rules");
  }
  std::string plan_csv() const override {
    std::ostringstream csv;  // the scan list for ZMap or masscan, in priority order
    for (const auto& r : model_.plan) csv << r.port << ',' << format_ipv4(r.prefix) << '/' << int(r.prefix_len) << '\n';
    return csv.str();
  }

 private:
  GpsSettings settings_;
  uint64_t round_bytes_;
  const gps::SeedHosts* hosts_ = nullptr;
  gps::FeatureDictionary* dict_ = nullptr;
  gps::FeatureTextSource source_;
  GpsModel model_;
  std::vector<gps::FeatureEntry> features_;
};

}  // namespace

std::unique_ptr<GpsAnalysis> make_gps_model(const GpsSettings& settings, uint64_t round_bytes) {
  return std::make_unique<GpsModelAnalysis>(settings, round_bytes);
}

}  // namespace scanhpc::analyses
