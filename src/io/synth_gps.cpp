#include "scanhpc/io/synth_gps.hpp"

#include <algorithm>
#include <array>
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

// A keyed bijection of 16-bit values (the host part of a /16).
inline uint32_t feistel16(uint64_t key, uint32_t x) {
  uint32_t l = x >> 8, r = x & 255;
  for (int i = 0; i < 4; ++i) {
    uint32_t t = l ^ uint32_t(mix64(key + uint64_t(i) * 0x100 + r) & 255);
    l = r;
    r = t;
  }
  return (l << 8) | r;
}

enum Stream : uint64_t { kHost = 1, kSlash16Order, kSlash16Hosts, kPreferred, kFavourite };

// ---------------------------------------------------------------- banners
struct BannerRecord {
  std::string_view service;
  std::string_view text;
};
struct Banner {
  BannerRecord records[3];
  uint8_t count;
};

enum Tmpl : uint8_t {
  kNone,
  kHttpWeb, kTlsWeb, kSsh, kHttpCisco, kTlsCisco, kSmb, kRdp, kMysql, kSmtp, kPop, kImap,
  kTelnetIot, kHttpIot, kHttpEs, kHttpKibana, kHttpPrinter, kTlsPrinter, kIpp, kHttpUnifi, kTlsUnifi,
  kHttpMikrotik, kHttpHik, kHttpSyno, kTlsSyno, kFtp, kVnc, kHttpGeneric, kCwmp, kRedis, kTlsGeneric,
  kTmplCount
};

