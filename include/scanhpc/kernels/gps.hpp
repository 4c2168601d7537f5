#pragma once
// GPS (Izhikevich et al., SIGCOMM '22): the conditional-probability service
// prediction model as MPI-free kernels. The semantics are those of GPS's SQL
// (../shared/reference/gps.md); every count is an integer and every output is
// sorted by a total order, so the results do not depend on thread counts or
// on how hosts were split into partitions.
//
// Pipeline: build_seed (features of every open service) -> count_model
// (integer partials, merge()-able across host partitions) -> rules_from_counts
// -> best_predictors -> scan_plan.
//
// Services are keyed by (ip, port); the transport protocol is ignored (GPS
// only knows TCP).
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "scanhpc/core/observations.hpp"

namespace scanhpc::gps {

// ---------------------------------------------------------------- features --

enum class FeatureKind : uint8_t { l4 = 0, app = 1, net = 2, asn = 3, cross = 4 };

std::string_view feature_kind_name(FeatureKind kind);  // "l4", "app", "net", "asn", "cross"
std::optional<FeatureKind> parse_feature_kind(std::string_view name);

// Stable 64-bit feature id: FNV-1a 64 (offset basis 0xcbf29ce484222325,
// prime 0x100000001b3) over the byte uint8_t(kind) followed by the bytes of
// `text`. Id 0 is reserved for "no feature" (single-port hosts' predictors).
uint64_t feature_id(FeatureKind kind, std::string_view text);

struct FeatureEntry {
  uint64_t id = 0;
  FeatureKind kind = FeatureKind::l4;
  std::string text;
  friend bool operator==(const FeatureEntry&, const FeatureEntry&) = default;
};

// id -> (kind, text), each text kept once. Throws std::runtime_error on a hash
// collision (an id already present with a different kind or text).
class FeatureDictionary {
 public:
  uint64_t add(FeatureKind kind, std::string_view text);  // returns feature_id(kind, text)
  // Adds an entry as given (e.g. read back from a file) without rehashing;
  // throws on a collision with an entry already present.
  void insert(const FeatureEntry& entry);
  bool contains(uint64_t id) const { return slot_of(id) != nullptr; }
  std::optional<FeatureEntry> find(uint64_t id) const;     // nullopt if unknown
  // Valid until the next add, insert or merge. Throws std::out_of_range if unknown.
  std::string_view text(uint64_t id) const;
  void merge(const FeatureDictionary& other);              // union; throws on collision
  size_t size() const { return size_; }
  std::vector<FeatureEntry> sorted_entries() const;        // by id

 private:
  // Open addressing (linear probing) on the id, texts in one arena: millions
  // of features without an allocation each (the seed's banner lines, crossed
  // with every /16 and ASN, are most of a model's distinct features).
  struct Slot {
    uint64_t id = 0;
    uint64_t at = 0;   // text offset in arena_
    uint32_t len = 0;
    FeatureKind kind = FeatureKind::l4;
    bool used = false;
  };
  const Slot* slot_of(uint64_t id) const;
  Slot& slot_for(uint64_t id);  // the slot holding id, or the empty one where it goes
  std::string_view text_of(const Slot& s) const { return std::string_view(arena_).substr(size_t(s.at), s.len); }
  void add_new(Slot& s, uint64_t id, FeatureKind kind, std::string_view text);
  void grow();
  std::vector<Slot> slots_;  // size a power of two, at most 5/8 full
  size_t size_ = 0;
  std::string arena_;
};

// Which features a service gets.
struct FeatureOptions {
  int net_min_len = 16;  // network prefixes /net_min_len .. /net_max_len (inclusive);
  int net_max_len = 16;  // none when net_min_len > net_max_len
  bool crosses = true;   // app features x /16 and x ASN
  // Features only for the services of hosts with min_host_ports ..
  // max_host_ports open ports; the other hosts' services get none. gps model
  // sets its counted hosts' range (no other host's feature is ever read
  // there); predict and simulate need every host's. Not a model setting.
  uint32_t min_host_ports = 0, max_host_ports = UINT32_MAX;
};

// ip -> origin ASN; an empty std::function means "no ASN table".
using AsnLookup = std::function<std::optional<uint32_t>(uint32_t ip)>;

// Longest-prefix-match table built from RouteViews pfx2as lines
// "prefix<TAB>length<TAB>asn" (e.g. "1.0.0.0\t24\t13335"). For a multi-origin
// "a_b" or an AS set "a,b" the first ASN is kept. Blank lines and lines
// starting with '#' are skipped; anything else malformed throws
// std::runtime_error naming the line number.
struct AsnPrefix {
  uint32_t prefix = 0;  // host order, bits below len must be zero (they are cleared)
  uint8_t len = 0;
  uint32_t asn = 0;
};
class AsnTable {
 public:
  AsnTable() = default;
  explicit AsnTable(std::vector<AsnPrefix> prefixes);  // a later duplicate prefix wins
  static AsnTable from_pfx2as(std::string_view text);
  std::optional<uint32_t> lookup(uint32_t ip) const;
  size_t size() const;
  // A lookup bound to this table (which must outlive it).
  AsnLookup lookup_fn() const {
    return [this](uint32_t ip) { return lookup(ip); };
  }

