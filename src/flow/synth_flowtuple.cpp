#include "scanhpc/flow/synth_flowtuple.hpp"

#include <algorithm>
#include <stdexcept>
#include <tuple>

#include "scanhpc/core/random.hpp"
#include "synth_flowtuple_world.hpp"

namespace scanhpc::flow {

bool masscan_by_rules(const Ft3Record& r) {
  return r.protocol == 6 && (r.tcp_flags & 0x02) && !(r.tcp_flags & 0x10) && r.tcp_synlen == 20 && r.ttl >= 200 &&
         r.tcp_synwinlen == 1024;
}

bool spoofed_by_rules(const Ft3Record& r) {
  const uint8_t p = r.protocol;
  if (p != 1 && p != 6 && p != 17 && p != 41) return true;  // 41: IPv6-in-IP
  if (p == 6) {
    static constexpr uint8_t kAllowed[] = {0x02, 0x10, 0x04, 0x01, 0x03, 0x12, 0x11, 0x18, 0x19};
    if (std::find(std::begin(kAllowed), std::end(kAllowed), r.tcp_flags) == std::end(kAllowed)) return true;
  }
  if (r.ttl >= 200 && p != 1 && !masscan_by_rules(r)) return true;
  const uint32_t last = r.src_ip & 0xFF;
  if (last == 0 || last == 255 || r.src_ip == r.dst_ip) return true;
  if ((p == 6 || p == 17) && (r.src_port == 0 || r.dst_port == 0)) return true;
  return p == 17 && r.dst_port == 80;
}

namespace {
using synth::Pop;
using synth::Source;
using synth::World;

// Ports, in order of weight (per-mille tables keep the choice integer-only).
struct Weighted {
  uint16_t value;
  uint16_t per_mille;
};
constexpr Weighted kScanPorts[] = {{22, 200}, {3389, 150}, {445, 120}, {80, 100}, {8080, 80}, {23, 70},
                                   {1433, 60}, {5900, 50}, {6379, 50}, {443, 40}, {25, 30}, {3306, 30}, {8443, 20}};
constexpr Weighted kUdpPorts[] = {{53, 300}, {123, 200}, {1900, 200}, {5060, 150}, {161, 100}, {11211, 50}};

template <size_t N>
uint16_t pick(const Weighted (&table)[N], uint64_t u) {
  uint64_t x = below(u, 1000);
  for (const auto& w : table) {
    if (x < w.per_mille) return w.value;
    x -= w.per_mille;
  }
  return table[0].value;
}

uint16_t udp_len(uint16_t port, SplitMix64& rng) {
  switch (port) {
    case 53: return uint16_t(60 + rng.below(21));
    case 123: return 76;
    case 1900: return uint16_t(120 + rng.below(11));
    case 5060: return uint16_t(400 + rng.below(51));
    case 161: return uint16_t(70 + rng.below(21));
    default: return 43;
  }
}

// Zipf-like skew over n sources: low indices are picked far more often.
uint32_t skewed(SplitMix64& rng, size_t n) { return uint32_t(rng.below(rng.below(n) + 1)); }

Ft3Record packet(uint32_t t, const Source& s, uint32_t dst, uint8_t proto, uint8_t ttl, uint16_t len) {
  Ft3Record r;
  r.time = t; r.src_ip = s.ip; r.dst_ip = dst; r.protocol = proto; r.ttl = ttl; r.ip_len = len;
  r.packet_cnt = 1;
  return r;
}
Ft3Record tcp(Ft3Record r, uint16_t sport, uint16_t dport, uint8_t flags, uint16_t win) {
  r.src_port = sport; r.dst_port = dport; r.tcp_flags = flags;
  if (flags == 0x02) {  // FT3 keeps SYN length and window for pure SYNs only
    r.tcp_synlen = 20;
    r.tcp_synwinlen = win;
  }
  return r;
}
Ft3Record ports(Ft3Record r, uint16_t sport, uint16_t dport) {
  r.src_port = sport; r.dst_port = dport;
  return r;
}

// One minute's records, before de-duplication.
class MinuteBuilder {
 public:
  MinuteBuilder(const World& w, uint32_t t, std::vector<Ft3Record>& out)
      : w_(w), t_(t), rng_{hash2(w.seed ^ 0x6d696e757465ULL, t)}, out_(out) {}

