#include "scanhpc/io/synth_masscan.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <stdexcept>
#include <string_view>
#include <vector>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/random.hpp"

namespace scanhpc {
namespace {

using namespace std::string_view_literals;
using u128 = unsigned __int128;

// ---------------------------------------------------------------- randomness
// mix64, hash2, below and SplitMix64: scanhpc/core/random.hpp.

// Keyed bijection of [0, n): an unbalanced Feistel network on the smallest
// power-of-two domain holding n, with cycle walking back into [0, n).
class FeistelPermutation {
 public:
  FeistelPermutation(uint64_t n, uint64_t key) : n_(n) {
    unsigned bits = n <= 1 ? 0 : unsigned(std::bit_width(n - 1));
    if (bits < 2) bits = 2;
    rbits_ = bits / 2;
    lbits_ = bits - rbits_;
    lmask_ = (uint64_t(1) << lbits_) - 1;
    rmask_ = (uint64_t(1) << rbits_) - 1;
    for (int i = 0; i < kRounds; ++i) keys_[i] = hash2(key, uint64_t(i));
  }
  uint64_t operator()(uint64_t x) const {
    if (n_ <= 1) return x;
    do x = encrypt(x);
    while (x >= n_);
    return x;
  }

 private:
  static constexpr int kRounds = 6;
  static uint64_t f(uint64_t k, uint64_t x) {
    uint64_t z = (x ^ k) * 0xbf58476d1ce4e5b9ULL;
    z ^= z >> 31;
    z *= 0x94d049bb133111ebULL;
    return z ^ (z >> 29);
  }
  uint64_t encrypt(uint64_t x) const {
    uint64_t l = x >> rbits_, r = x & rmask_;
    for (int i = 0; i < kRounds; ++i) {
      if (i % 2 == 0)
        l ^= f(keys_[i], r) & lmask_;
      else
        r ^= f(keys_[i], l) & rmask_;
    }
    return (l << rbits_) | r;
  }
  uint64_t n_;
  unsigned lbits_ = 1, rbits_ = 1;
  uint64_t lmask_ = 1, rmask_ = 1;
  uint64_t keys_[kRounds]{};
};

// A keyed bijection of 16-bit values (host part of a /16).
inline uint32_t feistel16(uint64_t key, uint32_t x) {
  uint32_t l = x >> 8, r = x & 255;
  for (int i = 0; i < 4; ++i) {
    uint32_t t = l ^ uint32_t(mix64(key + uint64_t(i) * 0x100 + r) & 255);
    l = r;
    r = t;
  }
  return (l << 8) | r;
}

// Stream keys: one independent hash key per random decision.
enum Stream : uint64_t {
  kServiceOrder = 1,  // time order -> canonical service id
  kProbeClass,        // service -> number of probes
  kHostOrder,         // canonical host -> /16 slot
  kHostPorts,
  kHostTtl,
  kReason,
  kIntervals,
  kBanner,
  kShuffle,
  kSlash16Order,
  kSlash16Hosts,
};

// ---------------------------------------------------------------- seed data
// Probes per (ip, port), seed 001 (IPv4 Scan 2021, multiprobes analysis).
constexpr std::array<uint64_t, 5> kProbeCountmap{64774182, 13038, 750, 27, 1};

// Intervals between consecutive probes of one service (seconds -> count).
struct IntervalCount {
  uint32_t seconds;
  uint32_t count;
};
constexpr IntervalCount kIntervalCountmap[] = {
    {0, 320},   {1, 2793}, {2, 585}, {3, 2625}, {4, 843}, {5, 159}, {6, 316}, {7, 1364},
    {8, 512},   {9, 1435}, {10, 495}, {11, 149}, {12, 103}, {13, 52}, {14, 139}, {15, 1715},
    {16, 828},  {17, 15},  {18, 6},  {19, 1},   {23, 2},  {24, 5},  {25, 3},  {28, 2},
    {29, 1},    {31, 55},  {32, 92}, {33, 4},   {34, 3},  {40, 1}};
constexpr uint32_t kMaxInterval = 40;

// Reasons (TCP flags of the SYN-ACK), seed 000's list, syn-ack dominant.
// Weights out of 65536.
struct ReasonWeight {
  uint8_t flags;
  uint32_t weight;
};
constexpr uint8_t kFin = 0x01, kSyn = 0x02, kPsh = 0x08, kAck = 0x10, kEce = 0x40, kCwr = 0x80;
constexpr ReasonWeight kReasons[] = {
    {kSyn | kAck, 63570},
    {kSyn | kAck | kEce | kCwr, 1000},
    {kSyn | kAck | kEce, 500},
    {kSyn | kPsh | kAck, 250},
    {kSyn | kAck | kCwr, 150},
    {kFin | kSyn | kAck, 66},
};

// Ports: the scan's 11 ports, then a tail of other common ports; weights out
// of 65536, the remainder goes to uniformly random ports 1024..65535.
struct PortWeight {
  uint16_t port;
  uint32_t weight;
};
constexpr PortWeight kPorts[] = {
    {80, 18000},  {443, 16000}, {22, 9000},  {21, 3600},  {23, 2900},   {3389, 3300}, {8000, 3000},
    {8443, 3000}, {4444, 800},  {5601, 600}, {9200, 1000},
    // tail
    {8080, 700}, {25, 300},   {3306, 250}, {445, 200},  {53, 150},   {110, 150},   {143, 100},
    {993, 100},  {995, 100},  {5900, 100}, {8888, 150}, {7547, 150}, {81, 100},    {8081, 150},
    {2222, 100}, {5432, 100}, {6379, 100}, {1433, 100}, {27017, 50}, {1723, 50},
};

// Open ports per host (host counts, k = 1..10): geometric-like tail.
constexpr std::array<uint64_t, 10> kPortsPerHost{700000, 200000, 65000, 22000, 8000, 3000, 1200, 500, 200, 100};

// The allowed /16s: first octets 1-9, 11-126, 128-223 (not 0/8, 10/8,
// 127/8, 224/3): 221 * 256 = 56576.
constexpr uint32_t kAllowedSlash16 = 221 * 256;
inline uint32_t allowed_first_octet(uint32_t i) {  // i in [0, 221)
  if (i < 9) return i + 1;
  if (i < 125) return i + 2;
  return i + 3;
}
constexpr uint64_t kSlash16Cap = 49152;       // at most 3/4 of a /16 is used
constexpr uint64_t kHostsPerSlash16 = 64;  // number of /16s = hosts / 64 (at most all of them)

// ---------------------------------------------------------------- banners
struct BannerRecord {
  std::string_view service;
  std::string_view text;
};
struct BannerProfile {
  BannerRecord records[3];
  uint8_t count;
};

constexpr BannerProfile kHttpProfiles[] = {
    {{{"http.server"sv, "nginx/1.18.0"sv},
      {"title"sv, "Welcome to nginx!"sv},
      {"http"sv, "HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nContent-Type: text/html\r\nContent-Length: 612\r\n"
                 "Connection: close\r\n\r"sv}},
     3},
    {{{"http.server"sv, "Apache/2.4.41 (Ubuntu)"sv},
      {"title"sv, "Apache2 Ubuntu Default Page: It works"sv},
      {"http"sv, "HTTP/1.1 200 OK\r\nServer: Apache/2.4.41 (Ubuntu)\r\nContent-Type: text/html\r\n\r"sv}},
     3},
    {{{"http.server"sv, "Microsoft-IIS/10.0"sv},
      {"title"sv, "IIS Windows Server"sv},
      {"http"sv, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nServer: Microsoft-IIS/10.0\r\n\r"sv}},
     3},
    {{{"http"sv, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"router\"\r\n\r"sv}}, 1},
    {{{"title"sv, "404 - Not Found"sv}, {"http"sv, "HTTP/1.1 404 Not Found\r\nServer: lighttpd/1.4.35\r\n\r"sv}},
     2},
};
constexpr BannerProfile kTlsProfiles[] = {
    {{{"ssl"sv, "TLS/1.2 cipher:0xc02f, www.example.com"sv}}, 1},
    {{{"ssl"sv, "TLS/1.3 cipher:0x1302, localhost"sv}}, 1},
    {{{"ssl"sv, "TLS/1.2 cipher:0xc030, *.cdn.example.net"sv}}, 1},
};
constexpr BannerProfile kSshProfiles[] = {
    {{{"ssh"sv, "SSH-2.0-OpenSSH_7.4"sv}}, 1},
    {{{"ssh"sv, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.2"sv}}, 1},
    {{{"ssh"sv, "SSH-2.0-OpenSSH_7.9p1 Debian-10+deb10u2"sv}}, 1},
    {{{"ssh"sv, "SSH-2.0-dropbear_2019.78"sv}}, 1},
};
constexpr BannerProfile kFtpProfiles[] = {
    {{{"ftp"sv, "220 (vsFTPd 3.0.3)\r\n"sv}}, 1},
    {{{"ftp"sv, "220 ProFTPD Server (Debian) [::ffff:192.0.2.7]\r\n"sv}}, 1},
    {{{"ftp"sv, "220 Microsoft FTP Service\r\n"sv}}, 1},
};
constexpr BannerProfile kTelnetProfiles[] = {
    {{{"telnet"sv, "\xff\xfd\x18\xff\xfd\x20\xff\xfd\x23\xff\xfd\x27"sv}}, 1},
    {{{"telnet"sv, "\r\nUser Access Verification\r\n\r\nUsername: "sv}}, 1},
    {{{"unknown"sv, "\xff\xfb\x01\xff\xfb\x03\r\nBusyBox v1.19.4 login: "sv}}, 1},
};
constexpr BannerProfile kRdpProfiles[] = {
    {{{"unknown"sv, "\x03\x00\x00\x13\x0e\xd0\x00\x00\x12\x34\x00\x02\x0f\x08\x00\x02\x00\x00\x00"sv}}, 1},
};
constexpr BannerProfile kShellProfiles[] = {
    {{{"unknown"sv, "Microsoft Windows [Version 6.1.7601]\r\nCopyright (c) 2009 Microsoft Corporation.  "
                    "All rights reserved.\r\n\r\nC:\\Windows\\system32>"sv}},
     1},
};
constexpr BannerProfile kKibanaProfiles[] = {
    {{{"http"sv, "HTTP/1.1 302 Found\r\nlocation: /app/kibana\r\nkbn-name: kibana\r\n\r"sv}}, 1},
};
constexpr BannerProfile kElasticProfiles[] = {
    {{{"http"sv, "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: 538\r\n\r"sv}},
     1},
};
constexpr BannerProfile kMailProfiles[] = {
    {{{"smtp"sv, "220 mail.example.com ESMTP Postfix (Ubuntu)\r\n"sv}}, 1},
    {{{"pop"sv, "+OK Dovecot ready.\r\n"sv}}, 1},
    {{{"imap"sv, "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE] Dovecot ready.\r\n"sv}}, 1},
};
constexpr BannerProfile kMysqlProfiles[] = {
    {{{"unknown"sv, "J\x00\x00\x00\x0a"
                    "5.7.33\x00"sv}},
     1},
};
constexpr BannerProfile kVncProfiles[] = {
    {{{"vnc"sv, "RFB 003.008\n"sv}}, 1},
};

struct ProfileSet {
  const BannerProfile* profiles;
  uint32_t count;
};
template <size_t N>
constexpr ProfileSet set_of(const BannerProfile (&a)[N]) {
  return {a, uint32_t(N)};
}

ProfileSet banner_profiles(uint16_t port) {
  switch (port) {
    case 80: case 81: case 8000: case 8080: case 8081: case 8888: case 7547: return set_of(kHttpProfiles);
    case 443: case 8443: case 993: case 995: return set_of(kTlsProfiles);
    case 22: case 2222: return set_of(kSshProfiles);
    case 21: return set_of(kFtpProfiles);
    case 23: return set_of(kTelnetProfiles);
    case 3389: return set_of(kRdpProfiles);
    case 4444: return set_of(kShellProfiles);
    case 5601: return set_of(kKibanaProfiles);
    case 9200: return set_of(kElasticProfiles);
    case 25: return {&kMailProfiles[0], 1};
    case 110: return {&kMailProfiles[1], 1};
    case 143: return {&kMailProfiles[2], 1};
    case 3306: return set_of(kMysqlProfiles);
    case 5900: return set_of(kVncProfiles);
    default: return {nullptr, 0};
  }
}

// ---------------------------------------------------------------- helpers
// Largest-remainder split of `total` in proportion to `weights` (ties to the
// lower index). Exact integer arithmetic.
template <size_t K>
std::array<uint64_t, K> split_exactly(uint64_t total, const std::array<u128, K>& weights) {
  std::array<uint64_t, K> out{};
  u128 sum = 0;
  for (auto w : weights) sum += w;
  if (sum == 0) {
    out[0] = total;
    return out;
  }
  std::array<u128, K> rem{};
  uint64_t given = 0;
  for (size_t k = 0; k < K; ++k) {
    u128 p = u128(total) * weights[k];
    out[k] = uint64_t(p / sum);
    rem[k] = p % sum;
    given += out[k];
  }
  for (uint64_t left = total - given; left > 0; --left) {
    size_t best = 0;
    for (size_t k = 1; k < K; ++k)
      if (rem[k] > rem[best]) best = k;
    ++out[best];
    rem[best] = 0;
  }
  return out;
}

uint64_t boost_fixed(double boost) { return uint64_t(std::llround(boost * 65536.0)); }

struct Pending {
  uint32_t ip;
  uint16_t port;
  uint8_t ttl;
  uint8_t reason;
  const BannerRecord* banner;  // nullptr: a status record
};

class Generator {
 public:
  Generator(const SynthMasscanOptions& o)
      : o_(o),
        n_(o.services),
        probe_bounds_(),
        service_order_(o.services, key(kServiceOrder)),
        probe_order_(o.services, key(kProbeClass)),
        host_order_(1, 0) {
    // Probe classes as cumulative bounds over the permuted service index.
    auto classes = synthetic_probe_classes(o);
    uint64_t acc = 0;
    for (size_t k = 0; k < classes.size(); ++k) probe_bounds_[k] = acc += classes[k];

    // Hosts per ports-per-host class: H_k = floor(N w_k / sum_j j w_j) for
    // k >= 2; the 1-port class takes the rest so that sum k H_k = N exactly.
    u128 denom = 0;
    for (size_t k = 0; k < kPortsPerHost.size(); ++k) denom += u128(k + 1) * kPortsPerHost[k];
    uint64_t multi_services = 0;
    for (size_t k = 1; k < kPortsPerHost.size(); ++k) {
      hosts_in_class_[k] = uint64_t(u128(n_) * kPortsPerHost[k] / denom);
      multi_services += (k + 1) * hosts_in_class_[k];
    }
    hosts_in_class_[0] = n_ - multi_services;
    uint64_t c = 0, h = 0;
    for (size_t k = 0; k < kPortsPerHost.size(); ++k) {
      class_first_service_[k] = c;
      class_first_host_[k] = h;
      c += (k + 1) * hosts_in_class_[k];
      h += hosts_in_class_[k];
    }
    class_first_service_[kPortsPerHost.size()] = c;
    hosts_ = h;
    host_order_ = FeistelPermutation(hosts_, key(kHostOrder));
    allocate_slash16s();

    // Port table: 16-bit draw -> index into kPorts, or -1 for a random port.
    port_table_.assign(65536, int8_t(-1));
    uint32_t at = 0;
    for (size_t i = 0; i < std::size(kPorts); ++i)
      for (uint32_t j = 0; j < kPorts[i].weight; ++j) port_table_[at++] = int8_t(i);

    for (auto ic : kIntervalCountmap) interval_total_ += ic.count;
    banner_threshold_ = uint64_t(std::llround(std::clamp(o.banner_fraction, 0.0, 1.0) * 4294967296.0));
  }

  uint64_t run(MasscanWriter& w) {
    MasscanScanInfo info;
    info.started = o_.start_time;
    w.set_scan_info(info);

    constexpr uint32_t kRing = 256;  // > 4 intervals of at most 40 s plus banner delay
    static_assert(4 * kMaxInterval + 3 < kRing);
    std::vector<std::vector<Pending>> ring(kRing);
    uint64_t pending = 0, records = 0, s = 0;
    const uint64_t duration = std::max<uint32_t>(o_.duration_s, 1);
    for (uint64_t t = 0;; ++t) {
      if (pending == 0) {  // nothing scheduled: skip ahead to the next base time
        if (s >= n_) break;
        t = std::max<uint64_t>(t, uint64_t(u128(s) * duration / n_));
      }
      auto& bucket = ring[t % kRing];
      // Services whose base time floor(s * duration / N) is t.
      uint64_t s_end = std::min<uint64_t>(n_, uint64_t((u128(t + 1) * n_ + duration - 1) / duration));
      for (; s < s_end; ++s) pending += make_service(s, t, ring);
      // Interleave this second's records (retries, banners, new services).
      if (bucket.size() > 1) {
        SplitMix64 rng{hash2(key_shuffle_, t)};
        for (size_t i = bucket.size() - 1; i > 0; --i) std::swap(bucket[i], bucket[rng.below(i + 1)]);
        // Keep banners after the status records of the same second: masscan
        // reports a banner after the SYN-ACK that opened the connection.
        if (banner_threshold_)
          std::stable_partition(bucket.begin(), bucket.end(), [](const Pending& p) { return !p.banner; });
      }
      const uint32_t ts = uint32_t(o_.start_time + t);
      for (const Pending& p : bucket) {
        if (p.banner) {
          w.banner(p.ip, ts, p.port, uint8_t(Proto::tcp), p.banner->service, p.banner->text, p.ttl);
        } else {
          StatusRow row;
          row.ip = p.ip;
          row.ts = ts;
          row.port = p.port;
          row.proto = uint8_t(Proto::tcp);
          row.status = uint8_t(Status::open);
          row.reason = p.reason;
          row.ttl = p.ttl;
          w.status(row);
        }
      }
      records += bucket.size();
      pending -= bucket.size();
      bucket.clear();
    }
    w.finish();
    return records;
  }

 private:
  uint64_t key(uint64_t stream) const { return hash2(o_.seed, stream * 0xd1b54a32d192ed03ULL); }

  void allocate_slash16s() {
    uint64_t k = std::clamp<uint64_t>((hosts_ + kHostsPerSlash16 - 1) / kHostsPerSlash16, 1, kAllowedSlash16);
    // Zipf weights 1/(r+1), capped at kSlash16Cap hosts by water-filling.
    std::vector<uint64_t> w(k), suffix(k + 1, 0);
    for (uint64_t r = 0; r < k; ++r) w[r] = (uint64_t(1) << 40) / (r + 1);
    for (uint64_t r = k; r-- > 0;) suffix[r] = suffix[r + 1] + w[r];
    std::vector<uint64_t> alloc(k, 0);
    uint64_t left = hosts_, m = 0;
    while (m < k && left > 0) {
      uint64_t c = uint64_t(u128(left) * w[m] / suffix[m]);
      if (c < kSlash16Cap) break;
      alloc[m++] = kSlash16Cap;
      left -= kSlash16Cap;
    }
    if (m < k && left > 0) {
      uint64_t given = 0;
      for (uint64_t r = m; r < k; ++r) given += alloc[r] = uint64_t(u128(left) * w[r] / suffix[m]);
      for (uint64_t r = m; given < left; ++r, ++given) ++alloc[r];
    }
    // Rank -> /16: an affine bijection of the allowed /16s.
    uint64_t a = hash2(key(kSlash16Order), 0) % kAllowedSlash16;
    auto coprime = [](uint64_t x) { return x % 2 && x % 13 && x % 17; };
    while (!coprime(a)) a = (a + 1) % kAllowedSlash16;
    uint64_t b = hash2(key(kSlash16Order), 1) % kAllowedSlash16;
    slash16_first_host_.assign(k + 1, 0);
    slash16_prefix_.resize(k);
    slash16_key_.resize(k);
    for (uint64_t r = 0; r < k; ++r) {
      slash16_first_host_[r + 1] = slash16_first_host_[r] + alloc[r];
      uint32_t idx = uint32_t((a * r + b) % kAllowedSlash16);
      slash16_prefix_[r] = (allowed_first_octet(idx >> 8) << 24) | ((idx & 255) << 16);
      slash16_key_[r] = hash2(key(kSlash16Hosts), r);
    }
  }

  uint32_t host_ip(uint64_t h) const {
    uint64_t slot = host_order_(h);
    auto it = std::upper_bound(slash16_first_host_.begin(), slash16_first_host_.end(), slot);
    size_t r = size_t(it - slash16_first_host_.begin()) - 1;
    uint32_t j = uint32_t(slot - slash16_first_host_[r]);
    return slash16_prefix_[r] | feistel16(slash16_key_[r], j);
  }

  uint8_t host_ttl(uint32_t ip) const {
    uint64_t u = hash2(key_ttl_, ip);
    uint32_t os = uint32_t(u & 0xffff);
    uint32_t base = os < 39322 ? 64 : os < 55706 ? 128 : 255;  // Linux 60 %, Windows 25 %, network gear 15 %
    uint32_t hops = 2 + uint32_t((u >> 16) & 0xffff) % 13 + uint32_t((u >> 32) & 0xffff) % 13;
    return uint8_t(base - hops);
  }

  // The q-th (0-based) of host h's distinct ports: draws by port weight, redrawing duplicates.
  uint16_t host_port(uint64_t h, uint32_t q) const {
    SplitMix64 rng{hash2(key_ports_, h)};
    uint16_t chosen[10];
    for (uint32_t i = 0; i <= q; ++i) {
      for (uint32_t attempt = 0;; ++attempt) {
        uint64_t u = rng.next();
        int8_t idx = attempt < 64 ? port_table_[u >> 48] : int8_t(-1);
        uint16_t port = idx >= 0 ? kPorts[idx].port : uint16_t(1024 + ((u & 0xffffffffULL) * 64512 >> 32));
        if (std::find(chosen, chosen + i, port) == chosen + i) {
          chosen[i] = port;
          break;
        }
      }
    }
    return chosen[q];
  }

  uint8_t service_reason(uint64_t c) const {
    uint32_t u = uint32_t(hash2(key_reason_, c) & 0xffff);
    uint32_t acc = 0;
    for (auto rw : kReasons)
      if (u < (acc += rw.weight)) return rw.flags;
    return kReasons[0].flags;
  }

  uint32_t draw_interval(SplitMix64& rng) const {
    uint64_t r = rng.below(interval_total_), acc = 0;
    for (auto ic : kIntervalCountmap)
      if (r < (acc += ic.count)) return ic.seconds;
    return 0;
  }

  // Schedules every record of the service at time-order index s (base time t).
  uint64_t make_service(uint64_t s, uint64_t t, std::vector<std::vector<Pending>>& ring) {
    const uint64_t c = service_order_(s);  // canonical service id
    size_t cls = 0;
    while (c >= class_first_service_[cls + 1]) ++cls;
    const uint32_t k = uint32_t(cls + 1);
    const uint64_t off = c - class_first_service_[cls];
    const uint64_t h = class_first_host_[cls] + off / k;
    Pending p;
    p.port = host_port(h, uint32_t(off % k));
    p.ip = host_ip(h);
    p.ttl = host_ttl(p.ip);
    p.reason = service_reason(c);
    p.banner = nullptr;

    const uint64_t rank = probe_order_(c);
    uint32_t probes = 1;
    while (rank >= probe_bounds_[probes - 1]) ++probes;

    const size_t ring_size = ring.size();
    ring[t % ring_size].push_back(p);
    uint64_t scheduled = 1;
    SplitMix64 rng{hash2(key_intervals_, c)};
    uint64_t at = t;
    for (uint32_t i = 1; i < probes; ++i) {
      at += draw_interval(rng);
      ring[at % ring_size].push_back(p);
      ++scheduled;
    }
    if (banner_threshold_ && (hash2(key_banner_, c) >> 32) < banner_threshold_) {
      ProfileSet set = banner_profiles(p.port);
      if (set.count) {
        uint64_t u = hash2(key_banner_, c ^ 0x5bd1e995ULL);
        const BannerProfile& prof = set.profiles[below(u, set.count)];
        uint64_t bt = t + 1 + (u & 1);
        for (uint32_t i = 0; i < prof.count; ++i) {
          Pending b = p;
          b.banner = &prof.records[i];
          ring[bt % ring_size].push_back(b);
          ++scheduled;
        }
      }
    }
    return scheduled;
  }

  const SynthMasscanOptions& o_;  // declared first: key() reads the seed
  const uint64_t key_ports_ = key(kHostPorts), key_ttl_ = key(kHostTtl), key_reason_ = key(kReason),
                 key_intervals_ = key(kIntervals), key_banner_ = key(kBanner), key_shuffle_ = key(kShuffle);
  uint64_t n_;
  std::array<uint64_t, 5> probe_bounds_;
  FeistelPermutation service_order_, probe_order_, host_order_;
  std::array<uint64_t, 10> hosts_in_class_{};
  std::array<uint64_t, 10> class_first_host_{};
  std::array<uint64_t, 11> class_first_service_{};
  uint64_t hosts_ = 0;
  std::vector<uint64_t> slash16_first_host_;
  std::vector<uint32_t> slash16_prefix_;
  std::vector<uint64_t> slash16_key_;
  std::vector<int8_t> port_table_;
  uint64_t interval_total_ = 0;
  uint64_t banner_threshold_ = 0;
};

}  // namespace

void validate(const SynthMasscanOptions& o) {
  if (o.services > (uint64_t(1) << 31))
    throw std::invalid_argument("--services must be at most 2147483648");
  if (!(o.banner_fraction >= 0.0 && o.banner_fraction <= 1.0))
    throw std::invalid_argument("--banner-fraction must be in [0, 1]");
  if (!(o.multiprobe_boost >= 0.0 && o.multiprobe_boost <= 1e6))
    throw std::invalid_argument("--multiprobe-boost must be in [0, 1e6]");
  if (o.duration_s == 0) throw std::invalid_argument("duration must be positive");
  if (uint64_t(o.start_time) + o.duration_s + 1024 > 0xffffffffULL)
    throw std::invalid_argument("start time + duration overflow 32-bit timestamps");
}

std::array<uint64_t, 5> synthetic_probe_classes(const SynthMasscanOptions& o) {
  validate(o);
  const uint64_t boost = boost_fixed(o.multiprobe_boost);
  std::array<u128, 5> w{};
  w[0] = u128(kProbeCountmap[0]) * 65536;
  for (size_t k = 1; k < 5; ++k) w[k] = u128(kProbeCountmap[k]) * boost;
  return split_exactly(o.services, w);
}

uint64_t write_synthetic_masscan(const SynthMasscanOptions& options, MasscanWriter& writer) {
  validate(options);
  Generator g(options);
  return g.run(writer);
}

}  // namespace scanhpc
