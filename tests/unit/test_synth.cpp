// The synthetic masscan generator, checked by parsing its -oJ output back
// with a small independent sscanf parser.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "scanhpc/io/masscan_writer.hpp"
#include "scanhpc/io/synth_masscan.hpp"

using namespace scanhpc;

namespace {

struct Parsed {
  bool banner = false;
  uint32_t ip = 0, ts = 0;
  uint16_t port = 0;
  std::string reason;
  unsigned ttl = 0;
  std::string service;
};

std::vector<Parsed> parse_json(const std::string& text) {
  std::vector<Parsed> out;
  std::istringstream in(text);
  std::string line;
  size_t lineno = 0;
  while (std::getline(in, line)) {
    ++lineno;
    if (lineno == 1) {
      REQUIRE(line == "[");
      continue;
    }
    if (line == "," || line == "]") continue;
    unsigned a, b, c, d, ts, port, ttl;
    char reason[64], name[64];
    Parsed p;
    if (std::sscanf(line.c_str(),
                    "{   \"ip\": \"%u.%u.%u.%u\",   \"timestamp\": \"%u\", \"ports\": [ {\"port\": %u, \"proto\": "
                    "\"tcp\", \"status\": \"open\", \"reason\": \"%63[^\"]\", \"ttl\": %u} ] }",
                    &a, &b, &c, &d, &ts, &port, reason, &ttl) == 8) {
      p.reason = reason;
      p.ttl = ttl;
    } else if (std::sscanf(line.c_str(),
                           "{   \"ip\": \"%u.%u.%u.%u\",   \"timestamp\": \"%u\", \"ports\": [ {\"port\": %u, "
                           "\"proto\": \"tcp\", \"service\": {\"name\": \"%63[^\"]\", \"banner\": \"",
                           &a, &b, &c, &d, &ts, &port, name) == 7) {
      p.banner = true;
      p.service = name;
    } else {
      FAIL("unparsed line " << lineno << ": " << line);
    }
    REQUIRE((a < 256 && b < 256 && c < 256 && d < 256 && port < 65536));
    p.ip = (a << 24) | (b << 16) | (c << 8) | d;
    p.ts = ts;
    p.port = uint16_t(port);
    out.push_back(p);
  }
  return out;
}

std::string synth(const SynthMasscanOptions& o, const char* format = "json", uint64_t* records = nullptr) {
  std::string out;
  MasscanWriter w(format, out);
  uint64_t n = write_synthetic_masscan(o, w);
  if (records) *records = n;
  CHECK(w.records() == n);
  return out;
}

uint64_t key(uint32_t ip, uint16_t port) { return (uint64_t(ip) << 16) | port; }

}  // namespace

TEST_CASE("synth masscan: zero services give a 0-byte file", "[synth]") {
  SynthMasscanOptions o;
  o.services = 0;
  for (const char* fmt : {"json", "ndjson", "list", "grepable", "xml"}) {
    uint64_t records = 99;
    CHECK(synth(o, fmt, &records).empty());
    CHECK(records == 0);
  }
}

TEST_CASE("synth masscan: deterministic for a seed, different across seeds", "[synth]") {
  SynthMasscanOptions o;
  o.services = 20000;
  o.seed = 7;
  o.banner_fraction = 0.2;
  o.multiprobe_boost = 20;
  const std::string a = synth(o);
  CHECK(a == synth(o));
  o.seed = 8;
  const std::string b = synth(o);
  CHECK(a != b);
  CHECK(a.size() > 20000 * 120);
  // Every format carries the same records in the same order.
  o.seed = 7;
  uint64_t n_json = 0, n_list = 0, n_nd = 0, n_xml = 0, n_grep = 0;
  synth(o, "json", &n_json);
  const std::string list = synth(o, "list", &n_list);
  const std::string nd = synth(o, "ndjson", &n_nd);
  synth(o, "xml", &n_xml);
  synth(o, "grepable", &n_grep);
  CHECK(n_json == n_list);
  CHECK(n_json == n_nd);
  CHECK(n_json == n_xml);
  CHECK(n_json == n_grep);
  CHECK(size_t(std::count(nd.begin(), nd.end(), '\n')) == n_nd);
  CHECK(size_t(std::count(list.begin(), list.end(), '\n')) == n_list + 2);
  const auto recs = parse_json(a);
  REQUIRE(recs.size() == n_json);
  std::istringstream in(list);
  std::string line;
  std::getline(in, line);
  CHECK(line == "#masscan");
  for (const auto& r : recs) {
    REQUIRE(std::getline(in, line));
    unsigned a1, b1, c1, d1, port, ts;
    char kind[16];
    REQUIRE(std::sscanf(line.c_str(), "%15s tcp %u %u.%u.%u.%u %u", kind, &port, &a1, &b1, &c1, &d1, &ts) == 7);
    CHECK(std::string(kind) == (r.banner ? "banner" : "open"));
    CHECK(port == r.port);
    CHECK(((a1 << 24) | (b1 << 16) | (c1 << 8) | d1) == r.ip);
    CHECK(ts == r.ts);
  }
}

