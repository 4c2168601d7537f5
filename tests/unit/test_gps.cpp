// GPS model kernels (scanhpc::gps) against hand-computed answers and against a
// plain oracle of GPS's SQL (gps_oracle.hpp).
#include <catch2/catch.hpp>

#include <omp.h>

#include <algorithm>
#include <array>
#include <random>
#include <set>
#include <string>
#include <tuple>
#include <unordered_set>
#include <vector>

#include "gps_oracle.hpp"
#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/io/masscan_lines.hpp"
#include "scanhpc/kernels/gps.hpp"
#include "scanhpc/kernels/gps_simulate.hpp"
#include "test_support.hpp"

using namespace scanhpc;
using namespace scanhpc::gps;

namespace {

uint32_t ip4(const char* text) { return *parse_ipv4(text); }

// Test input: status rows and banner rows.
struct Input {
  StatusColumns status;
  BannerColumns banners;
  void open(uint32_t ip, uint16_t port, uint8_t status = uint8_t(Status::open)) {
    StatusRow r;
    r.ip = ip;
    r.port = port;
    r.proto = uint8_t(Proto::tcp);
    r.status = status;
    this->status.push_back(r);
  }
  void host(uint32_t ip, std::initializer_list<uint16_t> ports) {
    for (auto p : ports) open(ip, p);
  }
  void banner(uint32_t ip, uint16_t port, std::string_view service, std::string_view text) {
    banners.push_back(ip, 0, port, uint8_t(Proto::tcp), 0, service, text);
  }
};

// Everything the kernels compute for one input.
struct Model {
  FeatureDictionary dict;
  SeedHosts seed;
  ModelCounts counts;
  std::vector<Rule> rules;
  std::vector<Predictor> preds;
  std::vector<PlanRow> plan;
};

Model run_kernels(const StatusColumns& status, const BannerColumns& banners, const FeatureOptions& fo,
                  const AsnLookup& asn, const ModelOptions& mo, int step = 16) {
  Model m;
  m.seed = build_seed(status, banners, fo, asn, m.dict);
  m.counts = count_model(m.seed, mo);
  m.rules = rules_from_counts(m.counts, mo);
  m.preds = best_predictors(m.seed, m.rules, m.dict, mo);
  m.plan = scan_plan(m.preds, step, mo.hitrate_cutoff);
  return m;
}

// The kernel's outputs in the oracle's terms (feature ids replaced by texts).
std::vector<gps_oracle::Rule> as_oracle(const std::vector<Rule>& rules, const FeatureDictionary& dict) {
  std::vector<gps_oracle::Rule> out;
  for (const auto& r : rules)
    out.push_back({r.p1, std::string(dict.text(r.feature)), r.p2, r.support, r.base, r.hitrate});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.p1, a.feature, a.p2) < std::tie(b.p1, b.feature, b.p2);
  });
  return out;
}
std::vector<gps_oracle::Pred> as_oracle(const std::vector<Predictor>& preds, const FeatureDictionary& dict) {
  std::vector<gps_oracle::Pred> out;
  for (const auto& p : preds)
    out.push_back({p.ip, p.port, p.pred_port, p.feature ? std::string(dict.text(p.feature)) : std::string(),
                   p.support, p.hitrate});
  return out;
}
std::vector<gps_oracle::PlanRow> as_oracle(const std::vector<PlanRow>& plan) {
  std::vector<gps_oracle::PlanRow> out;
  for (const auto& r : plan) out.push_back({r.port, r.prefix, r.services});
  return out;
}

// Kernel == oracle on rules, predictors, plan, and on the (ip, port, feature) triples.
void check_against_oracle(const StatusColumns& status, const BannerColumns& banners, const FeatureOptions& fo,
                          const AsnLookup& asn, const ModelOptions& mo, int step = 16) {
  Model m = run_kernels(status, banners, fo, asn, mo, step);
  gps_oracle::Params prm;
  prm.net_min = fo.net_min_len;
  prm.net_max = fo.net_max_len;
  prm.crosses = fo.crosses;
  prm.asn = asn;
  prm.min_ports = mo.min_ports;
  prm.max_ports = mo.max_ports;
  prm.min_support = mo.min_support;
  prm.cutoff = mo.hitrate_cutoff;
  prm.step = step;
  auto o = gps_oracle::run(status, banners, prm);

  std::set<std::tuple<uint32_t, uint16_t, std::string>> triples;
  for (size_t h = 0; h < m.seed.hosts(); ++h)
    for (uint64_t s = m.seed.host_begin[h]; s < m.seed.host_begin[h + 1]; ++s)
      for (uint64_t k = m.seed.feat_begin[s]; k < m.seed.feat_begin[s + 1]; ++k)
        triples.insert({m.seed.ip[h], m.seed.port[s], std::string(m.dict.text(m.seed.feature[k]))});
  CHECK(triples == o.triples);
  CHECK(!o.rules.empty());
  test::check_same(as_oracle(m.rules, m.dict), o.rules, "rules");
  test::check_same(as_oracle(m.preds, m.dict), o.preds, "predictors");
  test::check_same(as_oracle(m.plan), o.plan, "plan");
  for (size_t i = 0; i < m.plan.size(); ++i) CHECK(m.plan[i].priority == i);
  CHECK(plan_probes(m.plan) == m.plan.size() * (uint64_t(1) << (32 - step)));
}