constexpr Banner kHttpWebB[] = {
    {{{"http"sv, "HTTP/1.1 200 OK\r\nServer: nginx/1.18.0\r\nContent-Type: text/html\r\nContent-Length: 612\r\n"
                 "Connection: close\r\n\r"sv},
      {"http.server"sv, "nginx/1.18.0"sv},
      {"title"sv, "Welcome to nginx!"sv}},
     3},
    {{{"http"sv, "HTTP/1.1 200 OK\r\nServer: Apache/2.4.41 (Ubuntu)\r\nContent-Type: text/html\r\n\r"sv},
      {"http.server"sv, "Apache/2.4.41 (Ubuntu)"sv},
      {"title"sv, "Apache2 Ubuntu Default Page: It works"sv}},
     3},
    {{{"http"sv, "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nServer: Microsoft-IIS/10.0\r\n\r"sv},
      {"http.server"sv, "Microsoft-IIS/10.0"sv},
      {"title"sv, "IIS Windows Server"sv}},
     3},
    {{{"http"sv, "HTTP/1.1 301 Moved Permanently\r\nServer: nginx\r\nLocation: https://www.example.com/\r\n\r"sv},
      {"http.server"sv, "nginx"sv}},
     2},
};
constexpr Banner kTlsWebB[] = {
    {{{"ssl"sv, "TLS/1.2 cipher:0xc02f, www.example.com"sv}}, 1},
    {{{"ssl"sv, "TLS/1.3 cipher:0x1302, localhost"sv}}, 1},
    {{{"ssl"sv, "TLS/1.2 cipher:0xc030, *.cdn.example.net"sv}}, 1},
};
constexpr Banner kSshB[] = {
    {{{"ssh"sv, "SSH-2.0-OpenSSH_7.4"sv}}, 1},
    {{{"ssh"sv, "SSH-2.0-OpenSSH_8.2p1 Ubuntu-4ubuntu0.5"sv}}, 1},
    {{{"ssh"sv, "SSH-2.0-OpenSSH_8.4p1 Debian-5+deb11u1"sv}}, 1},
    {{{"ssh"sv, "SSH-2.0-OpenSSH_9.2p1 Debian-2"sv}}, 1},
};
constexpr Banner kHttpCiscoB[] = {
    {{{"http"sv, "HTTP/1.1 200 OK\r\nServer: cisco-IOS\r\nContent-Type: text/html\r\nContent-Length: 75\r\n\r"sv},
      {"http.server"sv, "cisco-IOS"sv},
      {"title"sv, "Cisco Systems Login"sv}},
     3},
    {{{"http"sv, "HTTP/1.1 401 Unauthorized\r\nServer: cisco-IOS\r\nWWW-Authenticate: Basic realm=\"level_15_access\""
                 "\r\n\r"sv},
      {"http.server"sv, "cisco-IOS"sv}},
     2},
};
constexpr Banner kTlsCiscoB[] = {
    {{{"ssl"sv, "TLS/1.2 cipher:0xc030, IOS-Self-Signed-Certificate"sv}}, 1},
};
constexpr Banner kSmbB[] = {
    {{{"smb"sv, "SMBv2 dialect=0x0311 os=Windows Server 2019 Build 17763"sv}}, 1},
    {{{"smb"sv, "SMBv2 dialect=0x0311 os=Windows 10 Build 19045"sv}}, 1},
    {{{"smb"sv, "SMBv2 dialect=0x0302 os=Windows Server 2016 Build 14393"sv}}, 1},
};
constexpr Banner kRdpB[] = {
    {{{"rdp"sv, "NLA-supported"sv}}, 1},
    {{{"rdp"sv, "NLA-required"sv}}, 1},
};
constexpr Banner kMysqlB[] = {
    {{{"unknown"sv, "J\x00\x00\x00\x0a"
                    "5.7.33\x00"sv}},
     1},
    {{{"unknown"sv, "J\x00\x00\x00\x0a"
                    "8.0.28\x00"sv}},
     1},
};
constexpr Banner kSmtpB[] = {
    {{{"smtp"sv, "220 mail.example.com ESMTP Postfix (Ubuntu)\r\n"sv}}, 1},
    {{{"smtp"sv, "220 mx.example.net ESMTP Exim 4.94.2\r\n"sv}}, 1},
};
constexpr Banner kPopB[] = {{{{"pop"sv, "+OK Dovecot ready.\r\n"sv}}, 1}};
constexpr Banner kImapB[] = {
    {{{"imap"sv, "* OK [CAPABILITY IMAP4rev1 LITERAL+ SASL-IR LOGIN-REFERRALS ID ENABLE IDLE] Dovecot ready.\r\n"sv}},
     1},
};
constexpr Banner kTelnetIotB[] = {
    {{{"telnet"sv, "\r\nBusyBox v1.19.4 login: "sv}}, 1},
    {{{"telnet"sv, "\xff\xfd\x18\xff\xfd\x20\r\n(none) login: "sv}}, 1},
};
constexpr Banner kHttpIotB[] = {
    {{{"http"sv, "HTTP/1.0 200 OK\r\nServer: GoAhead-Webs\r\nContent-Type: text/html\r\n\r"sv},
      {"http.server"sv, "GoAhead-Webs"sv},
      {"title"sv, "NETSurveillance WEB"sv}},
     3},
};
constexpr Banner kHttpEsB[] = {
    {{{"http"sv, "HTTP/1.1 200 OK\r\ncontent-type: application/json; charset=UTF-8\r\ncontent-length: 538\r\n\r"sv}},
     1},
};
constexpr Banner kHttpKibanaB[] = {
    {{{"http"sv, "HTTP/1.1 302 Found\r\nlocation: /app/kibana\r\nkbn-name: kibana\r\n\r"sv}, {"title"sv, "Kibana"sv}},
     2},
};
constexpr Banner kHttpPrinterB[] = {
    {{{"http"sv, "HTTP/1.1 200 OK\r\nServer: HP HTTP Server; HP LaserJet Pro M404n - W1A52A\r\n"
                 "Content-Type: text/html\r\n\r"sv},
      {"http.server"sv, "HP HTTP Server; HP LaserJet Pro M404n - W1A52A"sv},
      {"title"sv, "HP LaserJet Pro M404n"sv}},
     3},
};
constexpr Banner kTlsPrinterB[] = {{{{"ssl"sv, "TLS/1.2 cipher:0xc02f, HP Jetdirect"sv}}, 1}};
constexpr Banner kIppB[] = {
    {{{"http"sv, "HTTP/1.1 400 Bad Request\r\nServer: HP HTTP Server; HP LaserJet Pro M404n - W1A52A\r\n\r"sv}}, 1},
};
constexpr Banner kHttpUnifiB[] = {
    {{{"http"sv, "HTTP/1.1 302 \r\nLocation: https://unifi:8443/manage\r\nContent-Length: 0\r\n\r"sv},
      {"title"sv, "UniFi Network"sv}},
     2},
};
constexpr Banner kTlsUnifiB[] = {{{{"ssl"sv, "TLS/1.2 cipher:0xc02f, UniFi"sv}}, 1}};
constexpr Banner kHttpMikrotikB[] = {
    {{{"http"sv, "HTTP/1.0 200 OK\r\nContent-Length: 1310\r\nContent-Type: text/html\r\n\r"sv},
      {"title"sv, "RouterOS router configuration page"sv}},
     2},
};
constexpr Banner kHttpHikB[] = {
    {{{"http"sv, "HTTP/1.1 200 OK\r\nServer: App-webs/\r\nContent-Type: text/html\r\n\r"sv},
      {"http.server"sv, "App-webs/"sv},
      {"title"sv, "Hikvision Digital Technology"sv}},
     3},
};
constexpr Banner kHttpSynoB[] = {
    {{{"http"sv, "HTTP/1.1 200 OK\r\nServer: nginx\r\nContent-Type: text/html\r\n\r"sv},
      {"http.server"sv, "nginx"sv},
      {"title"sv, "Synology DiskStation"sv}},
     3},
};
constexpr Banner kTlsSynoB[] = {{{{"ssl"sv, "TLS/1.2 cipher:0xc02f, synology"sv}}, 1}};
constexpr Banner kFtpB[] = {
    {{{"ftp"sv, "220 (vsFTPd 3.0.3)\r\n"sv}}, 1},
    {{{"ftp"sv, "220 ProFTPD Server (Debian) [::ffff:192.0.2.7]\r\n"sv}}, 1},
    {{{"ftp"sv, "220 Microsoft FTP Service\r\n"sv}}, 1},
};
constexpr Banner kVncB[] = {{{{"vnc"sv, "RFB 003.008\n"sv}}, 1}};
constexpr Banner kHttpGenericB[] = {
    {{{"http"sv, "HTTP/1.1 404 Not Found\r\nServer: lighttpd/1.4.35\r\n\r"sv}, {"title"sv, "404 - Not Found"sv}}, 2},
    {{{"http"sv, "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic realm=\"router\"\r\n\r"sv}}, 1},
    {{{"http"sv, "HTTP/1.0 400 Bad Request\r\nContent-Type: text/html\r\n\r"sv}}, 1},
};
constexpr Banner kCwmpB[] = {
    {{{"http"sv, "HTTP/1.1 401 Unauthorized\r\nServer: RomPager/4.07 UPnP/1.0\r\n"
                 "WWW-Authenticate: Digest realm=\"IgdAuthentication\"\r\n\r"sv},
      {"http.server"sv, "RomPager/4.07 UPnP/1.0"sv}},
     2},
};
constexpr Banner kRedisB[] = {{{{"unknown"sv, "-NOAUTH Authentication required.\r\n"sv}}, 1}};
constexpr Banner kTlsGenericB[] = {
    {{{"ssl"sv, "TLS/1.2 cipher:0xc02f, localhost"sv}}, 1},
    {{{"ssl"sv, "TLS/1.2 cipher:0xc030, self-signed"sv}}, 1},
};

