#include "scanhpc/ports/synth_honeypot.hpp"

#include <algorithm>
#include <charconv>
#include <stdexcept>

#include "scanhpc/core/random.hpp"

namespace scanhpc::ports {
namespace {

using namespace std::string_view_literals;

struct PortWeight {
  uint16_t port;  // 0 = a random tail port
  uint32_t weight;
};
// Zipf-like, after seed 003's summaries (1433 far ahead, then 445, 3389, ...).
constexpr PortWeight kTcpPorts[] = {
    {1433, 300}, {445, 110}, {3389, 85}, {80, 55}, {8080, 43}, {22, 42}, {3306, 40}, {135, 28}, {23, 8},
    {21, 12},    {25, 10},   {443, 9},   {1080, 6}, {5900, 6}, {8888, 5}, {139, 5}, {110, 3},  {3128, 3},
    {5432, 3},   {6379, 2},  {0, 30}};  // TCP 1434 only from neighbour probes
constexpr size_t kTcp23 = 8;  // index of TCP 23, whose weight rises month by month
constexpr PortWeight kUdpPorts[] = {{5060, 60}, {53, 35}, {137, 30}, {1434, 25}, {56338, 20}, {161, 15},
                                    {123, 10},  {1900, 8}, {500, 4},  {0, 10}};
constexpr uint8_t kIcmpTypes[] = {8, 8, 8, 8, 8, 8, 3, 3, 0, 11};

constexpr std::string_view kSensorNames[] = {"groucho-eu",     "groucho-norcal", "groucho-oregon",
                                             "groucho-sa",     "groucho-singapore", "groucho-sydney",
                                             "groucho-tokyo",  "groucho-us-east", "zeppo-norcal"};
constexpr uint32_t kSensorWeights[] = {14, 8, 12, 6, 10, 7, 11, 16, 4};

// srcstr is written from the address; these are the 7 columns after it.
constexpr std::string_view kGeo[] = {
    "CN,China,Jiangxi Sheng,36,,28.55,115.9333"sv,
    "CN,China,Beijing Shi,11,,39.9289,116.3883"sv,
    "US,United States,Washington, D.C.,DC,20001,38.9,-77.03"sv,  // unquoted comma, as in marx-geo
    "US,United States,California,CA,94043,37.4192,-122.0574"sv,
    "RU,Russia,Saint-Petersburg,SPE,,59.8944,30.2642"sv,
    "KR,Korea, Republic of,Seoul-teukbyeolsi,11,,37.5985,126.9783"sv,  // comma in the country
    "BR,Brazil,Sao Paulo,SP,,-23.5333,-46.6167"sv,
    "DE,Germany,,,,51,9"sv,
    "TW,Taiwan,T'ai-pei,03,,25.0392,121.525"sv,
};
constexpr size_t kGeoCommaA = 2, kGeoCommaB = 5;

struct BurstPort {
  uint8_t proto;
  uint16_t port;
};
constexpr BurstPort kBurstPorts[] = {{6, 135}, {6, 5900}, {17, 56338}, {6, 3306}, {6, 8080}};

enum Stream : uint64_t { kPlan = 1, kDay, kPool, kGeoPick };

struct Row {
  uint32_t tod;  // second of the day
  uint32_t seq;  // generation order, breaks ties deterministically
  uint32_t src;
  uint32_t sensor;
  uint8_t proto;
  uint8_t icmp_type;
  uint16_t sport, dport;
  bool duplicate;
};

// The source address of pool index i: hashed, outside 0/8, 10/8, 127/8 and 224/3.
uint32_t pool_address(uint64_t seed, uint64_t i) {
  uint32_t a = uint32_t(hash2(seed ^ (kPool << 56), i));
  uint32_t first = a >> 24;
  if (first == 0 || first == 10 || first == 127 || first >= 224) a = (a & 0x00FFFFFFu) | ((1 + first % 200) << 24);
  if ((a >> 24) == 10 || (a >> 24) == 127) a += 1u << 24;
  return a;
}

uint16_t pick_port(SplitMix64& rng, const PortWeight* table, size_t n, uint32_t total, uint32_t rise) {
  uint64_t u = rng.below(total);
  for (size_t i = 0; i < n; ++i) {
    uint32_t w = table[i].weight + (table == kTcpPorts && i == kTcp23 ? rise : 0);
    if (u < w) return table[i].port ? table[i].port : uint16_t(1 + rng.below(65535));
    u -= w;
  }
  return table[n - 1].port;
}

void civil_from_days(int64_t z, unsigned& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = unsigned(int64_t(yoe) + era * 400 + (m <= 2));
}

class Writer {
 public:
  explicit Writer(const std::function<void(std::string_view)>& sink) : sink_(sink) { buf_.reserve(kChunk + 512); }
  void text(std::string_view s) { buf_.append(s); }
  void ch(char c) { buf_.push_back(c); }
  void num(uint64_t v) {
    char tmp[24];
    auto r = std::to_chars(tmp, tmp + sizeof tmp, v);
    buf_.append(tmp, size_t(r.ptr - tmp));
  }
  void two(unsigned v) {
    ch(char('0' + v / 10));
    ch(char('0' + v % 10));
  }
  void end_line() {
    ch('\n');
    if (buf_.size() >= kChunk) flush();
  }
  void flush() {
    if (!buf_.empty()) sink_(buf_);
    buf_.clear();
  }