// Counting R contiguous host groups and merging gives the counts of the whole.
void check_partitions(const SeedHosts& seed, const ModelOptions& mo) {
  const ModelCounts all = count_model(seed, mo);
  REQUIRE(!all.pairs.empty());
  for (size_t parts = 1; parts <= 5; ++parts) {
    ModelCounts merged;
    for (size_t r = 0; r < parts; ++r) {
      const size_t first = seed.hosts() * r / parts, last = seed.hosts() * (r + 1) / parts;
      merged.merge(count_model(seed_slice(seed, first, last), mo));
    }
    INFO(parts << " partitions");
    CHECK(merged == all);
  }
}

// A whole masscan text through a LineParser, as the block readers feed it.
ParseSink parse_file(const std::string& path) {
  return test::parse_text(MasscanFormat::json, test::slurp(path), true);
}

// A synthetic seed with planted co-occurrence, noise, sinks and single-port hosts.
Input synthetic_seed(uint64_t seed_value, size_t hosts) {
  std::mt19937_64 rng(seed_value);
  auto uniform = [&](uint64_t n) { return uint64_t(rng() % n); };
  Input in;
  std::set<uint32_t> used;
  const uint16_t noise_ports[] = {21, 23, 25, 110, 8000, 8443, 9000, 10000};
  for (size_t i = 0; i < hosts; ++i) {
    uint32_t ip;
    do {
      ip = (10u << 24) | (uint32_t(uniform(4)) << 16) | (uint32_t(uniform(3)) << 14) | uint32_t(uniform(1 << 12));
    } while (!used.insert(ip).second);
    const uint32_t net = (ip >> 16) & 3;
    const uint64_t kind = uniform(100);
    if (kind < 20) {  // "cisco": 80 + 60443 mostly in 10.1/16, banner on 80
      in.host(ip, {80, 60443});
      in.banner(ip, 80, "http", "HTTP/1.1 200 OK\r\nServer: cisco-IOS\r\n\r");
      if (uniform(4) == 0) in.banner(ip, 80, "title", "Cisco Systems Login");
    } else if (kind < 35) {  // "web": 80 + 443, sometimes 22
      in.host(ip, {80, 443});
      if (uniform(3) == 0) in.open(ip, 22);
      in.banner(ip, 80, "http", net == 2 ? "HTTP/1.1 200 OK\r\nServer: nginx\r\n" : "HTTP/1.1 200 OK\r\nServer: apache\r\n");
    } else if (kind < 45) {  // "win": 135/445/3389, one of them sometimes missing
      uint64_t miss = uniform(6);
      for (uint16_t p : {135, 445, 3389})
        if (!(miss < 3 && p == std::array<uint16_t, 3>{135, 445, 3389}[miss])) in.open(ip, p);
    } else if (kind < 55) {  // "db": 22 + 3306 with a banner on 22
      in.host(ip, {22, 3306});
      in.banner(ip, 22, "ssh", "SSH-2.0-OpenSSH_8.4");
      if (uniform(2)) in.banner(ip, 3306, "mysql", "5.7.33");
    } else if (kind < 57) {  // a service sink with 11..14 ports
      size_t n = 11 + uniform(4);
      for (size_t p = 0; p < n; ++p) in.open(ip, uint16_t(1000 + p));
      in.banner(ip, 80, "http", "HTTP/1.1 200 OK\r\nServer: cisco-IOS\r\n\r");
    } else if (kind < 62) {  // banner-only services (no status row)
      in.banner(ip, 80, "http", "Server: cisco-IOS");
      in.banner(ip, 60443, "", "");
    } else if (kind < 70) {  // random noise ports
      size_t n = 2 + uniform(3);
      for (size_t k = 0; k < n; ++k) in.open(ip, noise_ports[uniform(std::size(noise_ports))]);
    } else {  // single-port hosts, some with closed probes too
      in.open(ip, uint16_t(std::array<uint16_t, 4>{22, 80, 443, 7547}[uniform(4)]));
      if (uniform(5) == 0) in.open(ip, 8080, uint8_t(Status::closed));
    }
  }
  return in;
}

}  // namespace

TEST_CASE("gps: feature ids, kind names and the dictionary", "[gps]") {
  // FNV-1a 64 of the single byte 0 (kind l4, empty text).
  CHECK(feature_id(FeatureKind::l4, "") == 0xaf63bd4c8601b7dfull);
  uint64_t h = 0xcbf29ce484222325ull;
  for (unsigned char c : std::string("\x01service: http")) h = (h ^ c) * 0x100000001b3ull;
  CHECK(feature_id(FeatureKind::app, "service: http") == h);
  CHECK(feature_id(FeatureKind::app, "L4") != feature_id(FeatureKind::l4, "L4"));
  for (auto k : {FeatureKind::l4, FeatureKind::app, FeatureKind::net, FeatureKind::asn, FeatureKind::cross})
    CHECK(parse_feature_kind(feature_kind_name(k)) == k);
  CHECK(feature_kind_name(FeatureKind::cross) == "cross");
  CHECK(!parse_feature_kind("tls"));

  FeatureDictionary a, b;
  uint64_t l4 = a.add(FeatureKind::l4, "L4");
  CHECK(a.add(FeatureKind::l4, "L4") == l4);
  a.add(FeatureKind::app, "service: http");
  b.add(FeatureKind::app, "service: http");
  b.add(FeatureKind::net, "s16: 0a000000");
  a.merge(b);
  CHECK(a.size() == 3);
  CHECK(a.text(l4) == "L4");
  CHECK(a.find(feature_id(FeatureKind::net, "s16: 0a000000"))->kind == FeatureKind::net);
  auto entries = a.sorted_entries();
  REQUIRE(entries.size() == 3);
  CHECK(std::is_sorted(entries.begin(), entries.end(), [](auto& x, auto& y) { return x.id < y.id; }));
  CHECK_THROWS_AS(a.text(12345), std::out_of_range);
  // A collision: same id, different text.
  FeatureDictionary c;
  c.insert({l4, FeatureKind::app, "not L4"});
  CHECK_THROWS(a.merge(c));
  CHECK_THROWS(c.add(FeatureKind::l4, "L4"));
  CHECK_NOTHROW(a.insert({l4, FeatureKind::l4, "L4"}));
}