 private:
  std::vector<std::pair<uint32_t, uint32_t>> by_len_[33];  // (prefix, asn) sorted, per length
};

// One banner record of a service: masscan's service name and banner bytes.
struct BannerText {
  std::string_view service;
  std::string_view banner;
};

// The feature texts of one service (ip, port), in generation order, possibly
// with duplicates:
//   l4:    "L4"                                  (every open service)
//   app:   "service: <name>"                     (each non-empty service name)
//          "fingerprint: <protocol>"             (GPS seed input: service "gps:fingerprint")
//          "window: <w>"                         (GPS seed input: service "gps:window")
//          "http line: <line>"                   (each '\n'-split line of each banner,
//                                                 a trailing '\r' stripped, empty lines skipped;
//                                                 ZGrab2's http, ssh and banner rows likewise)
//          "ssh banner: <server id>"             (ZGrab2 ssh: service "zgrab2:ssh")
//          "tls cert: subject=<dn>"              (ZGrab2 tls: "zgrab2:tls-subject"; the parsed
//          "tls cert: issuer=<dn>"                certificate's DNs, "zgrab2:tls-issuer")
//   net:   "s<len>: <hex>"                       (len in [net_min_len, net_max_len]; hex = 8
//                                                 lowercase digits of the prefix, e.g. "s16: c6120000")
//   asn:   "asn: <N>"                            (when `asn` has a value; a banner with service
//                                                 "gps:asn" and text N overrides it)
//   cross: "16:<app text>-<hex of /16>"          (each app feature, when crosses)
//          "asn:<app text>-asn: <N>"             (each app feature, when crosses and asn)
std::vector<std::pair<FeatureKind, std::string>> service_feature_texts(
    uint32_t ip, std::span<const BannerText> banners, const FeatureOptions& options,
    std::optional<uint32_t> asn);

// The same as ids, added to `dict`, deduplicated and sorted ascending.
std::vector<uint64_t> service_features(uint32_t ip, std::span<const BannerText> banners,
                                       const FeatureOptions& options, std::optional<uint32_t> asn,
                                       FeatureDictionary& dict);
// The same ids, hashed without building a text (no dictionary).
std::vector<uint64_t> service_feature_ids(uint32_t ip, std::span<const BannerText> banners,
                                          const FeatureOptions& options, std::optional<uint32_t> asn);

// ------------------------------------------------------------- model input --

// Hosts, their open services and each service's features in CSR form:
// host h has services [host_begin[h], host_begin[h+1]); service s has port
// port[s] and features feature[feat_begin[s] .. feat_begin[s+1]).
// Hosts are sorted by ip (distinct), a host's services by port (distinct),
// a service's features by id (distinct).
struct SeedHosts {
  std::vector<uint32_t> ip;
  std::vector<uint64_t> host_begin{0};
  std::vector<uint16_t> port;
  std::vector<uint64_t> feat_begin{0};
  std::vector<uint64_t> feature;