  void sweepers(uint64_t minute_index) {
    const uint32_t q = w_.opt.sweep_per_minute;
    for (size_t j = 0; j < w_.sweepers.size(); ++j) {
      const synth::Sweeper& sw = w_.sweepers[j];
      for (uint32_t i = 0; i < q; ++i) {
        const uint32_t host = synth::feistel16(sw.perm_key, uint32_t((sw.offset + minute_index * q + i) & 0xFFFF));
        add(tcp(packet(t_, sw.source, sw.dst_net16 | host, 6, sw.source.ttl, 40), sw.source.sport, sw.dst_port, 0x02,
                1024));
      }
    }
  }

  void steady_130() {
    for (size_t i = 0; i < w_.pop(Pop::steady130).size(); ++i) {
      const Source& s = w_.pop(Pop::steady130)[i];
      for (int k = 0; k < 3; ++k) {
        Ft3Record r;
        switch ((i + k) % 3) {
          case 0: r = telnet(s); break;
          case 1: r = icmp_echo(s); break;
          default: r = ports(packet(t_, s, dst(), 17, s.ttl, 76), s.sport, 123); break;
        }
        r.packet_cnt = 1 + rng_.below(5);
        add(r);
      }
    }
  }

  void background(uint64_t budget) {
    static constexpr std::pair<Pop, uint32_t> kShare[] = {  // per mille of the background
        {Pop::telnet, 440}, {Pop::backscatter, 200}, {Pop::high_ttl, 110}, {Pop::icmp_scan, 80},
        {Pop::icmp_unreach, 40}, {Pop::udp, 100}, {Pop::gre, 10}, {Pop::noise, 20}};
    for (auto [pop, share] : kShare) {
      const uint64_t n = budget * share / 1000;
      const std::vector<uint32_t> active = pop == Pop::backscatter ? active_victims() : std::vector<uint32_t>{};
      for (uint64_t k = 0; k < n; ++k) {
        const auto& sources = w_.pop(pop);
        const Source& s = pop == Pop::backscatter ? sources[active[skewed(rng_, active.size())]]
                                                  : sources[skewed(rng_, sources.size())];
        add(record(pop, s));
      }
    }
  }

 private:
  uint32_t dst() { return w_.opt.telescope_net | uint32_t(rng_.below(w_.telescope_size)); }
  uint16_t ephemeral() { return uint16_t(1024 + rng_.below(64512)); }

  // Every random draw is its own statement: the order of function arguments
  // is unspecified in C++, and the output must not depend on the compiler.
  Ft3Record telnet(const Source& s) {  // Mirai: SYN to 23/2323, random window and source port
    const uint32_t to = dst();
    const uint16_t sport = ephemeral();
    const uint16_t port = rng_.below(10) == 0 ? 2323 : 23;
    const uint16_t win = uint16_t(1 + rng_.below(65535));
    return tcp(packet(t_, s, to, 6, s.ttl, 40), sport, port, 0x02, win);
  }
  Ft3Record icmp_echo(const Source& s) {  // type 8 code 0; FT3 keeps type in src_port
    return ports(packet(t_, s, dst(), 1, s.ttl, s.flavor ? 84 : 28), 8, 0);
  }