struct TemplateSet {
  const Banner* variants;
  uint32_t count;
};
template <size_t N>
constexpr TemplateSet set_of(const Banner (&a)[N]) {
  return {a, uint32_t(N)};
}
constexpr std::array<TemplateSet, kTmplCount> kTemplates = {
    TemplateSet{nullptr, 0}, set_of(kHttpWebB), set_of(kTlsWebB), set_of(kSshB), set_of(kHttpCiscoB),
    set_of(kTlsCiscoB), set_of(kSmbB), set_of(kRdpB), set_of(kMysqlB), set_of(kSmtpB), set_of(kPopB),
    set_of(kImapB), set_of(kTelnetIotB), set_of(kHttpIotB), set_of(kHttpEsB), set_of(kHttpKibanaB),
    set_of(kHttpPrinterB), set_of(kTlsPrinterB), set_of(kIppB), set_of(kHttpUnifiB), set_of(kTlsUnifiB),
    set_of(kHttpMikrotikB), set_of(kHttpHikB), set_of(kHttpSynoB), set_of(kTlsSynoB), set_of(kFtpB),
    set_of(kVncB), set_of(kHttpGenericB), set_of(kCwmpB), set_of(kRedisB), set_of(kTlsGenericB),
};

// ---------------------------------------------------------------- profiles
struct PortSpec {
  uint16_t port;
  uint8_t percent;  // 100: a fixed port (noise may drop one)
  uint8_t tmpl;
};
enum Kind : uint8_t { kMulti, kSingle, kTail, kSink };

