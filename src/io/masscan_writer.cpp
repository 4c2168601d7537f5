#include "scanhpc/io/masscan_writer.hpp"

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <utility>

#include "scanhpc/core/codes.hpp"

namespace scanhpc {
namespace {

constexpr size_t kBufferBytes = size_t(1) << 20;  // flushed in blocks of about 1 MiB
constexpr size_t kRecordSlack = 1024;             // fixed part of the longest record

// Banner buffer sizes of masscan 1.3.x: 64 KiB for JSON and NDJSON, 4096 for
// -oL and -oG, MAX_BANNER_LENGTH (8192) for -oX. Longer banners are cut the
// way normalize_string() cuts them.
constexpr size_t kJsonBannerBuf = 65536;
constexpr size_t kTextBannerBuf = 4096;
constexpr size_t kXmlBannerBuf = 8192;

struct ReasonTable {
  std::array<std::string, 256> names;
  ReasonTable() {
    for (unsigned i = 0; i < 256; ++i) names[i] = format_reason(uint8_t(i));
  }
};
const ReasonTable& reasons() {
  static const ReasonTable table;
  return table;
}

struct OctetTable {
  std::array<std::array<char, 4>, 256> text{};  // digits then length in [3]
  OctetTable() {
    for (unsigned i = 0; i < 256; ++i) {
      auto r = std::to_chars(text[i].data(), text[i].data() + 3, i);
      text[i][3] = char(r.ptr - text[i].data());
    }
  }
};
const OctetTable& octets() {
  static const OctetTable table;
  return table;
}

std::string_view proto_text(uint8_t p) { return proto_name(Proto(p)); }
std::string_view status_text(uint8_t s) { return status_name(Status(s)); }

// Gregorian date from days since 1970-01-01 (H. Hinnant's civil_from_days).
void civil_from_days(int64_t z, int& y, unsigned& m, unsigned& d) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = unsigned(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = int64_t(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = int(yy + (m <= 2));
}

struct Tm {
  int year;
  unsigned mon, mday, hour, min, sec, wday;
};
Tm gmtime_u32(uint32_t t) {
  Tm tm{};
  int64_t days = int64_t(t) / 86400;
  uint32_t rem = uint32_t(int64_t(t) % 86400);
  civil_from_days(days, tm.year, tm.mon, tm.mday);
  tm.hour = rem / 3600;
  tm.min = rem / 60 % 60;
  tm.sec = rem % 60;
  tm.wday = unsigned((days + 4) % 7);  // 1970-01-01 was a Thursday
  return tm;
}

std::string two(unsigned v) {
  char b[2] = {char('0' + v / 10 % 10), char('0' + v % 10)};
  return std::string(b, 2);
}

// strftime("%c") in the C locale: "%a %b %e %H:%M:%S %Y", GMT.
std::string ctime_c_locale(uint32_t t) {
  static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                            "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  Tm tm = gmtime_u32(t);
  std::string s = std::string(kDays[tm.wday]) + ' ' + kMonths[tm.mon - 1] + ' ';
  s += tm.mday < 10 ? ' ' + std::to_string(tm.mday) : std::to_string(tm.mday);
  s += ' ' + two(tm.hour) + ':' + two(tm.min) + ':' + two(tm.sec) + ' ' + std::to_string(tm.year);
  return s;
}

// strftime("%Y-%m-%d %H:%M:%S"), GMT.
std::string iso_time(uint32_t t) {
  Tm tm = gmtime_u32(t);
  return std::to_string(tm.year) + '-' + two(tm.mon) + '-' + two(tm.mday) + ' ' + two(tm.hour) + ':' +
         two(tm.min) + ':' + two(tm.sec);
}

struct ServiceName {
  uint16_t port;
  const char* name;
};
// Debian's /etc/services names for the ports seen in Internet-wide scans.
constexpr ServiceName kTcpServices[] = {
    {7, "echo"},          {20, "ftp-data"},     {21, "ftp"},         {22, "ssh"},
    {23, "telnet"},       {25, "smtp"},         {37, "time"},        {43, "whois"},
    {53, "domain"},       {70, "gopher"},       {79, "finger"},      {80, "http"},
    {88, "kerberos"},     {102, "iso-tsap"},    {110, "pop3"},       {111, "sunrpc"},
    {113, "auth"},        {119, "nntp"},        {123, "ntp"},        {135, "epmap"},
    {139, "netbios-ssn"}, {143, "imap2"},       {161, "snmp"},       {179, "bgp"},
    {389, "ldap"},        {443, "https"},       {445, "microsoft-ds"}, {465, "submissions"},
    {513, "login"},       {514, "shell"},       {515, "printer"},    {554, "rtsp"},
    {587, "submission"},  {631, "ipp"},         {636, "ldaps"},      {873, "rsync"},
    {993, "imaps"},       {995, "pop3s"},       {1080, "socks"},     {1194, "openvpn"},
    {1433, "ms-sql-s"},   {1434, "ms-sql-m"},   {1883, "mqtt"},      {2049, "nfs"},
    {3128, "squid"},      {3306, "mysql"},      {3389, "ms-wbt-server"}, {5060, "sip"},
    {5432, "postgresql"}, {5672, "amqp"},       {6379, "redis"},     {8080, "http-alt"},
    {8081, "tproxy"},     {9418, "git"},        {11211, "memcache"},
};

}  // namespace

std::string_view masscan_tcp_service_name(uint16_t port) {
  auto it = std::lower_bound(std::begin(kTcpServices), std::end(kTcpServices), port,
                             [](const ServiceName& s, uint16_t p) { return s.port < p; });
  if (it != std::end(kTcpServices) && it->port == port) return it->name;
  return "unknown";
}

std::optional<MasscanTextFormat> parse_masscan_text_format(std::string_view name) {
  if (!name.empty() && name[0] == '-') name.remove_prefix(1);
  if (name == "json" || name == "oJ") return MasscanTextFormat::json;
  if (name == "ndjson" || name == "jsonl" || name == "oD") return MasscanTextFormat::ndjson;
  if (name == "list" || name == "oL") return MasscanTextFormat::list;
  if (name == "grepable" || name == "oG") return MasscanTextFormat::grepable;
  if (name == "xml" || name == "oX") return MasscanTextFormat::xml;
  return std::nullopt;
}

std::string_view masscan_text_format_name(MasscanTextFormat f) {
  switch (f) {
    case MasscanTextFormat::json: return "json";
    case MasscanTextFormat::ndjson: return "ndjson";
    case MasscanTextFormat::list: return "list";
    case MasscanTextFormat::grepable: return "grepable";
    case MasscanTextFormat::xml: return "xml";
  }
  return "json";
}

static MasscanTextFormat must_parse(std::string_view name) {
  auto f = parse_masscan_text_format(name);
  if (!f) throw std::invalid_argument("unknown masscan output format '" + std::string(name) +
                                      "' (json, ndjson, list, grepable, xml)");
  return *f;
}

MasscanWriter::MasscanWriter(std::string_view format, std::FILE* out)
    : MasscanWriter(must_parse(format), out) {}
MasscanWriter::MasscanWriter(MasscanTextFormat format, std::FILE* out) : format_(format), file_(out) {
  init();
}
MasscanWriter::MasscanWriter(std::string_view format, std::string& out)
    : MasscanWriter(must_parse(format), out) {}
MasscanWriter::MasscanWriter(MasscanTextFormat format, std::string& out) : format_(format), str_(&out) {
  init();
}

void MasscanWriter::init() {
  buf_.resize(kBufferBytes + kRecordSlack);
  (void)reasons();
  (void)octets();
}

MasscanWriter::~MasscanWriter() {
  try {
    flush();
  } catch (...) {
  }
}

void MasscanWriter::set_scan_info(MasscanScanInfo info) { info_ = std::move(info); }

void MasscanWriter::flush() {
  if (pos_ == 0) return;
  if (str_) {
    str_->append(buf_.data(), pos_);
  } else if (file_) {
    if (std::fwrite(buf_.data(), 1, pos_, file_) != pos_) {
      int err = errno;
      pos_ = 0;
      throw std::runtime_error(std::string("write failed: ") + std::strerror(err));
    }
  }
  bytes_flushed_ += pos_;
  pos_ = 0;
}

void MasscanWriter::ensure(size_t n) {
  if (pos_ + n <= buf_.size()) return;
  flush();
  if (n > buf_.size()) buf_.resize(n);
}

inline void MasscanWriter::put(std::string_view s) {
  if (s.empty()) return;  // an empty view may have a null data(): memcpy from it is undefined
  std::memcpy(buf_.data() + pos_, s.data(), s.size());
  pos_ += s.size();
}

inline void MasscanWriter::put_u32(uint32_t v) {
  auto r = std::to_chars(buf_.data() + pos_, buf_.data() + pos_ + 10, v);
  pos_ = size_t(r.ptr - buf_.data());
}

inline void MasscanWriter::put_ip(uint32_t ip) {
  const auto& t = octets().text;
  char* p = buf_.data() + pos_;
  for (int shift = 24; shift >= 0; shift -= 8) {
    const auto& o = t[(ip >> shift) & 255];
    std::memcpy(p, o.data(), 4);  // copies the length byte too; overwritten next
    p += o[3];
    *p++ = '.';
  }
  pos_ = size_t(p - 1 - buf_.data());
}

// masscan's normalize_json_string() (json) or normalize_string() (text):
// printable ASCII except < > & \ " ' is copied, every other byte becomes
// \u00xx or \xNN with lower-case hex, within a buffer of buf_len bytes.
void MasscanWriter::put_escaped(std::string_view bytes, bool json, size_t buf_len) {
  static constexpr char kHex[] = "0123456789abcdef";
  ensure(std::min(bytes.size() * 6, buf_len) + kRecordSlack);
  char* out = buf_.data() + pos_;
  size_t offset = 0;
  const size_t esc_need = json ? 7 : 5;
  for (unsigned char c : bytes) {
    bool plain = c >= 0x20 && c <= 0x7e && c != '<' && c != '>' && c != '&' && c != '\\' && c != '"' &&
                 c != '\'';
    if (plain) {
      if (offset + 2 < buf_len) out[offset++] = char(c);
    } else if (offset + esc_need < buf_len) {
      out[offset++] = '\\';
      if (json) {
        out[offset++] = 'u';
        out[offset++] = '0';
        out[offset++] = '0';
      } else {
        out[offset++] = 'x';
      }
      out[offset++] = kHex[c >> 4];
      out[offset++] = kHex[c & 15];
    }
  }
  pos_ += offset;
}

void MasscanWriter::header(uint32_t first_ts) {
  header_written_ = true;
  first_ts_ = first_ts;
  switch (format_) {
    case MasscanTextFormat::json: put("[\n"); break;
    case MasscanTextFormat::ndjson: break;
    case MasscanTextFormat::list: put("#masscan\n"); break;
    case MasscanTextFormat::grepable: {
      uint32_t started = info_.started.value_or(first_ts);
      std::string h = "# Masscan " + info_.version + " scan initiated " + ctime_c_locale(started) + "\n";
      std::vector<uint16_t> ports = info_.tcp_ports;
      std::sort(ports.begin(), ports.end());
      ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
      h += "# Ports scanned: TCP(" + std::to_string(ports.size()) + ";";
      for (size_t i = 0; i < ports.size();) {
        size_t j = i;
        while (j + 1 < ports.size() && ports[j + 1] == ports[j] + 1) ++j;
        if (i) h += ',';
        h += std::to_string(ports[i]) + '-' + std::to_string(ports[j]);
        i = j + 1;
      }
      h += ") UDP(0;) SCTP(0;) PROTOCOLS(0;)\n";
      ensure(h.size());
      put(h);
      break;
    }
    case MasscanTextFormat::xml: {
      std::string h =
          "<?xml version=\"1.0\"?>\r\n"
          "<!-- masscan v1.0 scan -->\r\n"
          "<nmaprun scanner=\"masscan\" start=\"" +
          std::to_string(info_.started.value_or(first_ts)) +
          "\" version=\"1.0-BETA\"  xmloutputversion=\"1.03\">\r\n"
          "<scaninfo type=\"syn\" protocol=\"tcp\" />\r\n";
      ensure(h.size());
      put(h);
      break;
    }
  }
}

inline void MasscanWriter::before_record(uint32_t ts) {
  if (finished_) throw std::logic_error("MasscanWriter: record after finish()");
  if (!header_written_) header(ts);
  ensure(kRecordSlack);
  if (format_ == MasscanTextFormat::json && records_ > 0) put(",\n");
  if (ts > max_ts_) max_ts_ = ts;
  ++records_;
}

void MasscanWriter::status(const StatusRow& r) {
  before_record(r.ts);
  if (r.proto == uint8_t(Proto::tcp)) {
    if (r.status == uint8_t(Status::open)) ++tcp_open_;
    if (r.status == uint8_t(Status::closed)) ++tcp_closed_;
  }
  const std::string& reason = reasons().names[r.reason];
  switch (format_) {
    case MasscanTextFormat::json:
      put("{   \"ip\": \"");
      put_ip(r.ip);
      put("\",   \"timestamp\": \"");
      put_u32(r.ts);
      put("\", \"ports\": [ {\"port\": ");
      put_u32(r.port);
      put(", \"proto\": \"");
      put(proto_text(r.proto));
      put("\", \"status\": \"");
      put(status_text(r.status));
      put("\", \"reason\": \"");
      put(reason);
      put("\", \"ttl\": ");
      put_u32(r.ttl);
      put("} ] }\n");
      break;
    case MasscanTextFormat::ndjson:
      put("{\"ip\":\"");
      put_ip(r.ip);
      put("\",\"timestamp\":\"");
      put_u32(r.ts);
      put("\",\"port\":");
      put_u32(r.port);
      put(",\"proto\":\"");
      put(proto_text(r.proto));
      put("\",\"rec_type\":\"status\",\"data\":{\"status\":\"");
      put(status_text(r.status));
      put("\",\"reason\":\"");
      put(reason);
      put("\",\"ttl\":");
      put_u32(r.ttl);
      put("}}\n");
      break;
    case MasscanTextFormat::list:
      put(status_text(r.status));
      put(" ");
      put(proto_text(r.proto));
      put(" ");
      put_u32(r.port);
      put(" ");
      put_ip(r.ip);
      put(" ");
      put_u32(r.ts);
      put("\n");
      break;
    case MasscanTextFormat::grepable: {
      std::string_view service = r.proto == uint8_t(Proto::tcp)   ? masscan_tcp_service_name(r.port)
                                 : r.proto == uint8_t(Proto::udp) ? std::string_view("unknown")
                                                                  : std::string_view();
      put("Timestamp: ");
      put_u32(r.ts);
      put("\tHost: ");
      put_ip(r.ip);
      put(" ()\tPorts: ");
      put_u32(r.port);
      put("/");
      put(status_text(r.status));
      put("/");
      put(proto_text(r.proto));
      put("//");
      put(service);
      put("//\n");
      break;
    }
    case MasscanTextFormat::xml:
      put("<host endtime=\"");
      put_u32(r.ts);
      put("\"><address addr=\"");
      put_ip(r.ip);
      put("\" addrtype=\"ipv4\"/><ports><port protocol=\"");
      put(proto_text(r.proto));
      put("\" portid=\"");
      put_u32(r.port);
      put("\"><state state=\"");
      put(status_text(r.status));
      put("\" reason=\"");
      put(reason);
      put("\" reason_ttl=\"");
      put_u32(r.ttl);
      put("\"/></port></ports></host>\r\n");
      break;
  }
}

void MasscanWriter::banner(uint32_t ip, uint32_t ts, uint16_t port, uint8_t proto, std::string_view service,
                           std::string_view banner_bytes, uint8_t ttl) {
  before_record(ts);
  if (service.size() > 256) service = service.substr(0, 256);
  ensure(kRecordSlack + service.size());
  switch (format_) {
    case MasscanTextFormat::json:
      put("{   \"ip\": \"");
      put_ip(ip);
      put("\",   \"timestamp\": \"");
      put_u32(ts);
      put("\", \"ports\": [ {\"port\": ");
      put_u32(port);
      put(", \"proto\": \"");
      put(proto_text(proto));
      put("\", \"service\": {\"name\": \"");
      put(service);
      put("\", \"banner\": \"");
      put_escaped(banner_bytes, true, kJsonBannerBuf);
      put("\"} } ] }\n");
      break;
    case MasscanTextFormat::ndjson:
      put("{\"ip\":\"");
      put_ip(ip);
      put("\",\"timestamp\":\"");
      put_u32(ts);
      put("\",\"port\":");
      put_u32(port);
      put(",\"proto\":\"");
      put(proto_text(proto));
      put("\",\"rec_type\":\"banner\",\"data\":{\"service_name\":\"");
      put(service);
      put("\",\"banner\":\"");
      put_escaped(banner_bytes, true, kJsonBannerBuf);
      put("\"}}\n");
      break;
    case MasscanTextFormat::list:
      put("banner ");
      put(proto_text(proto));
      put(" ");
      put_u32(port);
      put(" ");
      put_ip(ip);
      put(" ");
      put_u32(ts);
      put(" ");
      put(service);
      put(" ");
      put_escaped(banner_bytes, false, kTextBannerBuf);
      put("\n");
      break;
    case MasscanTextFormat::grepable:
      put("Host: ");
      put_ip(ip);
      put(" ()\tPort: ");
      put_u32(port);
      put("\tService: ");
      put(service);
      put("\tBanner: ");
      put_escaped(banner_bytes, false, kTextBannerBuf);
      put("\n");
      break;
    case MasscanTextFormat::xml:
      put("<host endtime=\"");
      put_u32(ts);
      put("\"><address addr=\"");
      put_ip(ip);
      put("\" addrtype=\"ipv4\"/><ports><port protocol=\"");
      put(proto_text(proto));
      put("\" portid=\"");
      put_u32(port);
      // masscan compares the app-proto enum with 6 (PROTO_DNS_VERSIONBIND).
      put(service == "dns-ver" ? "\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\""
                               : "\"><state state=\"open\" reason=\"response\" reason_ttl=\"");
      put_u32(ttl);
      put("\" /><service name=\"");
      put(service);
      put("\" banner=\"");
      put_escaped(banner_bytes, false, kXmlBannerBuf);
      put("\"></service></port></ports></host>\r\n");
      break;
  }
}

void MasscanWriter::finish() {
  if (finished_) return;
  finished_ = true;
  if (header_written_) {
    std::string t;
    uint32_t finished = info_.finished.value_or(max_ts_);
    switch (format_) {
      case MasscanTextFormat::json: t = "]\n"; break;
      case MasscanTextFormat::ndjson: break;
      case MasscanTextFormat::list: t = "# end\n"; break;
      case MasscanTextFormat::grepable: t = "# Masscan done at " + ctime_c_locale(finished) + "\n"; break;
      case MasscanTextFormat::xml: {
        uint32_t started = info_.started.value_or(first_ts_);
        uint32_t elapsed = finished >= started ? finished - started : 0;
        t = "<runstats>\r\n<finished time=\"" + std::to_string(finished) + "\" timestr=\"" + iso_time(finished) +
            "\" elapsed=\"" + std::to_string(elapsed) + "\" />\r\n<hosts up=\"" + std::to_string(tcp_open_) +
            "\" down=\"" + std::to_string(tcp_closed_) + "\" total=\"" + std::to_string(tcp_open_ + tcp_closed_) +
            "\" />\r\n</runstats>\r\n</nmaprun>\r\n";
        break;
      }
    }
    ensure(t.size());
    put(t);
  }
  flush();
  if (file_ && std::fflush(file_) != 0)
    throw std::runtime_error(std::string("write failed: ") + std::strerror(errno));
}

}  // namespace scanhpc