  Ft3Record record(Pop pop, const Source& s) {
    if (pop == Pop::telnet) return telnet(s);
    if (pop == Pop::icmp_scan) return icmp_echo(s);
    const uint32_t to = dst();
    switch (pop) {
      case Pop::high_ttl: {  // half masscan-like (window 1024, fixed port), half zmap-like
        const bool masscan_like = s.flavor != 0;
        const uint16_t sport = masscan_like ? s.sport : ephemeral();
        const uint16_t port = pick(kScanPorts, rng_.next());
        return tcp(packet(t_, s, to, 6, s.ttl, 40), sport, port, 0x02, masscan_like ? 1024 : 65535);
      }
      case Pop::backscatter: {  // a DoS victim answering spoofed SYNs: SYN-ACK or RST from 80/443
        const bool rst = rng_.below(10) < 3;
        const uint16_t port = ephemeral();
        Ft3Record r = tcp(packet(t_, s, to, 6, s.ttl, rst ? 40 : 44), s.sport, port, rst ? 0x04 : 0x12, 0);
        r.packet_cnt = 1 + rng_.below(3);
        return r;
      }
      case Pop::icmp_unreach: {  // type 3 backscatter, code 1, 3 or 13
        static constexpr uint16_t kCodes[] = {1, 3, 13};
        const uint16_t code = kCodes[rng_.below(3)];
        return ports(packet(t_, s, to, 1, s.ttl, s.flavor ? 70 : 56), 3, code);
      }
      case Pop::udp: {
        const uint16_t port = pick(kUdpPorts, rng_.next());
        const uint16_t len = udp_len(port, rng_);
        const uint16_t sport = s.flavor ? s.sport : ephemeral();
        return ports(packet(t_, s, to, 17, s.ttl, len), sport, port);
      }
      case Pop::gre: {
        const uint16_t len = uint16_t(60 + rng_.below(41));
        return packet(t_, s, to, 47, s.ttl, len);
      }
      default: {  // noise from spoofed sources (last byte 0/255) or to port 0
        const bool udp_port0 = rng_.below(4) == 0;
        const uint16_t sport = ephemeral();
        if (udp_port0) return ports(packet(t_, s, to, 17, s.ttl, 48), sport, 0);
        const uint16_t port = pick(kScanPorts, rng_.next());
        return tcp(packet(t_, s, to, 6, s.ttl, 40), sport, port, 0x02, 5840);
      }
    }
  }

  // Victims are attacked in 10-minute windows; victim 0 is always under attack.
  std::vector<uint32_t> active_victims() {
    std::vector<uint32_t> out{0};
    for (uint32_t v = 1; v < w_.pop(Pop::backscatter).size(); ++v) {
      if (below(hash2(w_.seed ^ 0x76696374ULL, uint64_t(v) << 32 | (t_ / 600)), 3) == 0) out.push_back(v);
    }
    return out;
  }

  void add(Ft3Record r) {
    w_.tag(r);
    out_.push_back(r);
  }

  const World& w_;
  uint32_t t_;
  SplitMix64 rng_;
  std::vector<Ft3Record>& out_;
};

auto ft3_key(const Ft3Record& r) {
  return std::tie(r.src_ip, r.dst_ip, r.src_port, r.dst_port, r.protocol, r.ttl, r.tcp_flags, r.ip_len);
}

// Sorts by the FT3 key and merges duplicates as corsarotrace would: the
// first record's fields, packet counts summed.
void dedup_into(std::vector<Ft3Record>& recs, Ft3Columns& out) {
  std::stable_sort(recs.begin(), recs.end(),
                   [](const Ft3Record& a, const Ft3Record& b) { return ft3_key(a) < ft3_key(b); });
  out.clear();
  for (size_t i = 0; i < recs.size();) {
    Ft3Record r = recs[i];
    size_t j = i + 1;
    for (; j < recs.size() && ft3_key(recs[j]) == ft3_key(r); ++j) r.packet_cnt += recs[j].packet_cnt;
    out.push_back(r);
    i = j;
  }
}

// Background rate over the UTC day: 700..1300 per mille, a triangle wave.
uint64_t daily_per_mille(uint32_t t) {
  const uint32_t minute_of_day = (t / 60) % 1440;
  const uint32_t tri = minute_of_day < 720 ? minute_of_day : 1440 - minute_of_day;
  return 700 + uint64_t(tri) * 600 / 720;
}

}  // namespace

std::vector<PlantedSweeper> planted_sweepers(const SynthFlowOptions& opt) {
  const World w(opt);
  std::vector<PlantedSweeper> out;
  for (const auto& s : w.sweepers) {
    out.push_back({s.source.ip, s.dst_net16, s.dst_port, w.geo(s.source.ip).netacq_country});
  }
  return out;
}

void generate_ft3(const SynthFlowOptions& opt,
                  const std::function<void(uint32_t minute_start, const Ft3Columns& minute)>& emit) {
  const World w(opt);  // validates the options
  std::vector<Ft3Record> recs;
  Ft3Columns minute;
  const uint32_t start = opt.start_time - opt.start_time % 60;
  for (uint32_t m = 0; m < opt.minutes; ++m) {
    const uint32_t t = start + 60 * m;
    recs.clear();
    MinuteBuilder b(w, t, recs);
    b.sweepers(m);
    b.steady_130();
    b.background(uint64_t(opt.records_per_minute) * daily_per_mille(t) / 1000);
    dedup_into(recs, minute);
    emit(t, minute);
  }
}

}  // namespace scanhpc::flow