TEST_CASE("gps: feature texts of one service", "[gps]") {
  const uint32_t ip = ip4("198.18.0.6");
  std::vector<BannerText> banners = {
      {"http", "HTTP/1.1 200 OK\r\nServer: cisco-IOS\r\n\r"},
      {"title", "Cisco Systems Login"},
      {"", "\nServer: cisco-IOS\n"},  // no name; a repeated line
  };
  FeatureOptions fo;
  fo.net_min_len = 16;
  fo.net_max_len = 17;
  auto texts = service_feature_texts(ip, banners, fo, 64500u);
  std::vector<std::pair<FeatureKind, std::string>> want = {
      {FeatureKind::l4, "L4"},
      {FeatureKind::app, "service: http"},
      {FeatureKind::app, "http line: HTTP/1.1 200 OK"},
      {FeatureKind::app, "http line: Server: cisco-IOS"},
      {FeatureKind::app, "service: title"},
      {FeatureKind::app, "http line: Cisco Systems Login"},
      {FeatureKind::app, "http line: Server: cisco-IOS"},
      {FeatureKind::net, "s16: c6120000"},
      {FeatureKind::net, "s17: c6120000"},
      {FeatureKind::asn, "asn: 64500"},
      {FeatureKind::cross, "16:service: http-c6120000"},
      {FeatureKind::cross, "asn:service: http-asn: 64500"},
      {FeatureKind::cross, "16:http line: HTTP/1.1 200 OK-c6120000"},
      {FeatureKind::cross, "asn:http line: HTTP/1.1 200 OK-asn: 64500"},
      {FeatureKind::cross, "16:http line: Server: cisco-IOS-c6120000"},
      {FeatureKind::cross, "asn:http line: Server: cisco-IOS-asn: 64500"},
      {FeatureKind::cross, "16:service: title-c6120000"},
      {FeatureKind::cross, "asn:service: title-asn: 64500"},
      {FeatureKind::cross, "16:http line: Cisco Systems Login-c6120000"},
      {FeatureKind::cross, "asn:http line: Cisco Systems Login-asn: 64500"},
      {FeatureKind::cross, "16:http line: Server: cisco-IOS-c6120000"},
      {FeatureKind::cross, "asn:http line: Server: cisco-IOS-asn: 64500"},
  };
  CHECK(texts == want);

  FeatureDictionary dict;
  auto ids = service_features(ip, banners, fo, 64500u, dict);
  CHECK(ids.size() == want.size() - 3);  // the repeated line and its two crosses
  CHECK(std::is_sorted(ids.begin(), ids.end()));
  CHECK(std::adjacent_find(ids.begin(), ids.end()) == ids.end());
  CHECK(dict.size() == ids.size());

  // No crosses, no ASN, /16 to /18, and no net features at all.
  fo.crosses = false;
  fo.net_max_len = 18;
  auto plain = service_feature_texts(ip4("198.18.255.1"), {}, fo, std::nullopt);
  CHECK(plain == std::vector<std::pair<FeatureKind, std::string>>{{FeatureKind::l4, "L4"},
                                                                 {FeatureKind::net, "s16: c6120000"},
                                                                 {FeatureKind::net, "s17: c6128000"},
                                                                 {FeatureKind::net, "s18: c612c000"}});
  fo.net_min_len = 1;
  fo.net_max_len = 0;
  CHECK(service_feature_texts(ip, {}, fo, std::nullopt).size() == 1);
}

TEST_CASE("gps: pfx2as table, longest-prefix match", "[gps]") {
  auto t = AsnTable::from_pfx2as(
      "# comment\n"
      "10.0.0.0\t8\t100\n"
      "10.1.0.0\t16\t200\r\n"
      "\n"
      "10.1.2.0\t24\t300_301\n"
      "10.1.2.128\t25\t400,401\n"
      "0.0.0.0\t0\t1\n");
  CHECK(t.size() == 5);
  CHECK(t.lookup(ip4("10.9.9.9")) == 100u);
  CHECK(t.lookup(ip4("10.1.9.9")) == 200u);
  CHECK(t.lookup(ip4("10.1.2.9")) == 300u);
  CHECK(t.lookup(ip4("10.1.2.200")) == 400u);
  CHECK(t.lookup(ip4("11.0.0.1")) == 1u);
  auto fn = t.lookup_fn();
  CHECK(fn(ip4("10.1.2.200")) == 400u);
  AsnTable u({{ip4("192.168.1.77"), 24, 7}});  // host bits are cleared
  CHECK(u.lookup(ip4("192.168.1.1")) == 7u);
  CHECK(!u.lookup(ip4("192.168.2.1")));
  CHECK_THROWS(AsnTable::from_pfx2as("10.0.0.0\t33\t1\n"));
  CHECK_THROWS(AsnTable::from_pfx2as("10.0.0.0 8 1\n"));
  CHECK_THROWS(AsnTable::from_pfx2as("10.0.0.0\t8\tx\n"));
}