struct ProfileDef {
  std::string_view name;
  uint32_t weight;        // out of 65536 hosts
  Kind kind;
  uint8_t ttl_base;       // initial TTL of the host's OS
  uint8_t pref_percent;   // share of hosts placed in the profile's own /16s
  uint16_t pref_min;      // at least this many own /16s (more for big scans: ~8192 hosts each)
  PortSpec ports[8];
  uint8_t nports;
  BannerRecord marker;
  uint16_t marker_port;
  std::string_view description;
};

constexpr ProfileDef kProfiles[] = {
    {"web", 7800, kMulti, 64, 0, 0, {{80, 100, kHttpWeb}, {443, 100, kTlsWeb}, {22, 35, kSsh}, {8080, 5, kHttpWeb}},
     4, {}, 0, "web server: 80 + 443, often 22"},
    {"cisco", 2000, kMulti, 255, 80, 4, {{80, 100, kHttpCisco}, {60443, 100, kTlsCisco}}, 2,
     {"http.server"sv, "cisco-IOS"sv}, 80, "Cisco IOS boxes: 80 + 60443, 'cisco-IOS' on 80, in a few /16s"},
    {"win", 2600, kMulti, 128, 0, 0,
     {{135, 100, kNone}, {445, 100, kSmb}, {3389, 100, kRdp}, {139, 30, kNone}, {5985, 10, kNone}}, 5, {}, 0,
     "Windows: 135 + 445 + 3389"},
    {"db-mysql", 1600, kMulti, 64, 0, 0, {{22, 100, kSsh}, {3306, 100, kMysql}}, 2, {}, 0, "ssh beside MySQL"},
    {"db-pg", 1000, kMulti, 64, 0, 0, {{22, 100, kSsh}, {5432, 100, kNone}}, 2, {}, 0, "ssh beside PostgreSQL"},
    {"mail", 1300, kMulti, 64, 0, 0,
     {{25, 100, kSmtp}, {587, 100, kSmtp}, {110, 70, kPop}, {143, 70, kImap}, {993, 50, kTlsGeneric},
      {995, 40, kTlsGeneric}, {465, 30, kTlsGeneric}},
     7, {}, 0, "mail: 25 + 587, often 110/143/993/995/465"},
    {"iot", 2000, kMulti, 64, 50, 8, {{23, 100, kTelnetIot}, {80, 60, kHttpIot}}, 2, {"http.server"sv, "GoAhead-Webs"sv},
     80, "IoT cameras: telnet 23, 80 with a GoAhead banner on most; clustered"},
    {"es", 520, kMulti, 64, 0, 0, {{9200, 100, kHttpEs}, {5601, 100, kHttpKibana}, {9300, 30, kNone}}, 3,
     {"title"sv, "Kibana"sv}, 5601, "Elasticsearch 9200 + Kibana 5601"},
    {"printer", 650, kMulti, 255, 0, 0,
     {{80, 100, kHttpPrinter}, {443, 100, kTlsPrinter}, {631, 100, kIpp}, {9100, 100, kNone}}, 4,
     {"title"sv, "HP LaserJet Pro M404n"sv}, 80, "printers: 80 + 443 + 631 + 9100"},
    {"unifi", 450, kMulti, 64, 0, 0, {{8080, 100, kHttpUnifi}, {8443, 100, kTlsUnifi}, {8880, 30, kNone}}, 3,
     {"title"sv, "UniFi Network"sv}, 8080, "UniFi controllers: 8080 names the vendor, admin UI on 8443"},
    {"mikrotik", 1000, kMulti, 64, 60, 6,
     {{80, 100, kHttpMikrotik}, {8291, 100, kNone}, {2000, 100, kNone}, {22, 40, kSsh}, {8728, 25, kNone}}, 5,
     {"title"sv, "RouterOS router configuration page"sv}, 80,
     "MikroTik routers: 80 names RouterOS, winbox 8291 and 2000; clustered"},
    {"hikvision", 800, kMulti, 64, 40, 6, {{80, 100, kHttpHik}, {8000, 100, kNone}, {554, 100, kNone}}, 3,
     {"http.server"sv, "App-webs/"sv}, 80, "Hikvision cameras: 80 (App-webs) + 8000 + 554"},
    {"synology", 520, kMulti, 64, 0, 0, {{5000, 100, kHttpSyno}, {5001, 100, kTlsSyno}, {80, 40, kHttpWeb}}, 3,
     {"title"sv, "Synology DiskStation"sv}, 5000, "Synology NAS: 5000 names the vendor, 5001"},
    {"sink", 130, kSink, 64, 0, 0, {}, 0, {}, 0, "service sinks: 12-48 random open ports"},
    {"single", 27000, kSingle, 64, 0, 0, {}, 0, {}, 0, "one open port among common ports"},
    {"tail", 16166, kTail, 64, 0, 0, {}, 0, {}, 0,
     "one open random port, mostly a port that is popular in the host's /16"},
};
constexpr size_t kNumProfiles = std::size(kProfiles);

