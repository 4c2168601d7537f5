#pragma once
// A plain, sequential restatement of GPS's SQL (../shared/reference/gps.md)
// over (ip, port, feature text) triples with std::map / std::set. Written
// without any of the kernel's code (scanhpc::gps), to check its rules,
// predictors and plan exactly. Slow and simple on purpose.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "scanhpc/core/observations.hpp"

namespace scanhpc::gps_oracle {

struct Params {
  int net_min = 16, net_max = 16;  // s<len> features for len in [net_min, net_max]
  bool crosses = true;
  std::function<std::optional<uint32_t>(uint32_t)> asn;  // may be empty
  uint32_t min_ports = 2, max_ports = 10;
  uint64_t min_support = 2;
  double cutoff = 1e-5;
  int step = 16;
};

struct Rule {
  uint16_t p1;
  std::string feature;
  uint16_t p2;
  uint64_t support, base;
  double hitrate;
  friend bool operator==(const Rule&, const Rule&) = default;
};

struct Pred {
  uint32_t ip;
  uint16_t port, pred_port;
  std::string feature;  // "" for single-port hosts
  uint64_t support;
  double hitrate;
  friend bool operator==(const Pred&, const Pred&) = default;
};

struct PlanRow {
  uint16_t port;
  uint32_t prefix;
  uint64_t services;
  friend bool operator==(const PlanRow&, const PlanRow&) = default;
};

struct Result {
  std::set<std::tuple<uint32_t, uint16_t, std::string>> triples;  // (ip, port, feature)
  std::vector<Rule> rules;   // by (p1, feature text, p2)
  std::vector<Pred> preds;   // by (ip, port)
  std::vector<PlanRow> plan; // by (services DESC, port, prefix)
};

inline std::string oracle_hex(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08x", v);
  return buf;
}

inline uint32_t oracle_trunc(uint32_t ip, int len) {
  if (len == 0) return 0;
  uint32_t mask = 0xffffffffu << (32 - len);
  return ip & mask;
}

inline Result run(const StatusColumns& status, const BannerColumns& banners, const Params& prm) {
  using Svc = std::pair<uint32_t, uint16_t>;
  // 1. Services: open status rows (status 1 = open) and every banner row.
  std::set<Svc> services;
  for (size_t i = 0; i < status.size(); ++i)
    if (status.status[i] == 1) services.insert({status.ip[i], status.port[i]});
  std::map<Svc, std::set<std::string>> app;
  for (size_t i = 0; i < banners.size(); ++i) {
    Svc s{banners.ip[i], banners.port[i]};
    services.insert(s);
    auto& a = app[s];
    std::string name(banners.service.at(i));
    if (name != "") a.insert("service: " + name);
    std::string data(banners.banner.at(i));
    std::string line;
    for (size_t k = 0; k <= data.size(); ++k) {
      if (k == data.size() || data[k] == '\n') {
        if (!line.empty() && line[line.size() - 1] == '\r') line.pop_back();
        if (line != "") a.insert("http line: " + line);
        line.clear();
      } else {
        line += data[k];
      }
    }
  }

  // 2. Features of every service.
  Result res;
  std::map<Svc, std::set<std::string>> feats;
  for (const auto& s : services) {
    auto& f = feats[s];
    f.insert("L4");
    for (const auto& a : app[s]) f.insert(a);
    for (int len = prm.net_min; len <= prm.net_max; ++len)
      f.insert(std::string("s").append(std::to_string(len)).append(": ").append(oracle_hex(oracle_trunc(s.first, len))));  // not "s" + ...: GCC 12's false -Wrestrict
    std::optional<uint32_t> asn;
    if (prm.asn) asn = prm.asn(s.first);
    if (asn) f.insert("asn: " + std::to_string(*asn));
    if (prm.crosses) {
      for (const auto& a : app[s]) {
        f.insert("16:" + a + "-" + oracle_hex(oracle_trunc(s.first, 16)));
        if (asn) f.insert("asn:" + a + "-asn: " + std::to_string(*asn));
      }
    }
    for (const auto& x : f) res.triples.insert({s.first, s.second, x});
  }

  // 3. Ports per host; hosts with min..max ports are used for the model.
  std::map<uint32_t, std::set<uint16_t>> ports;
  for (const auto& s : services) ports[s.first].insert(s.second);
  auto used = [&](uint32_t ip) {
    size_t n = ports[ip].size();
    return n >= prm.min_ports && n <= prm.max_ports;
  };

  // 4. base (p, server) and pairs (p1, server, p2) as sets of distinct ips.
  std::map<std::pair<uint16_t, std::string>, std::set<uint32_t>> base;
  std::map<std::tuple<uint16_t, std::string, uint16_t>, std::set<uint32_t>> pairs;
  for (const auto& [ip, p, f] : res.triples) {
    if (!used(ip)) continue;
    base[{p, f}].insert(ip);
    for (uint16_t p2 : ports[ip])
      if (p2 != p) pairs[{p, f, p2}].insert(ip);
  }

  // 5. found_corr: count_p2 > min_support and hitrate > cutoff.
  std::map<std::tuple<uint16_t, std::string, uint16_t>, Rule> rules;
  for (const auto& [k, ips] : pairs) {
    const auto& [p1, f, p2] = k;
    uint64_t count_p2 = ips.size();
    uint64_t cp_server = base[{p1, f}].size();
    double hitrate = double(count_p2) / double(cp_server);
    if (count_p2 > prm.min_support && hitrate > prm.cutoff) rules[k] = Rule{p1, f, p2, count_p2, cp_server, hitrate};
  }
  for (const auto& [k, r] : rules) res.rules.push_back(r);

  // 6. One predictor per seed service: ORDER BY hitrate DESC, neededP, p1_server.
  for (const auto& [ip, ps] : ports) {
    if (ps.size() == 1) {
      uint16_t p = *ps.begin();
      res.preds.push_back({ip, p, p, "", 0, 0.0});
      continue;
    }
    if (!used(ip)) continue;
    for (uint16_t p : ps) {
      const Rule* best = nullptr;
      for (uint16_t q : ps) {
        if (q == p) continue;
        for (const auto& f : feats[{ip, q}]) {
          auto it = rules.find({q, f, p});
          if (it == rules.end()) continue;
          const Rule& r = it->second;
          if (!best || std::make_tuple(-r.hitrate, r.p1, r.feature) < std::make_tuple(-best->hitrate, best->p1, best->feature))
            best = &r;
        }
      }
      if (best) res.preds.push_back({ip, p, best->p1, best->feature, best->support, best->hitrate});
    }
  }

  // 7. Scanning plan: GROUP BY neededP, IP_TRUNC(ip, STEP) WHERE c/POW(2,32-STEP) > hitrate ORDER BY c DESC.
  std::map<std::pair<uint16_t, uint32_t>, uint64_t> groups;
  for (const auto& pr : res.preds) groups[{pr.pred_port, oracle_trunc(pr.ip, prm.step)}] += 1;
  double block = 1.0;
  for (int i = 0; i < 32 - prm.step; ++i) block *= 2.0;
  std::vector<std::tuple<int64_t, uint16_t, uint32_t>> order;
  for (const auto& [k, c] : groups)
    if (double(c) / block > prm.cutoff) order.push_back({-int64_t(c), k.first, k.second});
  std::sort(order.begin(), order.end());
  for (const auto& [negc, port, prefix] : order) res.plan.push_back({port, prefix, uint64_t(-negc)});
  return res;
}

}  // namespace scanhpc::gps_oracle