TEST_CASE("gps: seed builder from status and banner columns", "[gps]") {
  Input in;
  const uint32_t a = ip4("10.0.0.2"), b = ip4("10.0.0.1");
  in.open(a, 443);
  in.open(a, 80);
  in.open(a, 80);                            // a second probe of the same service
  in.open(a, 8080, uint8_t(Status::closed)); // not a service
  in.banner(a, 22, "ssh", "SSH-2.0-x");      // banner only: the service is open
  in.banner(b, 80, "http", "Server: y");
  FeatureOptions fo;
  fo.crosses = false;
  FeatureDictionary dict;
  SeedHosts seed = build_seed(in.status, in.banners, fo, {}, dict);
  REQUIRE(seed.hosts() == 2);
  CHECK(seed.ip == std::vector<uint32_t>{b, a});
  CHECK(seed.host_begin == std::vector<uint64_t>{0, 1, 4});
  CHECK(seed.port == std::vector<uint16_t>{80, 22, 80, 443});
  auto feats = [&](size_t s) {
    std::set<std::string> out;
    for (uint64_t k = seed.feat_begin[s]; k < seed.feat_begin[s + 1]; ++k) out.insert(std::string(dict.text(seed.feature[k])));
    return out;
  };
  CHECK(feats(0) == std::set<std::string>{"L4", "service: http", "http line: Server: y", "s16: 0a000000"});
  CHECK(feats(1) == std::set<std::string>{"L4", "service: ssh", "http line: SSH-2.0-x", "s16: 0a000000"});
  CHECK(feats(3) == std::set<std::string>{"L4", "s16: 0a000000"});
  auto slice = seed_slice(seed, 1, 2);
  CHECK(slice.ip == std::vector<uint32_t>{a});
  CHECK(slice.port == std::vector<uint16_t>{22, 80, 443});
  CHECK(slice.feat_begin.front() == 0);
  CHECK(slice.feature.size() == slice.feat_begin.back());
  CHECK(seed_slice(seed, 0, 1).hosts() + slice.hosts() == seed.hosts());
}

