// scanhpc gps model: GPS (Izhikevich et al., SIGCOMM '22) on MPI ranks.
// The shared pipeline brings every host's status rows and banner records to
// the rank owning its prefix; features and counts are local; the sparse count
// tables are summed by key owner (never gathered whole); the filtered rules
// move into ranges of (p1, feature), where the hosts' questions find each
// seed service's best predictor, and to the owners of their feature ids for
// the family tables; the plan's (port, prefix) counts are summed by owner.
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

namespace scanhpc::commands {
namespace {

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
      ("plan-csv", po::value<std::string>()->default_value(""), "also write the plan as port,prefix/len lines");
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
  if (c.features.net_min_len < 1 || c.features.net_max_len > 32) throw UsageError("--net-min-len/--net-max-len: 1..32");
  if (c.step < 1 || c.step > 32) throw UsageError("--step: 1..32");
  if (c.model.min_ports < 1 || c.model.min_ports > c.model.max_ports) throw UsageError("--min-ports/--max-ports");
  return c;
}

// Owner of a (p1, feature) key: both count tables use it, so the rank owning
// base[(p1, f)] also owns every pairs[(p1, f, *)] and can form the rules.
int key_owner(uint16_t p1, uint64_t feature, int ranks) { return scanhpc::key_owner(p1, feature, ranks); }

// Features are written in id order: rank r owns a contiguous range of ids.
int id_owner(uint64_t id, int ranks) { return int((unsigned __int128)id * unsigned(ranks) >> 64); }

// The dictionary, deduplicated on id owners; each rank returns its ids in order.
std::vector<gps::FeatureEntry> distribute_features(const dist::Comm& comm, const gps::FeatureDictionary& dict,
                                                   uint64_t round_bytes) {
  std::vector<std::string> per_rank(size_t(comm.size()));
  for (const auto& e : dict.sorted_entries()) {
    std::string& buf = per_rank[size_t(id_owner(e.id, comm.size()))];
    uint32_t len = checked_cast<uint32_t>(e.text.size());
    buf.append(reinterpret_cast<const char*>(&e.id), 8);
    buf.push_back(char(e.kind));
    buf.append(reinterpret_cast<const char*>(&len), 4);
    buf += e.text;
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

// Every file a gps step writes: the HDF5 output and, when asked, a list.
std::vector<OutputTarget> gps_outputs(const GpsConfig& cfg, const std::string& list) {
  std::vector<OutputTarget> t = {{cfg.ingest.output}};
  if (!list.empty()) t.push_back({list});
  return t;
}

// The inputs known before listing: extra files (a model, a table) and the input arguments.
std::vector<std::string> known_inputs(std::vector<std::string> v, const std::vector<std::string>& inputs) {
  std::erase(v, std::string());
  v.insert(v.end(), inputs.begin(), inputs.end());
  return v;
}

struct Model {
  std::vector<gps::Rule> rules;            // this rank's range of the rules, sorted by (p1, feature, p2)
  std::vector<gps::Rule> family_rules;     // the rules of this rank's feature ids (write_families)
  std::vector<gps::BaseKey> splitters;     // where the ranges of `rules` begin (dist::splitter_owner)
  uint64_t total_rules = 0;
  std::vector<gps::Predictor> predictors;  // this rank's seed services
  std::vector<gps::PlanRow> plan;          // the whole plan, on every rank
};

bool by_rule_key(const gps::Rule& a, const gps::Rule& b) {
  return std::tie(a.p1, a.feature, a.p2) < std::tie(b.p1, b.feature, b.p2);
}

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

std::vector<gps::Predictor> predictors_of_batch(const dist::Comm& comm, const gps::SeedHosts& seed,
                                                const std::vector<gps::Rule>& rules,
                                                const std::vector<gps::BaseKey>& splitters,
                                                const gps::FeatureDictionary& dict, const gps::ModelOptions& mo,
                                                uint64_t round_bytes);

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
std::vector<gps::Predictor> distributed_predictors(const dist::Comm& comm, const gps::SeedHosts& seed,
                                                   const std::vector<gps::Rule>& rules,
                                                   const std::vector<gps::BaseKey>& splitters,
                                                   const gps::FeatureDictionary& dict, const gps::ModelOptions& mo,
                                                   uint64_t round_bytes) {
  if (comm.size() == 1) return gps::best_predictors(seed, rules, dict, mo);  // every rule is here
  // Hosts in batches of about kQueries questions, so that questions and
  // answers in flight stay bounded; every rank takes part in every round.
  constexpr uint64_t kQueries = uint64_t(1) << 16;
  const auto batches = host_batches(seed, kQueries, 2);  // one-port hosts ask nothing
  const uint64_t rounds = comm.allreduce_max(uint64_t(batches.size()));
  std::vector<gps::Predictor> out;
  for (uint64_t round = 0; round < rounds; ++round) {
    const auto [h0, h1] = round < batches.size() ? batches[round] : std::pair<size_t, size_t>{0, 0};
    const gps::SeedHosts slice = gps::seed_slice(seed, h0, h1);
    auto chosen = predictors_of_batch(comm, slice, rules, splitters, dict, mo, round_bytes);
    out.insert(out.end(), chosen.begin(), chosen.end());
  }
  return out;
}

// One round of distributed_predictors: the questions of the hosts of `seed`.
std::vector<gps::Predictor> predictors_of_batch(const dist::Comm& comm, const gps::SeedHosts& seed,
                                                const std::vector<gps::Rule>& rules,
                                                const std::vector<gps::BaseKey>& splitters,
                                                const gps::FeatureDictionary& dict, const gps::ModelOptions& mo,
                                                uint64_t round_bytes) {
  // Wire record: header, then the host's open ports.
  struct QueryHeader {
    uint64_t feature;
    uint32_t host, from_rank;
    uint16_t p1, nports, pad[2];
  };
  std::vector<std::string> per_rank(size_t(comm.size()));
  std::vector<gps::PredictorCandidate> candidates;  // the answers of this rank's own range go here directly
  for (const auto& q : gps::predictor_queries(seed, mo)) {
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
  std::vector<gps::Prediction> candidates;
  for (uint64_t round = 0; round < rounds; ++round) {
    const auto [h0, h1] = round < batches.size() ? batches[round] : std::pair<size_t, size_t>{0, 0};
    const auto asked = dist::send_to_owners(
        comm, gps::predict_queries(gps::seed_slice(found, h0, h1)),
        [&](const gps::PredictQuery& q) { return dist::splitter_owner(splitters, gps::BaseKey{q.port, q.feature}); },
        round_bytes);
    std::vector<gps::Prediction> answers;  // at most one per (ip, port) and range
    gps::answer_predict_queries(rules, asked, answers, &plan);
    const auto back = dist::send_to_owners(
        comm, answers, [&](const gps::Prediction& p) { return ownership.owner(p.ip); }, round_bytes);
    answers = {};
    // A host's questions are all in one round: its predictions are final here.
    auto chosen = gps::choose_predictions(back, plan, seed_services);
    candidates.insert(candidates.end(), chosen.begin(), chosen.end());
  }
  return candidates;
}

// Collective: counts summed on the owners of (p1, feature), rules formed
// there and spread in ranges, best predictors by question and answer, plan
// counts summed by owner and shared (the plan is small).
Model build_model(RunContext& ctx, const gps::SeedHosts& seed, const gps::FeatureDictionary& dict,
                  const GpsConfig& cfg) {
  const auto& comm = ctx.comm();
  const int ranks = comm.size();
  Model m;
  auto counts = gps::count_model(seed, cfg.model);
  ctx.end_stage("counts");
  gps::ModelCounts owned;
  {
    std::function<int(const gps::BaseKey&)> base_owner = [&](const gps::BaseKey& k) {
      return key_owner(k.p1, k.feature, ranks);
    };
    std::function<int(const gps::PairKey&)> pair_owner = [&](const gps::PairKey& k) {
      return key_owner(k.p1, k.feature, ranks);
    };
    for (const auto& b : dist::reduce_by_owner(comm, as_key_counts<gps::BaseKey>(counts.base), base_owner,
                                               cfg.ingest.round_bytes))
      owned.base.push_back({b.key, b.count});
    for (const auto& p : dist::reduce_by_owner(comm, as_key_counts<gps::PairKey>(counts.pairs), pair_owner,
                                               cfg.ingest.round_bytes))
      owned.pairs.push_back({p.key, p.count});
  }
  counts = gps::ModelCounts{};
  {
    // Rules formed at the count owners, then in ranges of (p1, feature) for
    // the table and the predictors, and at the owners of their feature ids
    // for the family tables: never all of them on one rank.
    auto formed = gps::rules_from_counts(owned, cfg.model);
    owned = gps::ModelCounts{};
    m.total_rules = comm.allreduce_sum(formed.size());
    if (ranks > 1)  // at one rank the family tables take the rules themselves
      m.family_rules = dist::send_to_owners(
          comm, formed, [ranks](const gps::Rule& r) { return id_owner(r.feature, ranks); }, cfg.ingest.round_bytes);
    m.rules = range_rules(comm, std::move(formed), cfg.ingest.round_bytes, m.splitters);
    ctx.end_stage("rules");
    m.predictors =
        distributed_predictors(comm, seed, m.rules, m.splitters, dict, cfg.model, cfg.ingest.round_bytes);
  }
  std::function<int(const gps::PlanKey&)> owner = [&](const gps::PlanKey& k) {
    return scanhpc::key_owner(k.port, k.prefix, ranks);
  };
  auto summed = dist::reduce_by_owner(comm, as_key_counts<gps::PlanKey>(gps::plan_counts(m.predictors, cfg.step)),
                                      owner, cfg.ingest.round_bytes);
  std::vector<gps::PlanCount> mine;
  for (const auto& x : summed) mine.push_back({x.key, x.count});
  auto plan_counts = dist::allgatherv(comm, mine);  // (port, prefix) pairs: small next to the model
  std::sort(plan_counts.begin(), plan_counts.end(),
            [](const gps::PlanCount& a, const gps::PlanCount& b) { return a.key < b.key; });
  m.plan = gps::scan_plan_from_counts(plan_counts, cfg.step, cfg.model.hitrate_cutoff);
  ctx.end_stage("predictors+plan");
  return m;
}

struct LoadedHosts {
  DistributedInput input;     // files, counts (rows and banners already consumed)
  uint64_t open_rows = 0;
  gps::FeatureDictionary dict;
  gps::SeedHosts hosts;       // this rank's hosts with their services' features
};

// Collective: the ASN table, the shared ingest path (banners kept), and the
// hosts of this rank with their features.
LoadedHosts load_hosts(RunContext& ctx, const GpsConfig& cfg, gps::AsnTable& asn_table) {
  const auto& comm = ctx.comm();
  std::string pfx2as_text, error;
  if (ctx.root() && !cfg.pfx2as.empty()) {  // rank 0 reads it, every rank parses the same text
    std::ifstream in(cfg.pfx2as, std::ios::binary);
    if (!in) error = "cannot read --pfx2as " + cfg.pfx2as;
    else pfx2as_text.assign(std::istreambuf_iterator<char>(in), {});
  }
  ctx.agree_root(error);
  comm.bcast(pfx2as_text, 0);
  try {
    asn_table = gps::AsnTable::from_pfx2as(pfx2as_text);
  } catch (const std::exception& e) {
    error = cfg.pfx2as + ": " + e.what();
  }
  ctx.agree_or_fail(error);
  gps::AsnLookup asn = cfg.pfx2as.empty() ? gps::AsnLookup{} : asn_table.lookup_fn();

  LoadedHosts out;
  out.input = ingest_and_distribute(ctx, cfg.ingest);
  StatusColumns status;
  for (const auto& e : out.input.rows)
    if (e.status == uint8_t(Status::open)) {
      status.push_back({key_ip(e.key), e.ts, key_port(e.key), key_proto(e.key), e.status, e.reason, e.ttl, e.known, 0});
      ++out.open_rows;
    }
  out.input.rows = {};
  out.input.spare = {};
  out.hosts = gps::build_seed(status, out.input.banners, cfg.features, asn, out.dict);
  out.input.banners = BannerColumns{};
  ctx.end_stage("features");
  return out;
}

void write_families(h5::File& out, const std::vector<gps::Rule>& rules,
                    const std::vector<gps::FeatureEntry>& my_features);

void write_model(h5::File& out, const dist::Comm& comm, const GpsConfig& cfg, const Model& m,
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


int run_gps_model(const GpsConfig& cfg, const std::string& config_ini) {
  if (cfg.ingest.threads > 0) omp_set_num_threads(cfg.ingest.threads);
  RunContext ctx("gps model", config_ini, cfg.ingest.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs(gps_outputs(cfg, cfg.plan_csv), cfg.ingest.force, cfg.ingest.output,
                        known_inputs({cfg.pfx2as}, cfg.ingest.inputs));
    gps::AsnTable asn_table;
    auto loaded = load_hosts(ctx, cfg, asn_table);
    if (cfg.seed_fraction < 1)
      loaded.hosts = gps::filter_hosts(loaded.hosts, [&](uint32_t ip) {
        return gps::in_seed_sample(ip, cfg.sample_seed, cfg.seed_fraction);
      });
    auto model = build_model(ctx, loaded.hosts, loaded.dict, cfg);
    auto features = distribute_features(comm, loaded.dict, cfg.ingest.round_bytes);

    h5::File& out = ctx.output();
    write_ingest(out, comm, loaded.input.files, loaded.input.summary, comm.allreduce_sum(loaded.open_rows), 0);
    write_model(out, comm, cfg, model, loaded.hosts, features);
    ctx.end_stage("write");
    std::string csv_error;  // the scan list for ZMap/masscan, in priority order
    if (!cfg.plan_csv.empty()) {
      const std::string tmp = ctx.temporary_for(cfg.plan_csv);
      if (ctx.root()) {
        std::ofstream csv(tmp);
        for (const auto& r : model.plan) csv << r.port << ',' << format_ipv4(r.prefix) << '/' << int(r.prefix_len) << '\n';
        csv.close();
        if (!csv) csv_error = "cannot write --plan-csv " + cfg.plan_csv + ": " + std::strerror(errno);
      }
    }
    ctx.agree_root(csv_error);
    ctx.commit_output(loaded.input.input_bytes);
    std::string stages = ctx.stage_report();
    uint64_t n_features = comm.allreduce_sum(features.size());
    if (ctx.root() && !cfg.ingest.quiet)
      std::fprintf(stderr, "scanhpc gps model: %zu rules, %zu plan rows (%llu probes), %llu features -> %s\n  stages: %s\n",
                   size_t(model.total_rules), model.plan.size(), (unsigned long long)gps::plan_probes(model.plan),
                   (unsigned long long)n_features, cfg.ingest.output.c_str(), stages.c_str());
    return 0;
  });
}

// The truth's services that scanning the plan finds, with their features.
gps::SeedHosts plan_scan_results(const gps::SeedHosts& truth, const gps::PlanIndex& plan) {
  gps::SeedHosts out;
  for (size_t h = 0; h < truth.hosts(); ++h) {
    std::vector<uint16_t> ports;
    std::vector<std::vector<uint64_t>> features;
    for (uint64_t s = truth.host_begin[h]; s < truth.host_begin[h + 1]; ++s) {
      if (!plan.covers(truth.port[s], truth.ip[h])) continue;
      ports.push_back(truth.port[s]);
      features.emplace_back(truth.feature.begin() + int64_t(truth.feat_begin[s]),
                            truth.feature.begin() + int64_t(truth.feat_begin[s + 1]));
    }
    if (!ports.empty()) out.add_host(truth.ip[h], ports, features);
  }
  return out;
}

struct CurveKey {  // one point of the GPS curve: predictions of one hitrate
  uint64_t minus_hitrate_bits;  // ascending order = hitrate descending
  friend auto operator<=>(const CurveKey&, const CurveKey&) = default;
};

void write_predictions(h5::File& out, const std::vector<gps::Prediction>& predictions);

// This rank's ground truth as the evaluation needs it. Services on hosts
// with more than max_ports open ports are "sinks": GPS's seed leaves those
// hosts out (its filter of <= 10 ports), so its headline figure counts only
// the rest; fraction_excluding_sinks reports that universe beside the whole.
struct TruthIndex {
  std::unordered_set<uint64_t> services, sink_services;
  std::vector<uint64_t> per_port = std::vector<uint64_t>(65536, 0);
  std::vector<uint64_t> per_port_no_sinks = std::vector<uint64_t>(65536, 0);
};

TruthIndex index_truth(const gps::SeedHosts& truth, uint32_t max_ports) {
  TruthIndex t;
  for (size_t h = 0; h < truth.hosts(); ++h) {
    const bool sink = truth.host_begin[h + 1] - truth.host_begin[h] > max_ports;
    for (uint64_t s = truth.host_begin[h]; s < truth.host_begin[h + 1]; ++s) {
      const uint64_t code = gps::service_code(truth.ip[h], truth.port[s]);
      t.services.insert(code);
      if (sink) t.sink_services.insert(code);
      ++t.per_port[truth.port[s]];
      if (!sink) ++t.per_port_no_sinks[truth.port[s]];
    }
  }
  return t;
}

// The coverage-versus-probes curves, identical on every rank.
struct EvaluationTable {
  uint64_t truth_services = 0, sink_services = 0, plan_probes = 0, known = 0, seed_services = 0;
  std::vector<std::string> method;
  std::vector<uint64_t> probes, services_found;
  // fraction_beyond_seed: of the truth's services the seed did not contain,
  // the share found; a large seed cannot inflate it.
  std::vector<double> fraction, fraction_beyond_seed, fraction_excluding_sinks, port_weighted;
};

struct CurvePortKey {  // true predictions of one hitrate on one port
  uint64_t minus_hitrate_bits;
  uint32_t port;
  uint32_t pad;
  friend auto operator<=>(const CurvePortKey&, const CurvePortKey&) = default;
};

// Collective. `truth` and `known` (truth services found by the seed or the
// plan) are this rank's; `seed_per_port` is global. GPS rows: the plan, then
// the predictions by decreasing hitrate (one probe each). Popularity rows:
// whole-IPv4 scans of the seed's ports, most common first. port_weighted is
// the mean over the truth's ports of the share found.
EvaluationTable evaluation_curves(RunContext& ctx, const TruthIndex& truth, const std::vector<uint64_t>& seed_per_port,
                                  const std::unordered_set<uint64_t>& known, uint64_t seed_in_truth,
                                  const std::vector<gps::Prediction>& predictions, uint64_t plan_probes,
                                  uint64_t round_bytes) {
  const auto& comm = ctx.comm();
  const uint64_t seed_total = comm.allreduce_sum(seed_in_truth);
  std::vector<uint64_t> known_per_port(65536, 0);
  uint64_t known_no_sinks = 0;
  for (uint64_t code : known) {
    ++known_per_port[code & 0xFFFF];
    known_no_sinks += !truth.sink_services.count(code);
  }
  struct Bucket { uint64_t predictions = 0, hits = 0, hits_no_sinks = 0; };
  std::map<std::pair<uint64_t, uint32_t>, Bucket> buckets;
  for (const auto& p : predictions) {
    double neg = -p.hitrate;
    uint64_t bits;
    std::memcpy(&bits, &neg, 8);
    bits = ~bits;  // for negative doubles this makes ascending bits = descending hitrate
    uint64_t code = gps::service_code(p.ip, p.port);
    auto& b = buckets[{bits, p.port}];
    ++b.predictions;
    const bool hit = truth.services.count(code) && !known.count(code);
    b.hits += hit;
    b.hits_no_sinks += hit && !truth.sink_services.count(code);
  }
  std::vector<dist::KeyCount<CurvePortKey>> all_local, true_local, true_no_sinks_local;
  for (const auto& [k, c] : buckets) {
    all_local.push_back({{k.first, k.second, 0}, c.predictions});
    true_local.push_back({{k.first, k.second, 0}, c.hits});
    true_no_sinks_local.push_back({{k.first, k.second, 0}, c.hits_no_sinks});
  }
  std::function<int(const CurvePortKey&)> to_root = [](const CurvePortKey&) { return 0; };
  auto all_points = dist::reduce_by_owner(comm, all_local, to_root, round_bytes);
  auto true_points = dist::reduce_by_owner(comm, true_local, to_root, round_bytes);
  auto true_no_sinks_points = dist::reduce_by_owner(comm, true_no_sinks_local, to_root, round_bytes);
  std::vector<uint64_t> truth_per_port = truth.per_port, truth_per_port_no_sinks = truth.per_port_no_sinks;
  comm.allreduce_sum_inplace(truth_per_port);
  comm.allreduce_sum_inplace(truth_per_port_no_sinks);
  comm.allreduce_sum_inplace(known_per_port);
  known_no_sinks = comm.allreduce_sum(known_no_sinks);

  EvaluationTable t;
  t.plan_probes = plan_probes;
  t.seed_services = seed_total;
  size_t ports = 0;
  uint64_t no_sinks = 0;
  for (uint32_t port = 0; port < 65536; ++port) {
    t.truth_services += truth_per_port[port];
    no_sinks += truth_per_port_no_sinks[port];
    t.known += known_per_port[port];
    ports += truth_per_port[port] > 0;
  }
  t.sink_services = t.truth_services - no_sinks;
  if (!ctx.root()) return t;
  auto add = [&](const char* m, uint64_t probes, uint64_t found, uint64_t found_no_sinks, long double weighted) {
    t.method.emplace_back(m);
    t.probes.push_back(probes);
    t.services_found.push_back(found);
    t.fraction.push_back(t.truth_services ? double(found) / double(t.truth_services) : 0.0);
    const uint64_t beyond = t.truth_services - t.seed_services;
    t.fraction_beyond_seed.push_back(beyond ? double(found - std::min(found, t.seed_services)) / double(beyond) : 0.0);
    t.fraction_excluding_sinks.push_back(no_sinks ? double(found_no_sinks) / double(no_sinks) : 0.0);
    t.port_weighted.push_back(ports ? double(weighted / (long double)ports) : 0.0);
  };
  long double weighted = 0;  // sum over ports of found_p / truth_p, in a fixed order
  for (uint32_t port = 0; port < 65536; ++port)
    if (truth_per_port[port]) weighted += (long double)known_per_port[port] / (long double)truth_per_port[port];
  uint64_t probes = plan_probes, found = t.known, found_no_sinks = known_no_sinks;
  add("gps", probes, found, found_no_sinks, weighted);
  for (size_t i = 0; i < all_points.size();) {  // one row per hitrate, its ports in order
    size_t j = i;
    while (j < all_points.size() && all_points[j].key.minus_hitrate_bits == all_points[i].key.minus_hitrate_bits) {
      probes += all_points[j].count;
      found += true_points[j].count;
      found_no_sinks += true_no_sinks_points[j].count;
      // A predicted port the truth lacks has no share to add (and 0/0 would be NaN).
      const uint64_t in_truth = truth_per_port[all_points[j].key.port];
      if (in_truth) weighted += (long double)true_points[j].count / (long double)in_truth;
      ++j;
    }
    add("gps", probes, found, found_no_sinks, weighted);
    i = j;
  }
  std::vector<uint16_t> order;
  for (uint32_t port = 0; port < 65536; ++port)
    if (seed_per_port[port]) order.push_back(uint16_t(port));
  std::stable_sort(order.begin(), order.end(),
                   [&](uint16_t a, uint16_t b) { return seed_per_port[a] > seed_per_port[b]; });
  uint64_t bp = 0, bf = 0, bf_no_sinks = 0;
  long double bw = 0;
  for (uint16_t port : order) {
    bp += uint64_t(1) << 32;
    bf += truth_per_port[port];
    bf_no_sinks += truth_per_port_no_sinks[port];
    bw += truth_per_port[port] > 0;
    add("popularity", bp, bf, bf_no_sinks, bw);
  }
  return t;
}

void write_evaluation(h5::File& out, EvaluationTable& t) {
  out.write_attr("/gps", "truth_services", t.truth_services);
  out.write_attr("/gps", "exhaustive_probes", (uint64_t(1) << 32) * uint64_t(65535));
  out.write_attr("/gps", "seed_services_in_truth", t.seed_services);
  out.write_attr("/gps", "truth_sink_services", t.sink_services);
  out.write_table("/gps/evaluation", {{"method", t.method}, {"probes", t.probes},
                                      {"services_found", t.services_found}, {"fraction", t.fraction},
                                      {"fraction_beyond_seed", t.fraction_beyond_seed},
                                      {"fraction_excluding_sinks", t.fraction_excluding_sinks},
                                      {"port_weighted", t.port_weighted}});
}

void print_evaluation(const char* name, const EvaluationTable& t, uint64_t predictions, const std::string& stages) {
  size_t last = 0;
  for (size_t i = 0; i < t.method.size(); ++i)
    if (t.method[i] == "gps") last = i;
  const bool any = !t.method.empty();
  const uint64_t probes = any ? t.probes[last] : 0;
  const double exhaustive = double(uint64_t(1) << 32) * 65535.0;
  std::fprintf(stderr,
               "scanhpc %s: truth %llu services (%llu on hosts with more ports than --max-ports);\n"
               "  seed and plan (%llu probes) find %llu; %llu predictions;\n"
               "  GPS finds %llu with %llu probes (1/%.0f of an exhaustive scan): %.1f%% of all, %.1f%% excluding\n"
               "  sink hosts, %.1f%% of those not in the seed, %.1f%% per port\n"
               "  stages: %s\n",
               name, (unsigned long long)t.truth_services, (unsigned long long)t.sink_services,
               (unsigned long long)t.plan_probes, (unsigned long long)t.known, (unsigned long long)predictions,
               (unsigned long long)(any ? t.services_found[last] : 0), (unsigned long long)probes,
               probes ? exhaustive / double(probes) : 0.0, any ? 100 * t.fraction[last] : 0.0,
               any ? 100 * t.fraction_excluding_sinks[last] : 0.0, any ? 100 * t.fraction_beyond_seed[last] : 0.0,
               any ? 100 * t.port_weighted[last] : 0.0, stages.c_str());
}

int run_gps_simulate(const GpsConfig& cfg, const std::string& config_ini) {
  const double fraction = cfg.seed_fraction;
  const uint64_t sample_seed = cfg.sample_seed;
  if (cfg.ingest.threads > 0) omp_set_num_threads(cfg.ingest.threads);
  RunContext ctx("gps simulate", config_ini, cfg.ingest.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs(gps_outputs(cfg, ""), cfg.ingest.force, cfg.ingest.output,
                        known_inputs({cfg.pfx2as}, cfg.ingest.inputs));
    gps::AsnTable asn_table;
    auto loaded = load_hosts(ctx, cfg, asn_table);
    const auto& truth = loaded.hosts;
    auto seed = gps::filter_hosts(truth, [&](uint32_t ip) { return gps::in_seed_sample(ip, sample_seed, fraction); });
    auto model = build_model(ctx, seed, loaded.dict, cfg);

    // Phase 1: the plan answered from the truth. Phase 2: predictions.
    gps::PlanIndex plan_index(model.plan);
    std::unordered_set<uint64_t> seed_services, known;
    for (size_t h = 0; h < seed.hosts(); ++h)
      for (uint64_t s = seed.host_begin[h]; s < seed.host_begin[h + 1]; ++s)
        seed_services.insert(gps::service_code(seed.ip[h], seed.port[s]));
    auto found = plan_scan_results(truth, plan_index);
    known = seed_services;
    for (size_t h = 0; h < found.hosts(); ++h)
      for (uint64_t s = found.host_begin[h]; s < found.host_begin[h + 1]; ++s)
        known.insert(gps::service_code(found.ip[h], found.port[s]));
    auto predictions = distributed_predict(comm, found, model.rules, model.splitters, loaded.input.ownership,
                                           plan_index, seed_services, cfg.ingest.round_bytes);
    const TruthIndex truth_index = index_truth(truth, cfg.model.max_ports);
    std::vector<uint64_t> seed_per_port(65536, 0);
    for (size_t s = 0; s < seed.services(); ++s) ++seed_per_port[seed.port[s]];
    ctx.end_stage("simulate");

    comm.allreduce_sum_inplace(seed_per_port);  // every rank sampled its own hosts
    auto table = evaluation_curves(ctx, truth_index, seed_per_port, known, seed_services.size(),
                                   predictions, gps::plan_probes(model.plan), cfg.ingest.round_bytes);
    ctx.end_stage("evaluate");

    auto features = distribute_features(comm, loaded.dict, cfg.ingest.round_bytes);
    h5::File& out = ctx.output();
    write_ingest(out, comm, loaded.input.files, loaded.input.summary, comm.allreduce_sum(loaded.open_rows), 0);
    write_model(out, comm, cfg, model, seed, features);
    write_evaluation(out, table);
    write_predictions(out, predictions);
    ctx.end_stage("write");
    ctx.commit_output(loaded.input.input_bytes);
    std::string stages = ctx.stage_report();
    uint64_t n_pred = comm.allreduce_sum(predictions.size());
    if (ctx.root() && !cfg.ingest.quiet) print_evaluation("gps simulate", table, n_pred, stages);
    return 0;
  });
}

// The parts of a model file that gps predict and evaluate need: settings and
// plan on every rank (the plan is small), the rules and the seed services in
// slices of 1/P of their rows.
struct StoredModel {
  GpsConfig settings;                       // feature options and step as the model was built
  std::vector<gps::Rule> rules;             // this rank's slice of /gps/rules
  std::vector<gps::PlanRow> plan;
  std::vector<uint64_t> seed_services;      // this rank's slice of /gps/seed_services (service codes)
};

uint64_t attr_u64(const h5::File& f, const char* name) { return std::get<uint64_t>(h5::read_attr(f, "/gps", name)); }

// Rows [begin, end) of rank `rank`'s slice of n rows.
std::pair<uint64_t, uint64_t> slice_of(uint64_t n, int rank, int ranks) {
  return {slice_begin(n, uint64_t(ranks), uint64_t(rank)), slice_begin(n, uint64_t(ranks), uint64_t(rank) + 1)};
}

StoredModel read_model(const std::string& path, int rank, int ranks) {
  h5::silence_diagnostics();
  auto f = h5::File::open_read(path);
  StoredModel m;
  m.settings.features.net_min_len = int(attr_u64(f, "net_min_len"));
  m.settings.features.net_max_len = int(attr_u64(f, "net_max_len"));
  m.settings.features.crosses = attr_u64(f, "crosses") != 0;
  m.settings.step = int(attr_u64(f, "step"));
  m.settings.model.max_ports = uint32_t(attr_u64(f, "max_ports"));
  m.settings.pfx2as = std::get<std::string>(h5::read_attr(f, "/gps", "asn_table"));
  {
    const auto [b, e] = slice_of(h5::column_rows(f, "/gps/rules/p1"), rank, ranks);
    auto col = [&](const char* path) { return h5::read_u64_column(f, path, b, e); };
    auto p1 = col("/gps/rules/p1"), feature = col("/gps/rules/feature"), p2 = col("/gps/rules/p2"),
         support = col("/gps/rules/support"), base = col("/gps/rules/base");
    auto hitrate = h5::read_f64_column(f, "/gps/rules/hitrate", b, e);
    for (size_t i = 0; i < p1.size(); ++i)
      m.rules.push_back({uint16_t(p1[i]), feature[i], uint16_t(p2[i]), support[i], base[i], hitrate[i]});
  }
  auto col = [&](const char* path) { return h5::read_u64_column(f, path); };
  auto priority = col("/gps/plan/priority"), port = col("/gps/plan/port"), prefix = col("/gps/plan/prefix"),
       len = col("/gps/plan/prefix_len"), services = col("/gps/plan/services");
  for (size_t i = 0; i < port.size(); ++i)
    m.plan.push_back({uint32_t(priority[i]), uint16_t(port[i]), uint32_t(prefix[i]), uint8_t(len[i]), services[i]});
  const auto [b, e] = slice_of(h5::column_rows(f, "/gps/seed_services/ip"), rank, ranks);
  auto sip = h5::read_u64_column(f, "/gps/seed_services/ip", b, e),
       sport = h5::read_u64_column(f, "/gps/seed_services/port", b, e);
  for (size_t i = 0; i < sip.size(); ++i) m.seed_services.push_back(gps::service_code(uint32_t(sip[i]), uint16_t(sport[i])));
  return m;
}

// Collective: the seed services of this rank's hosts, from every rank's slice.
std::unordered_set<uint64_t> seed_services_at_owners(const dist::Comm& comm, const std::vector<uint64_t>& slice,
                                                     const PrefixOwnership& ownership, uint64_t round_bytes) {
  auto mine = dist::send_to_owners(
      comm, slice, [&](uint64_t code) { return ownership.owner(uint32_t(code >> 16)); }, round_bytes);
  return std::unordered_set<uint64_t>(mine.begin(), mine.end());
}

void write_predictions(h5::File& out, const std::vector<gps::Prediction>& predictions) {
  std::vector<uint32_t> ip;
  std::vector<uint16_t> port, rule_port;
  std::vector<double> hitrate;
  std::vector<uint64_t> rule_feature;
  for (const auto& p : predictions) {
    ip.push_back(p.ip); port.push_back(p.port); hitrate.push_back(p.hitrate);
    rule_port.push_back(p.rule_port); rule_feature.push_back(p.rule_feature);
  }
  out.write_table("/gps/predictions", {{"ip", std::move(ip)}, {"port", std::move(port)},
                                       {"hitrate", std::move(hitrate)}, {"rule_port", std::move(rule_port)},
                                       {"rule_feature", std::move(rule_feature)}});
}

int run_gps_predict(GpsConfig cfg, const std::string& config_ini) {
  if (cfg.ingest.threads > 0) omp_set_num_threads(cfg.ingest.threads);
  RunContext ctx("gps predict", config_ini, cfg.ingest.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs(gps_outputs(cfg, cfg.list_path), cfg.ingest.force, cfg.ingest.output,
                        known_inputs({cfg.model_path, cfg.pfx2as}, cfg.ingest.inputs));
    StoredModel model;
    std::string error;
    try {
      model = read_model(cfg.model_path, comm.rank(), comm.size());
    } catch (const std::exception& e) {
      error = "cannot read the model " + cfg.model_path + ": " + e.what();
    }
    ctx.agree_or_fail(error);
    cfg.features = model.settings.features;  // features exactly as the model was built
    cfg.step = model.settings.step;
    if (cfg.pfx2as.empty()) cfg.pfx2as = model.settings.pfx2as;
    gps::AsnTable asn_table;
    auto loaded = load_hosts(ctx, cfg, asn_table);
    // Only the services the plan covers count as results of scanning it.
    gps::PlanIndex plan_index(model.plan);
    auto found = plan_scan_results(loaded.hosts, plan_index);
    std::vector<gps::BaseKey> splitters;
    const auto rules = range_rules(comm, std::move(model.rules), cfg.ingest.round_bytes, splitters);
    const auto seed_services =
        seed_services_at_owners(comm, model.seed_services, loaded.input.ownership, cfg.ingest.round_bytes);
    model.seed_services = {};
    auto predictions = distributed_predict(comm, found, rules, splitters, loaded.input.ownership, plan_index,
                                           seed_services, cfg.ingest.round_bytes);
    ctx.end_stage("predict");

    h5::File& out = ctx.output();
    write_ingest(out, comm, loaded.input.files, loaded.input.summary, comm.allreduce_sum(loaded.open_rows), 0);
    out.create_group("/gps");
    out.write_attr("/gps", "model", cfg.model_path);
    out.write_attr("/gps", "plan_scan_services", comm.allreduce_sum(found.services()));
    write_predictions(out, predictions);
    ctx.end_stage("write");
    // The ip:port list for LZR/ZMap, with each prediction's hitrate, in
    // (ip, port) order: ranks append their parts in turn.
    std::string list_error;
    if (!cfg.list_path.empty()) {
      const std::string tmp = ctx.temporary_for(cfg.list_path);
      for (int r = 0; r < comm.size(); ++r) {
        if (r == comm.rank()) {
          std::ofstream list(tmp, r == 0 ? std::ios::trunc : std::ios::app);
          char hit[32];
          for (const auto& p : predictions) {
            std::snprintf(hit, sizeof hit, "%.6g", p.hitrate);
            list << format_ipv4(p.ip) << ':' << p.port << ',' << hit << '\n';
          }
          list.close();
          if (!list) list_error = "cannot write --list " + cfg.list_path + ": " + std::strerror(errno);
        }
        comm.barrier();
      }
    }
    ctx.agree_or_fail(list_error);
    ctx.commit_output(loaded.input.input_bytes);
    uint64_t n = comm.allreduce_sum(predictions.size());
    std::string stages = ctx.stage_report();
    if (ctx.root() && !cfg.ingest.quiet)
      std::fprintf(stderr, "scanhpc gps predict: %llu predictions -> %s\n  stages: %s\n", (unsigned long long)n,
                   cfg.ingest.output.c_str(), stages.c_str());
    return 0;
  });
}

int run_gps_evaluate(GpsConfig cfg, const std::string& predictions_path, const std::string& config_ini) {
  if (cfg.ingest.threads > 0) omp_set_num_threads(cfg.ingest.threads);
  RunContext ctx("gps evaluate", config_ini, cfg.ingest.quiet);
  return ctx.run([&] {
    const auto& comm = ctx.comm();
    ctx.declare_outputs(gps_outputs(cfg, ""), cfg.ingest.force, cfg.ingest.output,
                        known_inputs({cfg.model_path, predictions_path, cfg.pfx2as}, cfg.ingest.inputs));
    StoredModel model;
    std::vector<gps::Prediction> prediction_slice;  // this rank's slice of the predictions file
    std::string error;
    try {
      model = read_model(cfg.model_path, comm.rank(), comm.size());
      model.rules = {};  // the evaluation needs the plan and the seed only
      auto f = h5::File::open_read(predictions_path);
      const auto [b, e] = slice_of(h5::column_rows(f, "/gps/predictions/ip"), comm.rank(), comm.size());
      auto col = [&](const char* path) { return h5::read_u64_column(f, path, b, e); };
      auto ip = col("/gps/predictions/ip"), port = col("/gps/predictions/port"),
           rule_port = col("/gps/predictions/rule_port"), rule_feature = col("/gps/predictions/rule_feature");
      auto hitrate = h5::read_f64_column(f, "/gps/predictions/hitrate", b, e);
      for (size_t i = 0; i < ip.size(); ++i)
        prediction_slice.push_back({uint32_t(ip[i]), uint16_t(port[i]), hitrate[i], uint16_t(rule_port[i]), rule_feature[i]});
    } catch (const std::exception& e) {
      error = e.what();
    }
    ctx.agree_or_fail(error);
    cfg.features = model.settings.features;
    if (cfg.pfx2as.empty()) cfg.pfx2as = model.settings.pfx2as;
    gps::AsnTable asn_table;
    auto loaded = load_hosts(ctx, cfg, asn_table);
    const auto& truth = loaded.hosts;
    const auto& ownership = loaded.input.ownership;

    // This rank's truth, the truth services the seed or the plan found, and
    // the predictions for the hosts this rank owns (in the file's order).
    gps::PlanIndex plan_index(model.plan);
    const TruthIndex truth_index = index_truth(truth, model.settings.model.max_ports);
    std::vector<uint64_t> seed_per_port(65536, 0);
    for (uint64_t code : model.seed_services) ++seed_per_port[code & 0xFFFF];
    comm.allreduce_sum_inplace(seed_per_port);  // the slices cover the seed once
    const auto seed_services = seed_services_at_owners(comm, model.seed_services, ownership, cfg.ingest.round_bytes);
    model.seed_services = {};
    std::unordered_set<uint64_t> known;
    uint64_t seed_in_truth = 0;
    for (size_t h = 0; h < truth.hosts(); ++h)
      for (uint64_t s = truth.host_begin[h]; s < truth.host_begin[h + 1]; ++s) {
        uint64_t code = gps::service_code(truth.ip[h], truth.port[s]);
        if (seed_services.count(code)) ++seed_in_truth;
        if (seed_services.count(code) || plan_index.covers(truth.port[s], truth.ip[h])) known.insert(code);
      }
    const auto predictions = dist::send_to_owners(
        comm, prediction_slice, [&](const gps::Prediction& p) { return ownership.owner(p.ip); }, cfg.ingest.round_bytes);
    prediction_slice = {};
    auto table = evaluation_curves(ctx, truth_index, seed_per_port, known, seed_in_truth,
                                   predictions, gps::plan_probes(model.plan), cfg.ingest.round_bytes);
    ctx.end_stage("evaluate");

    h5::File& out = ctx.output();
    write_ingest(out, comm, loaded.input.files, loaded.input.summary, comm.allreduce_sum(loaded.open_rows), 0);
    out.create_group("/gps");
    out.write_attr("/gps", "model", cfg.model_path);
    out.write_attr("/gps", "predictions", predictions_path);
    out.write_attr("/gps", "plan_probes", gps::plan_probes(model.plan));
    write_evaluation(out, table);
    ctx.end_stage("write");
    ctx.commit_output(loaded.input.input_bytes);
    std::string stages = ctx.stage_report();
    uint64_t n = comm.allreduce_sum(predictions.size());
    if (ctx.root() && !cfg.ingest.quiet) print_evaluation("gps evaluate", table, n, stages);
    return 0;
  });
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