struct SingleSpec {
  uint16_t port;
  uint8_t tmpl;
  uint32_t weight;
};
constexpr SingleSpec kSingles[] = {
    {80, kHttpWeb, 16000},   {443, kTlsWeb, 14000},   {22, kSsh, 10000},     {7547, kCwmp, 5000},
    {8080, kHttpGeneric, 3500}, {21, kFtp, 3000},     {3389, kRdp, 2500},    {8443, kTlsGeneric, 2500},
    {23, kTelnetIot, 2000},  {53, kNone, 1500},       {25, kSmtp, 1500},     {8000, kHttpGeneric, 1500},
    {5900, kVnc, 1000},      {6379, kRedis, 800},     {3306, kMysql, 700},   {1723, kNone, 700},
    {8888, kHttpGeneric, 500}, {110, kPop, 400},      {993, kTlsGeneric, 300}, {995, kTlsGeneric, 300},
};
constexpr uint64_t singles_total() {
  uint64_t s = 0;
  for (auto& x : kSingles) s += x.weight;
  return s;
}

// ---------------------------------------------------------------- layout
constexpr uint32_t kAllowedSlash16 = 221 * 256;  // first octets 1-9, 11-126, 128-223
inline uint32_t allowed_first_octet(uint32_t i) {
  if (i < 9) return i + 1;
  if (i < 125) return i + 2;
  return i + 3;
}
constexpr uint64_t kSlash16Target = 32768;   // Zipf weights capped at half a /16
constexpr uint32_t kSlash16Hard = 61440;     // a full /16 overflows to the next rank

constexpr uint32_t kMissPercent = 5;         // profile hosts missing one fixed port
constexpr uint32_t kExtraMultiPerMille = 40; // hosts with random extra ports
constexpr uint32_t kExtraSinglePerMille = 20;
constexpr uint32_t kBannerPercent = 92;      // services with a banner template that send it
constexpr uint32_t kRetryPer65536 = 200;     // services seen twice
constexpr uint32_t kJitter = 30;             // services of a host within 30 s of its base time
constexpr size_t kRing = 64;                 // > kJitter + retry (16) + banner delay (2)
constexpr size_t kMaxPorts = 64;

struct Pending {
  uint32_t ip;
  uint16_t port;
  uint8_t ttl;
  uint8_t reason;
  const BannerRecord* banner;  // nullptr: a status record
};