TEST_CASE("gps: hand-computed rules, predictors and plan", "[gps]") {
  Input in;
  auto h = [](int i) { return ip4(("10.0.0." + std::to_string(i)).c_str()); };
  auto k = [](int i) { return ip4(("10.1.0." + std::to_string(i)).c_str()); };
  const char* web = "HTTP/1.1 200 OK\r\nServer: X\r\n\r\n";
  for (int i = 1; i <= 3; ++i) {  // h1..h3: 80 (with banner) + 443
    in.host(h(i), {80, 443});
    in.banner(h(i), 80, "http", web);
  }
  for (int i = 4; i <= 5; ++i) in.host(h(i), {22, 80});  // 80->22 has support 2: dropped
  // h6: 11 ports, the same banner: excluded (else base(80, service: http) would be 4).
  in.host(h(6), {21, 22, 23, 25, 80, 110, 143, 443, 445, 587, 993});
  in.banner(h(6), 80, "http", web);
  in.host(h(7), {80});  // single-port host, with the banner: not in base either
  in.banner(h(7), 80, "http", web);
  for (int i = 8; i <= 10; ++i) in.host(h(i), {22, 3306});
  for (int i = 1; i <= 3; ++i) {  // k1..k3: 1000, 2000, 3000 (banner on 3000)
    in.host(k(i), {1000, 2000, 3000});
    in.banner(k(i), 3000, "x", "");
  }
  for (int i = 4; i <= 5; ++i) in.host(k(i), {1000, 3000});

  FeatureOptions fo;
  fo.net_min_len = 1;  // no network features, no crosses
  fo.net_max_len = 0;
  fo.crosses = false;
  ModelOptions mo;  // 2..10 ports, support > 2, hitrate > 1e-5
  Model m = run_kernels(in.status, in.banners, fo, {}, mo);
  const uint64_t L4 = feature_id(FeatureKind::l4, "L4");
  const uint64_t http = feature_id(FeatureKind::app, "service: http");
  const uint64_t line1 = feature_id(FeatureKind::app, "http line: HTTP/1.1 200 OK");
  const uint64_t line2 = feature_id(FeatureKind::app, "http line: Server: X");
  const uint64_t x = feature_id(FeatureKind::app, "service: x");

  std::vector<Rule> want = {
      {22, L4, 3306, 3, 5, 0.6},   {80, L4, 443, 3, 5, 0.6},      {80, http, 443, 3, 3, 1.0},
      {80, line1, 443, 3, 3, 1.0}, {80, line2, 443, 3, 3, 1.0},   {443, L4, 80, 3, 3, 1.0},
      {1000, L4, 2000, 3, 5, 0.6}, {1000, L4, 3000, 5, 5, 1.0},   {2000, L4, 1000, 3, 3, 1.0},
      {2000, L4, 3000, 3, 3, 1.0}, {3000, L4, 1000, 5, 5, 1.0},   {3000, L4, 2000, 3, 5, 0.6},
      {3000, x, 1000, 3, 3, 1.0},  {3000, x, 2000, 3, 3, 1.0},    {3306, L4, 22, 3, 3, 1.0},
  };
  std::sort(want.begin(), want.end(), [](const Rule& a, const Rule& b) {
    return std::tie(a.p1, a.feature, a.p2) < std::tie(b.p1, b.feature, b.p2);
  });
  test::check_same(m.rules, want, "rules");
  // The support boundary: (80, L4, 22) has support 2 = min_support, kept at min_support 1.
  CHECK(std::none_of(m.rules.begin(), m.rules.end(), [](const Rule& r) { return r.p1 == 80 && r.p2 == 22; }));
  ModelOptions mo1 = mo;
  mo1.min_support = 1;
  auto rules1 = rules_from_counts(m.counts, mo1);
  CHECK(std::count_if(rules1.begin(), rules1.end(), [&](const Rule& r) {
          return r.p1 == 80 && r.feature == L4 && r.p2 == 22 && r.support == 2 && r.base == 5;
        }) == 1);

  std::vector<Predictor> want_preds;
  for (int i = 1; i <= 3; ++i) {
    want_preds.push_back({h(i), 80, 443, L4, 3, 1.0});
    // Three features of 80 tie at 1.0: the smallest text "http line: HTTP/1.1 200 OK" wins.
    want_preds.push_back({h(i), 443, 80, line1, 3, 1.0});
  }
  // h4, h5: no rule (support 2); h6: 11 ports; h7: single port.
  want_preds.push_back({h(7), 80, 80, 0, 0, 0.0});
  for (int i = 8; i <= 10; ++i) {
    want_preds.push_back({h(i), 22, 3306, L4, 3, 1.0});
    want_preds.push_back({h(i), 3306, 22, L4, 3, 0.6});
  }
  for (int i = 1; i <= 3; ++i) {
    want_preds.push_back({k(i), 1000, 2000, L4, 3, 1.0});  // 2000 vs 3000 tie at 1.0: p1 2000
    want_preds.push_back({k(i), 2000, 3000, x, 3, 1.0});   // 3000/x at 1.0 beats 1000 and 3000/L4 at 0.6
    want_preds.push_back({k(i), 3000, 1000, L4, 5, 1.0});  // 1000 vs 2000 tie at 1.0: p1 1000
  }
  for (int i = 4; i <= 5; ++i) {
    want_preds.push_back({k(i), 1000, 3000, L4, 5, 1.0});
    want_preds.push_back({k(i), 3000, 1000, L4, 5, 1.0});
  }
  test::check_same(m.preds, want_preds, "predictors");

  const uint32_t n0 = ip4("10.0.0.0"), n1 = ip4("10.1.0.0");
  std::vector<PlanRow> want_plan = {
      {0, 1000, n1, 16, 5}, {1, 3000, n1, 16, 5}, {2, 80, n0, 16, 4},   {3, 22, n0, 16, 3},
      {4, 443, n0, 16, 3},  {5, 2000, n1, 16, 3}, {6, 3306, n0, 16, 3},
  };
  test::check_same(m.plan, want_plan, "plan");
  CHECK(plan_probes(m.plan) == 7u * 65536u);
  // Density cut-off: c / 2^16 > 4 / 2^16 keeps only c = 5.
  auto cut = scan_plan(m.preds, 16, 4.0 / 65536.0);
  REQUIRE(cut.size() == 2);
  CHECK(cut[1] == PlanRow{1, 3000, n1, 16, 5});
  // At /24 every group is its own /24.
  auto plan24 = scan_plan(m.preds, 24, 1e-5);
  CHECK(plan24.size() == 7);
  CHECK(plan24[0].prefix_len == 24);
  CHECK(plan_probes(plan24) == 7u * 256u);

  check_against_oracle(in.status, in.banners, fo, {}, mo);
  check_partitions(m.seed, mo);
}

TEST_CASE("gps: kernel equals the oracle on a synthetic seed", "[gps]") {
  Input in = synthetic_seed(42, 600);
  auto table = AsnTable::from_pfx2as("10.0.0.0\t8\t100\n10.1.0.0\t16\t200\n10.2.128.0\t17\t300\n");
  FeatureOptions fo;
  fo.net_min_len = 16;
  fo.net_max_len = 18;
  ModelOptions mo;
  check_against_oracle(in.status, in.banners, fo, table.lookup_fn(), mo);
  // Other options: no crosses, no ASN, a higher support, a higher cut-off, /24 plan steps.
  fo.crosses = false;
  fo.net_max_len = 16;
  mo.min_support = 5;
  mo.hitrate_cutoff = 0.3;
  check_against_oracle(in.status, in.banners, fo, {}, mo, 24);
  mo.min_ports = 3;
  mo.max_ports = 4;
  mo.hitrate_cutoff = 1e-5;
  check_against_oracle(in.status, in.banners, fo, {}, mo);
}