  size_t hosts() const { return ip.size(); }
  size_t services() const { return port.size(); }
  size_t ports_of(size_t h) const { return size_t(host_begin[h + 1] - host_begin[h]); }
  // Appends a host; `ports` strictly increasing, features[i] sorted distinct.
  void add_host(uint32_t host_ip, std::span<const uint16_t> ports,
                std::span<const std::vector<uint64_t>> features);
  friend bool operator==(const SeedHosts&, const SeedHosts&) = default;
};

// Every (ip, port) with an open status row is a service; every banner
// record's (ip, port) is a service too (a data-returning service is open, as
// GPS uses them) and its service name and banner lines become the service's
// app features. Banner rows that only join (ZGrab2's, io::banner_joins_only)
// add features to a service found otherwise and never make one, as GPS joins
// banners to its seed's services. Rows with other statuses are ignored. All
// of a host's records must be in the input (in the MPI version every host
// lives on one rank).
struct SeedJoinCounts {
  uint64_t joined = 0;     // (ip, port) of join-only banners that are services
  uint64_t unmatched = 0;  // (ip, port) of join-only banners without a service: dropped
};
SeedHosts build_seed(const StatusColumns& status, const BannerColumns& banners,
                     const FeatureOptions& options, const AsnLookup& asn, FeatureDictionary& dict,
                     SeedJoinCounts* joins = nullptr);
// The same; with dict == nullptr the feature ids are hashed only (most of a
// seed's distinct features, a banner's Date line crossed with a /16, never
// reach a rule, and their texts are never needed); recover_feature_texts
// adds the texts of chosen ids later.
// rows_out: where the rows' order (seed_rows) goes, for recover_feature_texts.
struct SeedRows;
SeedHosts build_seed(const StatusColumns& status, const BannerColumns& banners,
                     const FeatureOptions& options, const AsnLookup& asn, FeatureDictionary* dict,
                     SeedJoinCounts* joins, SeedRows* rows_out = nullptr);

// The order build_seed walks its rows in: the services (open status rows and
// banner rows but join-only ones) by (ip, port), and the banner rows by service.
struct SeedRows {
  std::vector<uint64_t> services;                      // ip << 16 | port, sorted distinct
  std::vector<std::pair<uint64_t, uint32_t>> banners;  // (service key, banner row), sorted
};
SeedRows seed_rows(const StatusColumns& status, const BannerColumns& banners, SeedJoinCounts* joins = nullptr);

// Adds to `dict` the text of every id in `wanted` (distinct) that a
// service of `seed` has (once per id: the first such service's), walking
// the rows build_seed was given in its order (`rows`); `seed` may be a subset of the hosts
// build_seed made (a sample). Ids already in `dict` are not looked for.
// `entries` (one flag per entry of seed.feature, or nullptr): only flagged
// entries are looked at.
void recover_feature_texts(const SeedHosts& seed, const SeedRows& rows, const BannerColumns& banners,
                           const FeatureOptions& options, const AsnLookup& asn,
                           const std::vector<uint64_t>& wanted, FeatureDictionary& dict,
                           const std::vector<uint8_t>* entries = nullptr);

// Texts on demand for a model: fills `dict` with the texts of the ids in
// `wanted` (recover_feature_texts over the rows kept for it).
// Only the entries of `seed` flagged in `entries` (one flag per entry of
// seed.feature) are looked at.
using FeatureTextSource = std::function<void(const SeedHosts& seed, const std::vector<uint8_t>& entries,
                                             const std::vector<uint64_t>& wanted, FeatureDictionary& dict)>;

// Hosts [first, last) of `seed` as a seed of their own (e.g. a partition).
SeedHosts seed_slice(const SeedHosts& seed, size_t first, size_t last);

// ------------------------------------------------------------------ counts --

struct ModelOptions {
  uint32_t min_ports = 2, max_ports = 10;  // hosts used: min..max distinct open ports
  uint64_t min_support = 2;                // a rule needs support > min_support
  double hitrate_cutoff = 1e-5;            // and hitrate > hitrate_cutoff
};

struct BaseKey {
  uint16_t p1 = 0;
  uint64_t feature = 0;
  friend auto operator<=>(const BaseKey&, const BaseKey&) = default;
};
struct PairKey {
  uint16_t p1 = 0;
  uint64_t feature = 0;
  uint16_t p2 = 0;
  friend auto operator<=>(const PairKey&, const PairKey&) = default;
};
struct BaseCount {
  BaseKey key;
  uint64_t count = 0;
  friend bool operator==(const BaseCount&, const BaseCount&) = default;
};
struct PairCount {
  PairKey key;
  uint64_t count = 0;
  friend bool operator==(const PairCount&, const PairCount&) = default;
};

// base[(p1, f)]     = hosts with feature f on port p1;
// pairs[(p1, f, p2)] = hosts with feature f on p1 and p2 open, p2 != p1;
// over hosts with min_ports..max_ports open ports. Both sorted by key,
// keys distinct, counts > 0.
struct ModelCounts {
  std::vector<BaseCount> base;
  std::vector<PairCount> pairs;
  // Adds `other`'s counts (sum by key): counts of disjoint host sets merge to
  // the counts of their union.
  void merge(ModelCounts&& other);
  friend bool operator==(const ModelCounts&, const ModelCounts&) = default;
};

// OpenMP over contiguous host ranges; per-thread partials are merged in
// order, so the result does not depend on the thread count.
// `parts` picks the tables; `keep_pair` (one flag per entry of seed.feature,
// empty = all) limits the pair counts to the (service, feature) entries
// flagged: a pair's count is at most its (p1, feature)'s base count, so the
// entries whose key's base count is at most min_support can never make a
// rule, and most of a seed's features (a banner's Date line crossed with a
// /16) are such.
struct CountParts {
  bool base = true;
  bool pairs = true;
  const std::vector<uint8_t>* keep_pair = nullptr;
};
ModelCounts count_model(const SeedHosts& seed, const ModelOptions& options, CountParts parts = {});

// ------------------------------------------------------------------- rules --

struct Rule {
  uint16_t p1 = 0;
  uint64_t feature = 0;
  uint16_t p2 = 0;
  uint64_t support = 0;  // pairs count
  uint64_t base = 0;     // base count of (p1, feature)
  double hitrate = 0;    // support / base, ~ P(p2 open | feature on p1)
  friend bool operator==(const Rule&, const Rule&) = default;
};

// Rules with support > min_support and hitrate > hitrate_cutoff, sorted by
// (p1, feature, p2).
std::vector<Rule> rules_from_counts(const ModelCounts& counts, const ModelOptions& options);

// The rules of each antecedent (p1, feature) of a rule list sorted by
// (p1, feature, p2), found with one probe of an open-addressing table. The
// searches of the predictors and of predict ask once per (service, feature)
// and most antecedents have no rule: a binary search over all rules costs
// about log2(rules) cache misses per question, this about one. Holds a
// reference: `sorted_rules` must outlive it and stay unchanged.
class RuleRanges {
 public:
  explicit RuleRanges(const std::vector<Rule>& sorted_rules);
  std::span<const Rule> find(uint16_t p1, uint64_t feature) const;
  const std::vector<Rule>& rules() const { return *rules_; }

