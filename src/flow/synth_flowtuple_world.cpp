#include "synth_flowtuple_world.hpp"

#include <algorithm>
#include <stdexcept>

#include "scanhpc/core/random.hpp"

namespace scanhpc::flow::synth {
namespace {

struct Country {
  char code[3];
  char continent[3];
  uint32_t weight;  // share of source /16s, Zipf-like
};
// Continents as MaxMind / NetAcq give them (Turkey and Iran in Asia).
constexpr Country kCountries[] = {
    {"CN", "AS", 200}, {"US", "NA", 150}, {"RU", "EU", 90}, {"BR", "SA", 70}, {"IN", "AS", 60}, {"VN", "AS", 45},
    {"KR", "AS", 40},  {"DE", "EU", 35},  {"NL", "EU", 30}, {"TW", "AS", 30}, {"ID", "AS", 28}, {"FR", "EU", 25},
    {"GB", "EU", 25},  {"TR", "AS", 20},  {"JP", "AS", 20}, {"IR", "AS", 18}, {"UA", "EU", 15}, {"EG", "AF", 12},
    {"MX", "NA", 12},  {"AR", "SA", 10},  {"CA", "NA", 10}, {"IT", "EU", 10}, {"PL", "EU", 8},  {"TH", "AS", 8},
    {"SC", "AF", 5},
};

constexpr uint32_t total_weight() {
  uint32_t t = 0;
  for (const auto& c : kCountries) t += c.weight;
  return t;
}

const Country& weighted_country(uint64_t u) {
  uint64_t x = below(u, total_weight());
  for (const auto& c : kCountries) {
    if (x < c.weight) return c;
    x -= c.weight;
  }
  return kCountries[0];
}

Code2 code(const char* s) { return Code2((uint16_t(uint8_t(s[0])) << 8) | uint8_t(s[1])); }

// Country mixes forced on a population, per mille; the rest follows the /16 table.
struct Mix {
  const char* country;
  uint32_t per_mille;
};
constexpr Mix kHighTtlMix[] = {{"RU", 400}, {"SC", 120}, {"US", 70}, {"NL", 60}, {"DE", 40}};
constexpr Mix kTelnetMix[] = {{"BR", 200}, {"CN", 150}, {"IN", 100}, {"VN", 100}, {"KR", 50}, {"RU", 50},
                              {"ID", 50},  {"TW", 40},  {"EG", 30},  {"IR", 30},  {"MX", 20}, {"AR", 20}};
constexpr const char* kSweeperCountries[] = {"RU", "RU", "RU", "NL", "US", "SC"};
constexpr uint16_t kSweeperPorts[] = {3389, 22, 445, 5900, 8080, 1433};

template <size_t N>
Code2 mix_country(const Mix (&mix)[N], uint64_t u) {
  uint64_t x = below(u, 1000);
  for (const auto& m : mix) {
    if (x < m.per_mille) return code(m.country);
    x -= m.per_mille;
  }
  return 0;  // any country
}

enum Stream : uint64_t { kGeo = 0x67656f, kMaxmind, kAsn, kSource, kSourceAttr, kSweep };

}  // namespace

uint32_t feistel16(uint64_t key, uint32_t x) {
  uint32_t l = x >> 8, r = x & 255;
  for (int i = 0; i < 4; ++i) {
    const uint32_t t = l ^ uint32_t(mix64(key + uint64_t(i) * 0x100 + r) & 255);
    l = r;
    r = t;
  }
  return (l << 8) | r;
}

Geo World::geo(uint32_t src_ip) const {
  const uint64_t s16 = src_ip >> 16;
  const Country& na = weighted_country(hash2(seed ^ kGeo, s16));
  Geo g;
  g.netacq_country = code(na.code);
  g.netacq_continent = code(na.continent);
  const uint64_t h = hash2(seed ^ kMaxmind, s16);
  const uint64_t roll = below(h, 100);
  if (roll >= 2) {  // 2%: MaxMind has no answer ("??")
    const Country& mm = roll < 5 ? weighted_country(mix64(h)) : na;  // 3%: the databases may disagree
    g.maxmind_country = code(mm.code);
    g.maxmind_continent = code(mm.continent);
  }
  const uint64_t a = hash2(seed ^ kAsn, s16);
  g.asn = below(a, 100) == 0 ? 0 : uint32_t(1000 + below(mix64(a), 63000));  // 1%: unknown
  return g;
}

void World::tag(Ft3Record& r) const {
  const Geo g = geo(r.src_ip);
  r.maxmind_continent = g.maxmind_continent; r.maxmind_country = g.maxmind_country;
  r.netacq_continent = g.netacq_continent; r.netacq_country = g.netacq_country;
  r.prefix2asn = g.asn;
  r.is_masscan = masscan_by_rules(r);
  r.is_spoofed = spoofed_by_rules(r);
}

bool World::usable_source(uint32_t ip) const {
  const uint32_t first = ip >> 24;
  const uint32_t mask = ~uint32_t(0) << (32 - opt.telescope_prefix_len);
  return first != 0 && first != 10 && first != 127 && first < 224 && (ip & mask) != opt.telescope_net;
}

Source World::make_source(Pop p, uint32_t i, Code2 want) const {
  const uint64_t key = seed ^ kSource ^ (uint64_t(p) << 48);
  Source s;
  for (uint64_t t = 0;; ++t) {
    const uint64_t h = hash2(key, uint64_t(i) << 24 | t);
    uint32_t ip = uint32_t(h >> 32);
    if (p == Pop::steady130) ip = (130u << 24) | (ip & 0xFFFFFF);
    if (opt.source_prefix_len) {
      const uint32_t mask = ~uint32_t(0) << (32 - opt.source_prefix_len);
      ip = opt.source_net | (ip & ~mask);
    }
    const uint32_t last = p == Pop::noise ? (h & 1 ? 255 : 0) : uint32_t(1 + below(h, 254));
    ip = (ip & ~0xFFu) | last;
    if (!usable_source(ip)) continue;
    if (want != 0 && !opt.source_prefix_len && t < 100000 && geo(ip).netacq_country != want) continue;
    s.ip = ip;
    break;
  }
  SplitMix64 a{hash2(seed ^ kSourceAttr ^ (uint64_t(p) << 48), i)};
  s.flavor = uint8_t(a.below(2));
  s.sport = uint16_t(1024 + a.below(64512));
  const uint8_t low_ttl = uint8_t(64 - a.below(25));  // 40..64: initial 64 minus hops
  switch (p) {
    case Pop::high_ttl: s.ttl = uint8_t(200 + a.below(56)); break;
    case Pop::telnet: s.ttl = uint8_t(61 - a.below(22)); break;
    case Pop::backscatter:
      s.ttl = uint8_t((s.flavor ? 128 : 64) - 5 - a.below(16));
      s.sport = s.flavor ? 443 : 80;
      break;
    case Pop::icmp_scan: s.ttl = a.below(5) == 0 ? uint8_t(240 + a.below(16)) : low_ttl; break;  // 20%: zmap-like 255
    case Pop::icmp_unreach: s.ttl = a.below(2) ? uint8_t(230 + a.below(25)) : low_ttl; break;   // router replies
    case Pop::udp: s.ttl = uint8_t(40 + a.below(81)); break;
    default: s.ttl = low_ttl; break;
  }
  return s;
}

World::World(const SynthFlowOptions& o)
    : opt(o), seed(mix64(o.seed)), telescope_size(uint64_t(1) << (32 - std::min(o.telescope_prefix_len, 32u))) {
  if (o.telescope_prefix_len < 8 || o.telescope_prefix_len > 16) {
    throw std::invalid_argument("telescope prefix must be /8../16");
  }
  if (o.telescope_net & uint32_t(telescope_size - 1)) throw std::invalid_argument("telescope_net has host bits set");
  if (o.sweep_per_minute > 65536) throw std::invalid_argument("sweep_per_minute must be <= 65536");
  if (o.source_prefix_len) {
    if (o.source_prefix_len < 8 || o.source_prefix_len > 24) throw std::invalid_argument("source prefix must be /8../24");
    const uint32_t mask = ~uint32_t(0) << (32 - o.source_prefix_len);
    if (o.source_net & ~mask) throw std::invalid_argument("source net has host bits set");
    if (!usable_source(o.source_net | 1) || !usable_source(o.source_net | (~mask & ~0xFFu) | 1))
      throw std::invalid_argument("source net must be public unicast space outside the telescope");
  }
  if (o.population_scale == 0) throw std::invalid_argument("population_scale must be >= 1");
  const uint64_t r = uint64_t(o.records_per_minute) * o.population_scale;
  auto count = [&](uint64_t lo, uint64_t per) { return uint32_t(std::max(lo, r / per)); };
  const std::pair<Pop, uint32_t> sizes[] = {
      {Pop::high_ttl, count(8, 400)}, {Pop::telnet, count(20, 40)},     {Pop::backscatter, count(4, 4000)},
      {Pop::icmp_scan, count(8, 400)}, {Pop::icmp_unreach, count(8, 1000)}, {Pop::udp, count(10, 200)},
      {Pop::gre, count(2, 20000)},     {Pop::noise, count(8, 1000)},   {Pop::steady130, std::max(1u, o.sources_130)}};
  for (auto [p, n] : sizes) {
    auto& v = pops_[size_t(p)];
    for (uint32_t i = 0; i < n; ++i) {
      const uint64_t u = hash2(seed ^ kSource ^ 0x6d6978, uint64_t(p) << 32 | i);
      Code2 want = 0;  // any country
      if (p == Pop::high_ttl) want = mix_country(kHighTtlMix, u);
      if (p == Pop::telnet) want = mix_country(kTelnetMix, u);
      v.push_back(make_source(p, i, want));
    }
  }
  const uint32_t nets16 = 1u << (16 - o.telescope_prefix_len);
  const uint64_t first16 = below(hash2(seed ^ kSweep, 0), nets16);
  for (uint32_t j = 0; j < o.sweepers; ++j) {
    Sweeper sw;
    sw.source = make_source(Pop::count, j, code(kSweeperCountries[j % 6]));  // Pop::count: the sweepers' own stream
    SplitMix64 a{hash2(seed ^ kSweep, j + 1)};
    sw.source.ttl = uint8_t(240 + a.below(12));
    sw.source.sport = uint16_t(30000 + a.below(30000));
    sw.dst_net16 = o.telescope_net | uint32_t(((first16 + uint64_t(j) * 0x9D) % nets16) << 16);
    sw.dst_port = kSweeperPorts[j % 6];
    sw.perm_key = a.next();
    sw.offset = a.below(65536);
    sweepers.push_back(sw);
  }
}

}  // namespace scanhpc::flow::synth