TEST_CASE("gps: counts merge across host partitions and thread counts", "[gps]") {
  Input in = synthetic_seed(7, 3000);
  auto table = AsnTable::from_pfx2as("10.0.0.0\t8\t100\n10.1.0.0\t16\t200\n");
  FeatureDictionary dict;
  SeedHosts seed = build_seed(in.status, in.banners, FeatureOptions{}, table.lookup_fn(), dict);
  REQUIRE(seed.hosts() > 2048);
  ModelOptions mo;
  check_partitions(seed, mo);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  ModelCounts one = count_model(seed, mo);
  omp_set_num_threads(3);
  ModelCounts three = count_model(seed, mo);
  omp_set_num_threads(threads);
  CHECK(one == three);
  // Dictionaries built from two halves merge to the whole one.
  Input half1, half2;
  for (size_t i = 0; i < in.status.size(); ++i) (in.status.ip[i] < ip4("10.2.0.0") ? half1 : half2).status.push_back(in.status.row(i));
  for (size_t i = 0; i < in.banners.size(); ++i)
    (in.banners.ip[i] < ip4("10.2.0.0") ? half1 : half2)
        .banner(in.banners.ip[i], in.banners.port[i], in.banners.service.at(i), in.banners.banner.at(i));
  FeatureDictionary d1, d2;
  SeedHosts s1 = build_seed(half1.status, half1.banners, FeatureOptions{}, table.lookup_fn(), d1);
  SeedHosts s2 = build_seed(half2.status, half2.banners, FeatureOptions{}, table.lookup_fn(), d2);
  d1.merge(d2);
  CHECK(d1.sorted_entries() == dict.sorted_entries());
  ModelCounts merged = count_model(s1, mo);
  merged.merge(count_model(s2, mo));
  CHECK(merged == count_model(seed, mo));
}

TEST_CASE("gps: real testnet scan with banners: oracle and planted profiles", "[gps]") {
  ParseSink sink = parse_file(std::string(SCANHPC_TESTDATA) + "/scan-banners.oJ");
  REQUIRE(sink.counts.records_rejected == 0);
  REQUIRE(sink.banners.size() == 2715);
  FeatureOptions fo;
  ModelOptions mo;
  check_against_oracle(sink.status, sink.banners, fo, {}, mo);
  fo.net_max_len = 20;
  check_against_oracle(sink.status, sink.banners, fo, {}, mo, 24);

  fo = FeatureOptions{};
  Model m = run_kernels(sink.status, sink.banners, fo, {}, mo);
  CHECK(m.seed.hosts() == 930);  // 1,012 planted hosts less 82 "none" hosts
  check_partitions(m.seed, mo);
  auto rule = [&](uint16_t p1, FeatureKind kind, const std::string& text, uint16_t p2) -> const Rule* {
    const uint64_t f = feature_id(kind, text);
    for (const auto& r : m.rules)
      if (r.p1 == p1 && r.feature == f && r.p2 == p2) return &r;
    return nullptr;
  };
  // Cisco: P(60443 | 80, "Server: cisco-IOS") = 1, over every cisco host with its banner.
  const Rule* cisco = rule(80, FeatureKind::app, "http line: Server: cisco-IOS", 60443);
  REQUIRE(cisco);
  CHECK(cisco->hitrate == 1.0);
  CHECK(cisco->support == 108);
  CHECK(rule(80, FeatureKind::app, "service: http.server", 60443));
  // Plain port 80 says little about 60443.
  const Rule* l4 = rule(80, FeatureKind::l4, "L4", 60443);
  REQUIRE(l4);
  CHECK(l4->hitrate < 0.5);
  // Windows: 445 and 3389 predict each other.
  const Rule* a = rule(445, FeatureKind::l4, "L4", 3389);
  const Rule* b = rule(3389, FeatureKind::l4, "L4", 445);
  REQUIRE(a);
  REQUIRE(b);
  CHECK(a->hitrate >= 0.95);
  CHECK(b->hitrate >= 0.95);
  CHECK(a->support >= 80);
  // Every 60443 service of a cisco host is predicted from port 80 with hitrate 1.
  size_t p60443 = 0;
  for (const auto& p : m.preds)
    if (p.port == 60443) {
      ++p60443;
      CHECK(p.pred_port == 80);
      CHECK(p.hitrate == 1.0);
    }
  CHECK(p60443 == 108);
  // The plan is one /22 of 198.18.0.0: at most a few /16 rows, the top one the most common port.
  REQUIRE(!m.plan.empty());
  CHECK(m.plan[0].prefix == ip4("198.18.0.0"));
}

// Rules (sorted by (p1, feature, p2)) cut into `ranks` ranges as gps model
// spreads them: range r begins at the first rule of the group holding rule
// r * n / P, so a (p1, feature) group never spans two ranges.
static std::vector<size_t> group_cuts(const std::vector<Rule>& rules, size_t ranks) {
  std::vector<size_t> cut{0};
  for (size_t r = 1; r < ranks; ++r) {
    size_t at = std::max(cut.back(), rules.size() * r / ranks);
    while (at > cut.back() && at < rules.size() && rules[at].p1 == rules[at - 1].p1 &&
           rules[at].feature == rules[at - 1].feature)
      --at;
    cut.push_back(at);
  }
  cut.push_back(rules.size());
  return cut;
}