class Generator {
 public:
  explicit Generator(const SynthGpsOptions& o) : o_(o) {
    allocate_slash16s();
    // Profile /16 preferences.
    for (size_t p = 0; p < kNumProfiles; ++p) {
      const auto& d = kProfiles[p];
      if (!d.pref_percent) continue;
      uint64_t expected = uint64_t(u128(o.hosts) * d.weight / 65536) * d.pref_percent / 100;
      uint64_t n = std::max<uint64_t>(d.pref_min, expected / 8192);
      n = std::min<uint64_t>(n, k_);
      for (uint64_t j = 0; j < n; ++j) preferred_[p].push_back(uint32_t(below(hash2(key(kPreferred), p * 65536 + j), k_)));
    }
    uint64_t acc = 0;
    for (size_t p = 0; p < kNumProfiles; ++p) profile_cum_[p] = uint32_t(acc += kProfiles[p].weight);
    profile_total_ = acc;
  }

  SynthGpsSummary run(MasscanWriter& w) {
    SynthGpsSummary s;
    s.profile_hosts.assign(kNumProfiles, 0);
    if (o_.hosts > 0) {
      MasscanScanInfo info;
      info.started = o_.start_time;
      info.tcp_ports.resize(65535);
      for (uint32_t p = 1; p <= 65535; ++p) info.tcp_ports[p - 1] = uint16_t(p);
      w.set_scan_info(std::move(info));
    }
    std::vector<std::vector<Pending>> ring(kRing);
    uint64_t flushed_to = o_.start_time;  // every second < flushed_to is written
    auto flush_until = [&](uint64_t t) {
      for (; flushed_to < t; ++flushed_to) {
        auto& bucket = ring[flushed_to % kRing];
        for (const Pending& p : bucket) emit(w, p, uint32_t(flushed_to), s);
        bucket.clear();
      }
    };
    for (uint64_t i = 0; i < o_.hosts; ++i) {
      uint64_t t = o_.start_time + uint64_t(u128(i) * o_.duration_s / o_.hosts);
      flush_until(t);
      make_host(i, t, ring, s);
    }
    flush_until(flushed_to + kRing);
    w.finish();
    return s;
  }

 private:
  uint64_t key(uint64_t stream) const { return hash2(o_.seed, stream * 0xd1b54a32d192ed03ULL); }

  void allocate_slash16s() {
    k_ = std::clamp<uint64_t>((o_.hosts + o_.hosts_per_slash16 - 1) / o_.hosts_per_slash16, 16, kAllowedSlash16);
    // Zipf weights 1/(r+1), the expected hosts of a /16 capped by water-filling.
    std::vector<uint64_t> w(k_), suffix(k_ + 1, 0);
    for (uint64_t r = 0; r < k_; ++r) w[r] = (uint64_t(1) << 40) / (r + 1);
    for (uint64_t r = k_; r-- > 0;) suffix[r] = suffix[r + 1] + w[r];
    uint64_t left = std::max<uint64_t>(o_.hosts, 1) * 1024, m = 0;
    std::vector<uint64_t> alloc(k_, 0);
    while (m < k_) {
      uint64_t c = uint64_t(u128(left) * w[m] / suffix[m]);
      if (c < kSlash16Target * 1024) break;
      alloc[m++] = kSlash16Target * 1024;
      left -= kSlash16Target * 1024;
    }
    for (uint64_t r = m; r < k_; ++r) alloc[r] = uint64_t(u128(left) * w[r] / suffix[m]);
    cum_.resize(k_);
    uint64_t acc = 0;
    for (uint64_t r = 0; r < k_; ++r) cum_[r] = acc += alloc[r];
    cum_total_ = acc;
    // Rank -> /16: an affine bijection of the allowed /16s.
    uint64_t a = hash2(key(kSlash16Order), 0) % kAllowedSlash16;
    auto coprime = [](uint64_t x) { return x % 2 && x % 13 && x % 17; };
    while (!coprime(a)) a = (a + 1) % kAllowedSlash16;
    uint64_t b = hash2(key(kSlash16Order), 1) % kAllowedSlash16;
    prefix_.resize(k_);
    key16_.resize(k_);
    count_.assign(k_, 0);
    fav_.resize(k_ * 2);
    for (uint64_t r = 0; r < k_; ++r) {
      uint32_t idx = uint32_t((a * r + b) % kAllowedSlash16);
      prefix_[r] = (allowed_first_octet(idx >> 8) << 24) | ((idx & 255) << 16);
      key16_[r] = hash2(key(kSlash16Hosts), r);
      for (int j = 0; j < 2; ++j)
        fav_[r * 2 + j] = uint16_t(1 + below(hash2(key(kFavourite), r * 2 + j), o_.ports_universe));
    }
  }