TEST_CASE("synth masscan: probe classes follow the published countmap exactly", "[synth]") {
  SynthMasscanOptions o;
  o.services = 64774182 + 13038 + 750 + 27 + 1;
  auto c = synthetic_probe_classes(o);
  CHECK(c == std::array<uint64_t, 5>{64774182, 13038, 750, 27, 1});
  o.services = 1000;
  c = synthetic_probe_classes(o);
  CHECK(c == std::array<uint64_t, 5>{1000, 0, 0, 0, 0});
  o.multiprobe_boost = 0;
  o.services = 12345;
  CHECK(synthetic_probe_classes(o) == std::array<uint64_t, 5>{12345, 0, 0, 0, 0});
}

TEST_CASE("synth masscan: 200k services parsed back", "[synth]") {
  SynthMasscanOptions o;
  o.services = 200000;
  o.seed = 42;
  o.multiprobe_boost = 50;
  o.banner_fraction = 0.1;
  uint64_t records = 0;
  const std::string text = synth(o, "json", &records);
  const auto recs = parse_json(text);
  REQUIRE(recs.size() == records);

  // Timestamps never go back and lie in [start, start + duration + 160 + 2].
  for (size_t i = 1; i < recs.size(); ++i) REQUIRE(recs[i - 1].ts <= recs[i].ts);
  CHECK(recs.front().ts >= o.start_time);
  CHECK(recs.back().ts <= o.start_time + o.duration_s + 4 * 40 + 2);

  struct Service {
    std::vector<uint32_t> ts;
    std::set<std::string> reasons;
    uint32_t banner_first_ts = 0;
  };
  std::unordered_map<uint64_t, Service> services;
  std::unordered_map<uint32_t, std::set<unsigned>> ttl_of_host;
  std::unordered_map<uint32_t, unsigned> ports_of_host;
  std::map<std::string, uint64_t> reason_count;
  std::map<uint16_t, uint64_t> port_count;
  uint64_t status_records = 0, status_bytes = 0, banner_records = 0;
  for (const auto& r : recs) {
    if (r.banner) {
      ++banner_records;
      auto it = services.find(key(r.ip, r.port));
      REQUIRE(it != services.end());  // a banner follows its service's SYN-ACK
      CHECK(r.ts > it->second.ts.front());
      continue;
    }
    ++status_records;
    auto& s = services[key(r.ip, r.port)];
    if (s.ts.empty()) {
      ++ports_of_host[r.ip];
      ++port_count[r.port];
      ++reason_count[r.reason];
    }
    s.ts.push_back(r.ts);
    s.reasons.insert(r.reason);
    ttl_of_host[r.ip].insert(r.ttl);
  }
  status_bytes = text.size();
  CHECK(services.size() == o.services);
  CHECK(banner_records > 0);
  CHECK(double(status_bytes) / double(recs.size()) > 130);
  CHECK(double(status_bytes) / double(recs.size()) < 190);

  // Probes per service: the published countmap with classes 2..5 x 50,
  // split by largest remainder (so within 1 of the exact proportion).
  const double w[5] = {64774182.0, 13038.0 * 50, 750.0 * 50, 27.0 * 50, 1.0 * 50};
  const double wsum = w[0] + w[1] + w[2] + w[3] + w[4];
  std::array<uint64_t, 5> probes{};
  const std::set<uint32_t> seed_intervals{0,  1,  2,  3,  4,  5,  6,  7,  8,  9,  10, 11, 12, 13, 14,
                                          15, 16, 17, 18, 19, 23, 24, 25, 28, 29, 31, 32, 33, 34, 40};
  uint64_t intervals = 0, short_intervals = 0;
  for (const auto& [k, s] : services) {
    REQUIRE(s.ts.size() >= 1);
    REQUIRE(s.ts.size() <= 5);
    ++probes[s.ts.size() - 1];
    CHECK(s.reasons.size() == 1);  // one reason per service
    for (size_t i = 1; i < s.ts.size(); ++i) {
      uint32_t d = s.ts[i] - s.ts[i - 1];
      CHECK(seed_intervals.count(d) == 1);
      ++intervals;
      short_intervals += d <= 10;
    }
  }
  for (int k = 0; k < 5; ++k) {
    double expected = double(o.services) * w[k] / wsum;
    CHECK(std::abs(double(probes[k]) - expected) <= 1.0);
  }
  CHECK(probes == synthetic_probe_classes(o));
  CHECK(double(o.services - probes[0]) / double(o.services) >= 0.01);
  CHECK(status_records == probes[0] + 2 * probes[1] + 3 * probes[2] + 4 * probes[3] + 5 * probes[4]);
  // The seed's interval distribution: ~70 % of intervals are <= 10 s.
  REQUIRE(intervals > 1000);
  CHECK(double(short_intervals) / double(intervals) > 0.6);
  CHECK(double(short_intervals) / double(intervals) < 0.85);

  // Reasons: seed list, syn-ack dominant.
  const std::set<std::string> seed_reasons{"syn-ack",     "syn-ack-ece-cwr", "syn-ack-ece",
                                           "syn-psh-ack", "syn-ack-cwr",     "fin-syn-ack"};
  for (const auto& [r, n] : reason_count) CHECK(seed_reasons.count(r) == 1);
  CHECK(double(reason_count["syn-ack"]) / double(o.services) > 0.9);

  // One ttl per host, plausible values; IPs outside reserved space.
  for (const auto& [ip, ttls] : ttl_of_host) {
    CHECK(ttls.size() == 1);
    unsigned t = *ttls.begin();
    CHECK(((t >= 30 && t < 64) || (t >= 100 && t < 128) || (t >= 225 && t < 255)));
    uint32_t a = ip >> 24;
    CHECK((a != 0 && a != 10 && a != 127 && a < 224));
  }

  // Ports: the seed's 11 ports dominate, 80 and 443 first.
  const std::set<uint16_t> seed_ports{21, 22, 23, 80, 443, 3389, 4444, 5601, 8000, 8443, 9200};
  uint64_t on_seed_ports = 0;
  for (const auto& [p, n] : port_count)
    if (seed_ports.count(p)) on_seed_ports += n;
  CHECK(double(on_seed_ports) / double(o.services) > 0.9);
  CHECK(port_count.size() > 11);
  std::vector<std::pair<uint64_t, uint16_t>> by_count;
  for (const auto& [p, n] : port_count) by_count.push_back({n, p});
  std::sort(by_count.rbegin(), by_count.rend());
  CHECK(by_count[0].second == 80);
  CHECK(by_count[1].second == 443);

  // Hosts: mostly one port, a tail up to 10; clustered in hot /16s.
  std::array<uint64_t, 11> hosts_with{};
  std::map<uint32_t, uint64_t> hosts_per_16;
  for (const auto& [ip, n] : ports_of_host) {
    REQUIRE(n <= 10);
    ++hosts_with[n];
    ++hosts_per_16[ip >> 16];
  }
  const double hosts = double(ports_of_host.size());
  CHECK(double(hosts_with[1]) / hosts > 0.6);
  CHECK(hosts_with[2] > hosts_with[3]);
  CHECK(hosts_with[3] > hosts_with[5]);
  uint64_t top = 0;
  for (const auto& [p, n] : hosts_per_16) top = std::max(top, n);
  CHECK(hosts_per_16.size() > 100);
  CHECK(double(top) / hosts > 0.05);  // a prefix partitioner must split a hot /16
}