TEST_CASE("gps: predictors from rules spread over simulated ranks equal the one-rank search", "[gps]") {
  // What gps model does at P ranks: rules split into ranges of (p1, feature)
  // (never one group across two ranks), each range answers the queries that
  // fall in it, the hosts' ranks choose. Against best_predictors, which the
  // oracle tests above check.
  Input in = synthetic_seed(11, 2000);
  FeatureDictionary dict;
  SeedHosts seed = build_seed(in.status, in.banners, FeatureOptions{}, {}, dict);
  ModelOptions mo;
  mo.hitrate_cutoff = 1e-4;
  const auto rules = rules_from_counts(count_model(seed, mo), mo);
  REQUIRE(rules.size() > 100);
  const auto want = best_predictors(seed, rules, dict, mo);
  REQUIRE(want.size() > 100);
  const auto queries = predictor_queries(seed, mo);
  for (size_t ranks : {size_t(1), size_t(2), size_t(3), size_t(5), size_t(16)}) {
    const auto cut = group_cuts(rules, ranks);
    std::vector<PredictorCandidate> candidates;
    for (size_t r = 0; r < ranks; ++r) {
      const std::vector<Rule> slice(rules.begin() + std::ptrdiff_t(cut[r]), rules.begin() + std::ptrdiff_t(cut[r + 1]));
      const RuleRanges ranges(slice);
      for (const auto& q : queries) {
        const auto ports = std::span<const uint16_t>(seed.port).subspan(size_t(seed.host_begin[q.host]), seed.ports_of(q.host));
        answer_predictor_query(ranges, q, ports, candidates);
      }
    }
    std::reverse(candidates.begin(), candidates.end());  // arrival order must not matter
    CHECK(choose_predictors(seed, candidates, dict, mo) == want);
  }
}

TEST_CASE("gps: predictions from rules spread over simulated ranks equal the one-rank predict", "[gps]") {
  // What gps predict and gps simulate do at P ranks: each found service's
  // questions go to the range of its (port, feature), the range thins its
  // candidates per (ip, port), the hosts' ranks choose. Against predict().
  Input in = synthetic_seed(12, 3000);
  FeatureDictionary dict;
  SeedHosts all = build_seed(in.status, in.banners, FeatureOptions{}, {}, dict);
  ModelOptions mo;
  mo.hitrate_cutoff = 1e-4;
  const SeedHosts seed = seed_slice(all, 0, all.hosts() / 2), found = all;
  auto rules = rules_from_counts(count_model(seed, mo), mo);
  std::sort(rules.begin(), rules.end(), [](const Rule& a, const Rule& b) {
    return std::tie(a.p1, a.feature, a.p2) < std::tie(b.p1, b.feature, b.p2);
  });
  REQUIRE(rules.size() > 100);
  const PlanIndex plan(scan_plan(best_predictors(seed, rules, dict, mo), 16, 1e-5));
  std::unordered_set<uint64_t> seed_services;
  for (size_t h = 0; h < seed.hosts(); ++h)
    for (uint64_t s = seed.host_begin[h]; s < seed.host_begin[h + 1]; ++s)
      seed_services.insert(service_code(seed.ip[h], seed.port[s]));
  const auto want = predict(found, RuleIndex(rules), plan, seed_services);
  REQUIRE(want.size() > 100);
  const auto queries = predict_queries(found);
  for (size_t ranks : {size_t(1), size_t(2), size_t(3), size_t(7), size_t(16)}) {
    const auto cut = group_cuts(rules, ranks);
    std::vector<Prediction> candidates;
    for (size_t r = 0; r < ranks; ++r) {
      const std::vector<Rule> slice(rules.begin() + std::ptrdiff_t(cut[r]), rules.begin() + std::ptrdiff_t(cut[r + 1]));
      const RuleRanges ranges(slice);
      std::vector<Prediction> answers;
      if (r % 2) {  // thinned host by host where they are answered, the plan's services dropped there
        answer_predict_queries(ranges, queries, answers, r % 4 == 1 ? &plan : nullptr);
      } else {
        for (const auto& q : queries) answer_predict_query(ranges, q, answers);
        keep_best_predictions(answers);
      }
      candidates.insert(candidates.end(), answers.begin(), answers.end());
    }
    std::reverse(candidates.begin(), candidates.end());  // arrival order must not matter
    CHECK(choose_predictions(candidates, plan, seed_services) == want);
  }
}