  uint16_t random_port(SplitMix64& rng) const { return uint16_t(1 + rng.below(o_.ports_universe)); }

  static void add(PortSpec* svcs, size_t& n, uint16_t port, uint8_t tmpl) {
    for (size_t i = 0; i < n; ++i)
      if (svcs[i].port == port) return;
    if (n < kMaxPorts) svcs[n++] = {port, 100, tmpl};
  }

  void add_extra(SplitMix64& rng, PortSpec* svcs, size_t& n) const {
    if (rng.below(2)) {
      uint64_t u = rng.below(singles_total()), acc = 0;
      for (const auto& x : kSingles)
        if (u < (acc += x.weight)) return add(svcs, n, x.port, x.tmpl);
    } else {
      add(svcs, n, random_port(rng), kNone);
    }
  }

  void make_host(uint64_t i, uint64_t t, std::vector<std::vector<Pending>>& ring, SynthGpsSummary& s) {
    SplitMix64 rng{hash2(key(kHost), i)};
    // Profile.
    uint64_t u = rng.below(profile_total_);
    size_t p = 0;
    while (u >= profile_cum_[p]) ++p;
    const ProfileDef& d = kProfiles[p];
    ++s.profile_hosts[p];
    ++s.hosts;
    // /16 and address.
    uint64_t r;
    if (d.pref_percent && rng.percent(d.pref_percent)) {
      r = preferred_[p][rng.below(preferred_[p].size())];
    } else {
      uint64_t v = rng.below(cum_total_);
      r = uint64_t(std::upper_bound(cum_.begin(), cum_.end(), v) - cum_.begin());
      if (r >= k_) r = k_ - 1;
    }
    while (count_[r] >= kSlash16Hard) r = (r + 1) % k_;
    const uint32_t ip = prefix_[r] | feistel16(key16_[r], count_[r]++);
    if (o_.on_host) o_.on_host(ip, p);
    const uint8_t ttl = uint8_t(d.ttl_base - 2 - rng.below(13) - rng.below(13));

    // Ports.
    PortSpec svcs[kMaxPorts];
    size_t n = 0;
    uint32_t extra_per_mille = kExtraSinglePerMille;
    switch (d.kind) {
      case kMulti: {
        extra_per_mille = kExtraMultiPerMille;
        size_t fixed = 0;
        for (size_t j = 0; j < d.nports; ++j) fixed += d.ports[j].percent == 100;
        size_t drop = fixed >= 2 && rng.percent(kMissPercent) ? rng.below(fixed) : size_t(-1);
        size_t f = 0;
        for (size_t j = 0; j < d.nports; ++j) {
          const PortSpec& ps = d.ports[j];
          if (ps.percent == 100) {
            if (f++ != drop) add(svcs, n, ps.port, ps.tmpl);
          } else if (rng.percent(ps.percent)) {
            add(svcs, n, ps.port, ps.tmpl);
          }
        }
        break;
      }
      case kSingle: {
        uint64_t v = rng.below(singles_total()), acc = 0;
        for (const auto& x : kSingles)
          if (v < (acc += x.weight)) {
            add(svcs, n, x.port, x.tmpl);
            break;
          }
        break;
      }
      case kTail: {
        uint64_t v = rng.below(100);
        uint16_t port = v < 40 ? fav_[r * 2] : v < 60 ? fav_[r * 2 + 1] : random_port(rng);
        add(svcs, n, port, rng.percent(25) ? kHttpGeneric : kNone);
        break;
      }
      case kSink: {
        uint64_t k = 12 + rng.below(37);
        uint8_t tmpl = rng.below(2) ? kHttpGeneric : kNone;
        for (uint64_t j = 0; j < 4 * k && n < k; ++j) add(svcs, n, random_port(rng), tmpl);
        break;
      }
    }
    if (d.kind != kSink && rng.below(1000) < extra_per_mille) {
      add_extra(rng, svcs, n);
      if (rng.percent(30)) add_extra(rng, svcs, n);
    }

    // Records.
    for (size_t j = 0; j < n; ++j) {
      Pending pd{ip, svcs[j].port, ttl, reason(rng), nullptr};
      const uint64_t ts = t + rng.below(kJitter);
      ring[ts % kRing].push_back(pd);
      ++s.services;
      if (rng.below(65536) < kRetryPer65536) ring[(ts + 1 + rng.below(15)) % kRing].push_back(pd);
      const TemplateSet& set = kTemplates[svcs[j].tmpl];
      if (set.count && rng.percent(kBannerPercent)) {
        const Banner& b = set.variants[rng.below(set.count)];
        const uint64_t bt = ts + 1 + rng.below(2);
        for (uint32_t q = 0; q < b.count; ++q) {
          Pending bp = pd;
          bp.banner = &b.records[q];
          ring[bt % kRing].push_back(bp);
        }
      }
    }
  }