 private:
  struct Slot {
    uint64_t feature = 0;
    uint64_t begin = 0;
    uint32_t count = 0;  // 0: empty; at most 65536 (one per p2)
    uint16_t p1 = 0;
  };
  const std::vector<Rule>* rules_;
  std::vector<Slot> slots_;
  uint64_t mask_ = 0;
};

// -------------------------------------------------------------- predictors --

struct Predictor {
  uint32_t ip = 0;
  uint16_t port = 0;       // the seed service
  uint16_t pred_port = 0;  // p1 of its best rule: scanning pred_port finds the host
  uint64_t feature = 0;    // feature of the best rule (0: none)
  uint64_t support = 0;
  double hitrate = 0;
  friend bool operator==(const Predictor&, const Predictor&) = default;
};

// For each service (ip, p) of a host with min_ports..max_ports open ports,
// the single best rule (p1 = q, f, p2 = p) with q another open port of the
// host and f a feature of (ip, q), ordered by hitrate DESC, then p1 ASC, then
// the feature's TEXT ASC (as GPS: ORDER BY hitrate DESC, neededP, p1_server).
// Services without any rule are dropped (as GPS). `rules` sorted by (p1,
// feature, p2), as rules_from_counts gives them. Hosts with exactly one open
// port are appended as (ip, port, pred_port = port, feature 0, support 0,
// hitrate 0) (GPS appends them with neededP = port). Hosts with more than
// max_ports ports give nothing. Sorted by (ip, port). Feature texts come from
// `dict` (std::out_of_range if a tie needs an unknown id).
// `keep` (one flag per entry of seed.feature, or nullptr) skips the entries
// not flagged: those whose (port, feature) key has no rule (CountParts).
std::vector<Predictor> best_predictors(const SeedHosts& seed, const std::vector<Rule>& rules,
                                       const FeatureDictionary& dict, const ModelOptions& options,
                                       const std::vector<uint8_t>* keep = nullptr);

// best_predictors in three steps, so that the rules can stay spread over
// ranks (each holding a range of (p1, feature)): the hosts' questions, the
// answers of a rule range, and the choice among all answers.
struct PredictorQuery {
  uint32_t host = 0;  // index in the seed
  uint16_t p1 = 0;    // an open port q of the host
  uint64_t feature = 0;  // a feature of (ip, q)
};
struct PredictorCandidate {
  uint32_t host = 0;
  uint16_t p2 = 0;  // the host's port the rule predicts
  uint16_t p1 = 0;
  uint64_t feature = 0, support = 0;
  double hitrate = 0;
};
// Every (host, q, feature) of the hosts with min_ports..max_ports (>= 2) ports.
std::vector<PredictorQuery> predictor_queries(const SeedHosts& seed, const ModelOptions& options,
                                              const std::vector<uint8_t>* keep = nullptr);
// Appends the rules (p1, feature, p2) of `rules` (any subset of the rules)
// with p2 one of `ports` (the host's, ascending).
void answer_predictor_query(const RuleRanges& rules, const PredictorQuery& query,
                            std::span<const uint16_t> ports, std::vector<PredictorCandidate>& out);
// The best candidate of each service (any order, any split of the rules),
// plus the hosts with one port; equals best_predictors.
std::vector<Predictor> choose_predictors(const SeedHosts& seed, const std::vector<PredictorCandidate>& candidates,
                                         const FeatureDictionary& dict, const ModelOptions& options);

// -------------------------------------------------------------------- plan --

struct PlanRow {
  uint32_t priority = 0;  // 0-based rank
  uint16_t port = 0;
  uint32_t prefix = 0;
  uint8_t prefix_len = 0;
  uint64_t services = 0;  // seed services predicted by (port, prefix)
  friend bool operator==(const PlanRow&, const PlanRow&) = default;
};

// GPS step 3 in two halves, so that counts from several ranks can be summed
// in between: the predictors grouped by (pred_port, prefix of ip at
// step_len), sorted by key; then the rows kept and ordered as scan_plan does.
struct PlanKey {
  uint16_t port = 0;
  uint32_t prefix = 0;
  friend auto operator<=>(const PlanKey&, const PlanKey&) = default;
};
struct PlanCount {
  PlanKey key;
  uint64_t count = 0;
};
std::vector<PlanCount> plan_counts(const std::vector<Predictor>& predictors, int step_len);
std::vector<PlanRow> scan_plan_from_counts(const std::vector<PlanCount>& counts, int step_len,
                                           double hitrate_cutoff);

// GPS step 3: predictors grouped by (pred_port, prefix of ip at step_len),
// c = group size; kept when c / 2^(32 - step_len) > hitrate_cutoff; ordered
// by c DESC, port ASC, prefix ASC.
std::vector<PlanRow> scan_plan(const std::vector<Predictor>& predictors, int step_len = 16,
                               double hitrate_cutoff = 1e-5);

// Probes to scan the plan: sum over rows of 2^(32 - prefix_len).
uint64_t plan_probes(const std::vector<PlanRow>& plan);

}  // namespace scanhpc::gps