TEST_CASE("gps: ids hashed without texts, texts recovered on demand, pairs of frequent keys only", "[gps]") {
  // What gps model does without --all-features: the seed's ids hashed only,
  // pairs counted only for (p1, feature) keys whose base count exceeds
  // min_support, the rules' texts recovered afterwards. Against the
  // dictionary build, which the oracle tests above check.
  Input in = synthetic_seed(23, 2500);
  {  // rare lines (a Date header) on the services of multi-port hosts: keys that never make a rule
    FeatureDictionary d;
    const SeedHosts first = build_seed(in.status, in.banners, FeatureOptions{}, {}, d);
    for (size_t h = 0, n = 0; h < first.hosts() && n < 200; ++h)
      if (first.ports_of(h) >= 2)
        for (uint64_t s = first.host_begin[h]; s < first.host_begin[h + 1]; ++s, ++n)
          in.banner(first.ip[h], first.port[s], "http", "Date: " + std::to_string(n) + " GMT\r\nServer: z");
  }
  auto table = AsnTable::from_pfx2as("10.0.0.0\t8\t100\n10.1.0.0\t16\t200\n");
  FeatureDictionary dict;
  const SeedHosts with_texts = build_seed(in.status, in.banners, FeatureOptions{}, table.lookup_fn(), dict);
  const SeedHosts ids_only = build_seed(in.status, in.banners, FeatureOptions{}, table.lookup_fn(), nullptr, nullptr);
  REQUIRE(with_texts == ids_only);
  // Each service's hashed ids are feature_id of its texts.
  std::vector<BannerText> texts = {{"http", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"}, {"gps:fingerprint", "http"},
                                   {"gps:window", "29200"}, {"gps:asn", "64512"}, {"ssh", "SSH-2.0-y\n\xff\x01"}};
  for (bool crosses : {true, false}) {
    FeatureOptions fo;
    fo.crosses = crosses;
    fo.net_max_len = 18;
    std::vector<uint64_t> want;
    for (const auto& [kind, text] : service_feature_texts(ip4("10.1.2.3"), texts, fo, 7)) want.push_back(feature_id(kind, text));
    std::sort(want.begin(), want.end());
    want.erase(std::unique(want.begin(), want.end()), want.end());
    CHECK(service_feature_ids(ip4("10.1.2.3"), texts, fo, 7) == want);
  }
  ModelOptions mo;
  {  // Features for the counted hosts only (gps model): theirs unchanged, the others' empty, the same counts.
    FeatureOptions counted;
    counted.min_host_ports = mo.min_ports;
    counted.max_host_ports = mo.max_ports;
    const SeedHosts some = build_seed(in.status, in.banners, counted, table.lookup_fn(), nullptr, nullptr);
    REQUIRE(some.ip == ids_only.ip);
    REQUIRE(some.port == ids_only.port);
    size_t empty = 0;
    for (size_t h = 0; h < some.hosts(); ++h)
      for (uint64_t s = some.host_begin[h]; s < some.host_begin[h + 1]; ++s) {
        const bool counted_host = some.ports_of(h) >= mo.min_ports && some.ports_of(h) <= mo.max_ports;
        const std::vector<uint64_t> a(some.feature.begin() + int64_t(some.feat_begin[s]),
                                      some.feature.begin() + int64_t(some.feat_begin[s + 1]));
        const std::vector<uint64_t> b(ids_only.feature.begin() + int64_t(ids_only.feat_begin[s]),
                                      ids_only.feature.begin() + int64_t(ids_only.feat_begin[s + 1]));
        CHECK(a == (counted_host ? b : std::vector<uint64_t>{}));
        empty += !counted_host;
      }
    CHECK(empty > 0);
    CHECK(count_model(some, mo) == count_model(ids_only, mo));
  }
  // Pairs of frequent keys only: the same rules.
  const ModelCounts all = count_model(ids_only, mo);
  std::vector<uint8_t> keep(ids_only.feature.size(), 0);
  size_t kept = 0;
  for (size_t s = 0; s < ids_only.services(); ++s)
    for (uint64_t k = ids_only.feat_begin[s]; k < ids_only.feat_begin[s + 1]; ++k) {
      const BaseKey key{ids_only.port[s], ids_only.feature[k]};
      auto it = std::lower_bound(all.base.begin(), all.base.end(), key,
                                 [](const BaseCount& c, const BaseKey& x) { return c.key < x; });
      keep[k] = it != all.base.end() && it->key == key && it->count > mo.min_support;
      kept += keep[k];
    }
  REQUIRE(kept > 0);
  REQUIRE(kept < keep.size());
  ModelCounts filtered = count_model(ids_only, mo, {false, true, &keep});
  CHECK(filtered.base.empty());
  CHECK(filtered.pairs.size() < all.pairs.size());
  filtered.base = all.base;
  const auto rules = rules_from_counts(all, mo);
  REQUIRE(rules.size() > 50);
  CHECK(rules_from_counts(filtered, mo) == rules);
  CHECK(best_predictors(ids_only, rules, dict, mo, &keep) == best_predictors(with_texts, rules, dict, mo));
  // The rules' texts, recovered from the rows, equal the whole dictionary's.
  std::vector<uint64_t> wanted;
  for (const auto& r : rules) wanted.push_back(r.feature);
  std::sort(wanted.begin(), wanted.end());
  wanted.erase(std::unique(wanted.begin(), wanted.end()), wanted.end());
  FeatureDictionary recovered;
  recover_feature_texts(ids_only, seed_rows(in.status, in.banners), in.banners, FeatureOptions{}, table.lookup_fn(), wanted, recovered, &keep);
  REQUIRE(recovered.size() == wanted.size());
  for (uint64_t id : wanted) CHECK(recovered.text(id) == dict.text(id));
  // A sample of the hosts (as gps model --seed-fraction gives) finds the texts of its own rules.
  const SeedHosts half = seed_slice(ids_only, ids_only.hosts() / 2, ids_only.hosts());
  FeatureDictionary from_half;
  recover_feature_texts(half, seed_rows(in.status, in.banners), in.banners, FeatureOptions{}, table.lookup_fn(), wanted, from_half);
  CHECK(from_half.size() > 0);
  for (const auto& e : from_half.sorted_entries()) CHECK(e.text == dict.text(e.id));
}