  static uint8_t reason(SplitMix64& rng) {
    uint64_t u = rng.below(65536);
    if (u < 64200) return 0x12;  // syn-ack
    if (u < 65000) return 0x52;  // syn-ack-ece
    if (u < 65400) return 0xd2;  // syn-ack-ece-cwr
    return 0x1a;                 // syn-psh-ack
  }

  static void emit(MasscanWriter& w, const Pending& p, uint32_t ts, SynthGpsSummary& s) {
    ++s.records;
    if (p.banner) {
      ++s.banner_records;
      w.banner(p.ip, ts, p.port, uint8_t(Proto::tcp), p.banner->service, p.banner->text, p.ttl);
    } else {
      ++s.status_records;
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

  const SynthGpsOptions& o_;
  uint64_t k_ = 0;
  std::vector<uint64_t> cum_;
  uint64_t cum_total_ = 0;
  std::vector<uint32_t> prefix_;
  std::vector<uint64_t> key16_;
  std::vector<uint32_t> count_;
  std::vector<uint16_t> fav_;
  std::array<std::vector<uint32_t>, kNumProfiles> preferred_;
  std::array<uint32_t, kNumProfiles> profile_cum_{};
  uint64_t profile_total_ = 0;
};

}  // namespace

const std::vector<SynthGpsProfile>& synthetic_gps_profiles() {
  static const std::vector<SynthGpsProfile> list = [] {
    std::vector<SynthGpsProfile> out;
    for (const auto& d : kProfiles) {
      SynthGpsProfile p;
      p.name = d.name;
      p.weight = d.weight;
      for (size_t j = 0; j < d.nports; ++j) {
        if (d.ports[j].percent == 100) {
          p.ports.push_back(d.ports[j].port);
        } else {
          p.optional_ports.push_back(d.ports[j].port);
          p.optional_percent.push_back(d.ports[j].percent);
        }
      }
      if (d.kind == kSingle)
        for (const auto& x : kSingles) {
          p.optional_ports.push_back(x.port);
          p.optional_percent.push_back(0);
        }
      p.marker_service = d.marker.service;
      p.marker_banner = d.marker.text;
      p.marker_port = d.marker_port;
      p.description = d.description;
      out.push_back(std::move(p));
    }
    return out;
  }();
  return list;
}

void validate(const SynthGpsOptions& o) {
  if (o.hosts > (uint64_t(1) << 30)) throw std::invalid_argument("--hosts must be at most 1073741824");
  if (o.ports_universe < 256 || o.ports_universe > 65535)
    throw std::invalid_argument("--ports-universe must be in [256, 65535]");
  if (o.hosts_per_slash16 < 1 || o.hosts_per_slash16 > 32768)
    throw std::invalid_argument("--hosts-per-slash16 must be in [1, 32768]");
  if (o.duration_s == 0) throw std::invalid_argument("duration must be positive");
  if (uint64_t(o.start_time) + o.duration_s + 1024 > 0xffffffffULL)
    throw std::invalid_argument("start time + duration overflow 32-bit timestamps");
}

SynthGpsSummary write_synthetic_gps(const SynthGpsOptions& options, MasscanWriter& writer) {
  validate(options);
  Generator g(options);
  return g.run(writer);
}

}  // namespace scanhpc