 private:
  static constexpr size_t kChunk = size_t(1) << 20;
  const std::function<void(std::string_view)>& sink_;
  std::string buf_;
};

void write_row(Writer& w, const Row& r, std::string_view date, const SynthHoneypotOptions& o,
               const SynthHoneypotTruth& truth, SynthHoneypotTruth& counts) {
  w.text(date);
  w.ch(' ');
  w.two(r.tod / 3600);
  w.ch(':');
  w.two(r.tod / 60 % 60);
  w.ch(':');
  w.two(r.tod % 60);
  w.ch(',');
  w.text(truth.sensors[r.sensor]);
  w.ch(',');
  w.num(r.src);
  if (r.proto == 1) {
    w.text(",ICMP,"sv);
    w.num(r.icmp_type);
    w.text(",,"sv);
  } else {
    w.text(r.proto == 6 ? ",TCP,,"sv : ",UDP,,"sv);
    w.num(r.sport);
    w.ch(',');
    w.num(r.dport);
  }
  if (o.geo) {
    w.ch(',');
    for (int s = 24; s >= 0; s -= 8) {
      w.num((r.src >> s) & 255);
      if (s) w.ch('.');
    }
    uint64_t g = hash2(o.seed ^ (kGeoPick << 56), r.src) % 20;  // per source, so a source keeps its place
    if (g >= std::size(kGeo)) g %= 4;  // China and the US lead
    if (hash2(o.seed ^ (kGeoPick << 56), r.src + (1ull << 32)) % 50 == 0) {
      w.text(",,,,,,,,"sv);  // failed lookup: IP + 8 empty fields
      ++counts.failed_geo_rows;
    } else {
      w.ch(',');
      w.text(kGeo[g]);
      counts.comma_locale_rows += g == kGeoCommaA || g == kGeoCommaB;
    }
  }
  w.end_line();
  ++counts.rows;
  counts.tcp_rows += r.proto == 6;
  counts.udp_rows += r.proto == 17;
  counts.icmp_rows += r.proto == 1;
  counts.duplicate_rows += r.duplicate;
}

// Base rows of a sensor-day: its share of events_per_day, +-20 %.
uint32_t base_rows(const SynthHoneypotOptions& o, const SynthHoneypotTruth& t, uint32_t total_weight, uint32_t sensor,
                   uint32_t day) {
  uint64_t noise = 80 + hash2(o.seed ^ (kDay << 56), uint64_t(day) << 20 | sensor) % 41;
  return uint32_t(uint64_t(o.events_per_day) * t.sensor_weight[sensor] * noise / (uint64_t(total_weight) * 100));
}

}  // namespace

SynthHoneypotTruth plan_synth_honeypot(const SynthHoneypotOptions& o) {
  if (o.sensors == 0 || o.days == 0) throw std::invalid_argument("synth honeypot: sensors and days must be > 0");
  SynthHoneypotTruth t;
  for (uint32_t s = 0; s < o.sensors; ++s) {
    if (s < std::size(kSensorNames)) {
      t.sensors.emplace_back(kSensorNames[s]);
      t.sensor_weight.push_back(kSensorWeights[s]);
    } else {
      t.sensors.push_back("sensor-" + std::to_string(s + 1));
      t.sensor_weight.push_back(4 + uint32_t(hash2(o.seed, s) % 12));
    }
  }
  uint32_t total_weight = 0;
  for (uint32_t w : t.sensor_weight) total_weight += w;
  SplitMix64 rng{hash2(o.seed, kPlan)};
  // About one burst per 15 days, at most 8; the cap keeps the constraints below satisfiable.
  const uint32_t n_bursts = std::min<uint32_t>(std::max<uint32_t>(1, o.days / 15),
                                               std::min<uint64_t>(8, uint64_t(o.sensors) * std::min<uint32_t>(o.days, 5)));
  for (uint32_t attempt = 0; t.bursts.size() < n_bursts && attempt < 100000; ++attempt) {
    HoneypotBurst b{};
    b.sensor = uint32_t(rng.below(o.sensors));
    b.day = uint32_t(rng.below(o.days));
    const BurstPort bp = kBurstPorts[t.bursts.size() % std::size(kBurstPorts)];
    b.proto = bp.proto;
    b.port = bp.port;
    // one burst per sensor-day, and per sensor and port (so each stands alone in its series)
    bool taken = std::any_of(t.bursts.begin(), t.bursts.end(), [&](const HoneypotBurst& x) {
      return x.sensor == b.sensor && (x.day == b.day || (x.proto == b.proto && x.port == b.port));
    });
    if (taken) continue;
    b.rows = std::max<uint32_t>(40, 3 * base_rows(o, t, total_weight, b.sensor, b.day));
    t.bursts.push_back(b);
  }
  return t;
}

SynthHoneypotTruth write_synth_honeypot(const SynthHoneypotOptions& o,
                                        const std::function<void(std::string_view)>& sink) {
  SynthHoneypotTruth t = plan_synth_honeypot(o);
  uint32_t total_weight = 0;
  for (uint32_t w : t.sensor_weight) total_weight += w;
  uint32_t tcp_total = 0, udp_total = 0;
  for (auto& p : kTcpPorts) tcp_total += p.weight;
  for (auto& p : kUdpPorts) udp_total += p.weight;
  // Repeating sources: a pool of about one address per 8 rows of the run.
  const uint64_t pool = std::max<uint64_t>(256, uint64_t(o.events_per_day) * o.days / 8);

  Writer w(sink);
  w.text(o.geo ? "datetime,host,src,proto,type,spt,dpt,srcstr,cc,country,locale,localeabbr,postalcode,latitude,"
                 "longitude\n"sv
               : "datetime,host,src,proto,type,spt,dpt\n"sv);
  std::vector<Row> rows;
  for (uint32_t day = 0; day < o.days; ++day) {
    rows.clear();
    const uint32_t rise = 6 * (day / 30);  // TCP 23 gains weight every 30 days (from 8 of ~800)
    auto add = [&](Row r) {
      r.seq = uint32_t(rows.size());
      rows.push_back(r);
    };
    for (uint32_t s = 0; s < o.sensors; ++s) {
      SplitMix64 rng{hash2(o.seed ^ (kDay << 56), uint64_t(day) << 20 | s) ^ 0x5eed};
      const uint32_t target = base_rows(o, t, total_weight, s, day);
      for (uint32_t made = 0; made < target;) {
        Row r{};
        r.sensor = s;
        r.tod = uint32_t(rng.below(86400));
        // Zipf-like: the minimum of two uniforms favours low pool indices.
        r.src = pool_address(o.seed, rng.below(rng.below(pool) + 1));
        const uint64_t kind = rng.below(1000);
        r.proto = kind < 570 ? 6 : kind < 845 ? 17 : 1;  // TCP sessions average 2 rows: ~73/17/10 % of rows
        if (r.proto == 1) {
          r.icmp_type = kIcmpTypes[rng.below(std::size(kIcmpTypes))];
          add(r);
          ++made;
          continue;
        }
        r.dport = r.proto == 6 ? pick_port(rng, kTcpPorts, std::size(kTcpPorts), tcp_total + rise, rise)
                               : pick_port(rng, kUdpPorts, std::size(kUdpPorts), udp_total, 0);
        r.sport = uint16_t(1024 + rng.below(64512));
        const uint32_t tries = r.proto == 6 ? 1 + uint32_t(rng.below(3)) : 1;  // SYN retries at +3 s, +9 s
        for (uint32_t i = 0; i < tries; ++i) {
          Row x = r;
          x.tod = std::min<uint32_t>(86399, r.tod + (i == 0 ? 0 : i == 1 ? 3 : 9));
          add(x);
          ++made;
        }
        const bool popular = r.proto == 6 && (r.dport == 1433 || r.dport == 3389 || r.dport == 80 || r.dport == 8080);
        if (popular && rng.below(1000) < 12) {  // 1.2 %: the source moves on to the neighbour port
          Row x = r;
          x.dport = uint16_t(r.dport + 1);
          x.sport = uint16_t(1024 + rng.below(64512));
          x.tod = std::min<uint32_t>(86399, r.tod + 20);
          add(x);
          ++made;
          ++t.neighbour_probes;
        }
      }
      for (size_t bi = 0; bi < t.bursts.size(); ++bi) {
        const HoneypotBurst& b = t.bursts[bi];
        if (b.sensor != s || b.day != day) continue;
        // A wave from distinct sources (outside the pool) within a few hours.
        const uint32_t start = uint32_t(rng.below(86400 - 4 * 3600));
        for (uint32_t j = 0; j < b.rows; ++j) {
          Row x{};
          x.sensor = s;
          x.proto = b.proto;
          x.dport = b.port;
          x.sport = uint16_t(1024 + rng.below(64512));
          x.tod = start + uint32_t(rng.below(4 * 3600));
          x.src = pool_address(o.seed, pool + (uint64_t(bi) << 24) + j);
          add(x);
        }
      }
    }
    std::sort(rows.begin(), rows.end(),
              [](const Row& a, const Row& b) { return a.tod != b.tod ? a.tod < b.tod : a.seq < b.seq; });
    unsigned y, m, d;
    civil_from_days(int64_t(o.start_day) + day, y, m, d);
    char date[10] = {char('0' + y / 1000), char('0' + y / 100 % 10), char('0' + y / 10 % 10), char('0' + y % 10), '-',
                     char('0' + m / 10),   char('0' + m % 10),       '-',                      char('0' + d / 10), char('0' + d % 10)};
    const std::string_view date_text(date, 10);
    SplitMix64 dup{hash2(o.seed ^ (kDay << 56), uint64_t(day) | (1ull << 40))};
    for (const Row& r : rows) {
      write_row(w, r, date_text, o, t, t);
      if (dup.below(1000) < 5) {  // 0.5 %: the logger wrote the line twice
        Row copy = r;
        copy.duplicate = true;
        write_row(w, copy, date_text, o, t, t);
      }
    }
  }
  w.flush();
  return t;
}

SynthHoneypotTruth write_synth_honeypot(const SynthHoneypotOptions& o, std::FILE* out) {
  return write_synth_honeypot(o, [out](std::string_view s) {
    if (std::fwrite(s.data(), 1, s.size(), out) != s.size()) throw std::runtime_error("synth honeypot: write error");
  });
}

}  // namespace scanhpc::ports
