// Tests of the -oL / -oG / -oX line parsers: hand-made lines for every record
// kind and every malformed kind, then the real masscan 1.3.2 files compared
// against the binary file of the same scan.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/io/byte_stream.hpp"
#include "scanhpc/io/masscan_binary.hpp"
#include "scanhpc/io/masscan_text_lines.hpp"

using namespace scanhpc;
using scanhpc::test::check_same;

namespace {

using LineFn = void (*)(std::string_view, uint32_t, uint64_t, ParseSink&);

ParseSink parse_lines(LineFn fn, const std::vector<std::string>& lines, bool keep_banners = true) {
  ParseSink sink;
  sink.keep_banners = keep_banners;
  uint64_t off = 0;
  for (const auto& l : lines) {
    fn(l, 7, off, sink);
    off += l.size() + 1;
  }
  return sink;
}

void require_conserved(const ParseSink& s) {
  REQUIRE(s.counts.records_read == s.counts.records_used + s.counts.records_rejected);
  REQUIRE(s.status.size() == s.counts.status_observations);
}

// One malformed line: exactly one rejection whose cause names the format and
// contains `needle`.
void require_rejected(LineFn fn, const std::string& line, const std::string& prefix, const std::string& needle) {
  INFO("line: " << line);
  ParseSink s = parse_lines(fn, {line});
  require_conserved(s);
  REQUIRE(s.counts.records_read == 1);
  REQUIRE(s.counts.records_rejected == 1);
  REQUIRE(s.status.empty());
  REQUIRE(s.banners.size() == 0);
  REQUIRE(s.errors.size() == 1);
  INFO("cause: " << s.errors[0].cause);
  CHECK(s.errors[0].file == 7);
  CHECK(s.errors[0].offset == 0);
  CHECK(s.errors[0].cause.rfind(prefix + ": ", 0) == 0);
  CHECK(s.errors[0].cause.find(needle) != std::string::npos);
}

uint32_t ip(const char* text) { return *parse_ipv4(text); }

std::string read_file(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

ParseSink parse_file(LineFn fn, const std::string& path) {
  const std::string text = read_file(path);
  ParseSink sink;
  sink.keep_banners = true;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    if (nl == std::string::npos) nl = text.size();
    fn(std::string_view(text).substr(pos, nl - pos), 0, pos, sink);
    pos = nl + 1;
  }
  return sink;
}

ParseSink parse_binary(const std::string& path) {
  ParseSink sink;
  sink.keep_banners = true;
  ByteStream in(path);
  read_masscan_binary(in, 0, sink);
  return sink;
}

const std::string kData = SCANHPC_TESTDATA;

using StatusKey = std::tuple<uint32_t, uint16_t, uint8_t, uint8_t, uint32_t>;  // ip port proto status ts
using BannerKey = std::tuple<uint32_t, uint32_t, uint16_t, uint8_t, std::string, std::string>;

std::vector<StatusKey> status_keys(const ParseSink& s) {
  std::vector<StatusKey> v;
  for (size_t i = 0; i < s.status.size(); ++i) {
    auto r = s.status.row(i);
    v.emplace_back(r.ip, r.port, r.proto, r.status, r.ts);
  }
  std::sort(v.begin(), v.end());
  return v;
}

// ip, ts, port, proto, service, text; fields a format lacks are zeroed.
std::vector<BannerKey> banner_keys(const ParseSink& s, bool with_ts = true, bool with_proto = true) {
  std::vector<BannerKey> v;
  const auto& b = s.banners;
  for (size_t i = 0; i < b.size(); ++i)
    v.emplace_back(b.ip[i], with_ts ? b.ts[i] : 0, b.port[i], with_proto ? b.proto[i] : 0,
                   std::string(b.service.at(i)), std::string(b.banner.at(i)));
  std::sort(v.begin(), v.end());
  return v;
}


}  // namespace

// ---------------------------------------------------------------------------
TEST_CASE("list: status and banner lines", "[readers]") {
  ParseSink s = parse_lines(parse_list_line,
                            {"#masscan", "open tcp 443 93.184.216.34 1629960470", "open icmp 0 93.184.216.34 1629960471\r",
                             "closed udp 53 10.0.0.1 4294967295",
                             "banner tcp 80 93.184.216.34 1629960472 title 404 - Not Found",
                             "banner tcp 25 1.2.3.4 5 smtp ", "", "# end"});
  require_conserved(s);
  REQUIRE(s.counts.records_read == 5);
  REQUIRE(s.counts.records_used == 5);
  REQUIRE(s.counts.banner_records == 2);
  REQUIRE(s.status.size() == 3);

  auto r = s.status.row(0);
  CHECK(r.ip == ip("93.184.216.34"));
  CHECK(r.port == 443);
  CHECK(r.proto == uint8_t(Proto::tcp));
  CHECK(r.status == uint8_t(Status::open));
  CHECK(r.ts == 1629960470u);
  CHECK(r.known == kKnownTs);  // no reason, no ttl in -oL
  CHECK(r.reason == 0);
  CHECK(r.ttl == 0);
  r = s.status.row(1);
  CHECK(r.proto == uint8_t(Proto::icmp));
  CHECK(r.port == 0);
  CHECK(r.ts == 1629960471u);
  r = s.status.row(2);
  CHECK(r.status == uint8_t(Status::closed));
  CHECK(r.proto == uint8_t(Proto::udp));
  CHECK(r.ts == 4294967295u);

  REQUIRE(s.banners.size() == 2);
  CHECK(s.banners.ip[0] == ip("93.184.216.34"));
  CHECK(s.banners.port[0] == 80);
  CHECK(s.banners.ts[0] == 1629960472u);
  CHECK(s.banners.proto[0] == uint8_t(Proto::tcp));
  CHECK(s.banners.known[0] == kKnownTs);
  CHECK(s.banners.service.at(0) == "title");
  CHECK(s.banners.banner.at(0) == "404 - Not Found");
  CHECK(s.banners.service.at(1) == "smtp");
  CHECK(s.banners.banner.at(1) == "");
}

TEST_CASE("list: banners counted but not kept without keep_banners", "[readers]") {
  ParseSink s = parse_lines(parse_list_line, {"banner tcp 80 1.2.3.4 5 http HTTP/1.1 200 OK"}, false);
  require_conserved(s);
  CHECK(s.counts.banner_records == 1);
  CHECK(s.counts.records_used == 1);
  CHECK(s.banners.size() == 0);
}

TEST_CASE("list: banner escapes are decoded to bytes", "[readers]") {
  ParseSink s = parse_lines(parse_list_line,
                            {"banner tcp 1 1.2.3.4 5 x a\\x5cb\\x3c\\xff\\x00c",  // \ < 0xff NUL
                             "banner tcp 1 1.2.3.4 5 x tail\\x4",                   // cut escape: kept
                             "banner tcp 1 1.2.3.4 5 x C:\\dir \\xZZ",             // not masscan's: kept
                             "banner tcp 1 1.2.3.4 5 x \\x41\\x42"});
  require_conserved(s);
  REQUIRE(s.banners.size() == 4);
  CHECK(s.banners.banner.at(0) == std::string("a\\b<\xff\0c", 7));
  CHECK(s.banners.banner.at(1) == "tail\\x4");
  CHECK(s.banners.banner.at(2) == "C:\\dir \\xZZ");
  CHECK(s.banners.banner.at(3) == "AB");
}

TEST_CASE("list: malformed lines are rejected with their cause", "[readers]") {
  auto rej = [](const std::string& line, const std::string& needle) {
    require_rejected(parse_list_line, line, "list", needle);
  };
  rej("open tcp 80 1.2.3 1629960470", "not an IPv4 address: \"1.2.3\"");
  rej("open tcp 80 256.1.1.1 1629960470", "not an IPv4 address");
  rej("open tcp 80 2001:db8::1 1629960470", "not an IPv4 address (IPv6 is not supported): \"2001:db8::1\"");
  rej("open tcp 65536 1.2.3.4 1629960470", "port out of range");
  rej("open tcp 99999999999999999999999999 1.2.3.4 1629960470", "port out of range");
  rej("open tcp -1 1.2.3.4 1629960470", "bad port \"-1\"");
  rej("open tcp 80 1.2.3.4 4294967296", "timestamp out of range");
  rej("open tcp 80 1.2.3.4 18446744073709551616", "timestamp out of range");
  rej("open tcp 80 1.2.3.4 12x", "bad timestamp \"12x\"");
  rej("open tcp 80 1.2.3.4 " + std::string(100, '9'), "timestamp out of range");
  rej("open tcp 80 1.2.3.4 " + std::string(100, '9') + "z", "bad timestamp");
  rej("open tcpx 80 1.2.3.4 1", "unknown protocol \"tcpx\"");
  rej("opened tcp 80 1.2.3.4 1", "unknown record kind \"opened\"");
  rej("open tcp 80", "missing ip field");
  rej("open tcp 80 1.2.3.4", "missing timestamp field");
  rej("open tcp 80 1.2.3.4 1 extra", "unexpected extra field");
  rej("open tcp  80 1.2.3.4 1", "bad port \"\"");
  rej("banner tcp 80 1.2.3.4 1", "missing service field");
  rej("banner tcp 80 1.2.3.4 99999999999 http x", "timestamp out of range");
  rej(std::string("\x01\xff\x00junk", 7), "unknown record kind \"\\x01\\xff\\x00junk\"");
}

TEST_CASE("list: a mixed batch keeps the counts conserved", "[readers]") {
  ParseSink s = parse_lines(parse_list_line, {"#masscan", "open tcp 80 1.2.3.4 1", "open tcp 80 1.2.3 1",
                                              "banner tcp 80 1.2.3.4 1 http x", "bogus", "# end"});
  require_conserved(s);
  CHECK(s.counts.records_read == 4);
  CHECK(s.counts.records_used == 2);
  CHECK(s.counts.records_rejected == 2);
  REQUIRE(s.errors.size() == 2);
  CHECK(s.errors[0].offset == std::string("#masscan\nopen tcp 80 1.2.3.4 1\n").size());
}

// ---------------------------------------------------------------------------
TEST_CASE("grepable: status lines with and without Timestamp, banner lines", "[readers]") {
  ParseSink s = parse_lines(
      parse_grepable_line,
      {"# Masscan 1.3.2 scan initiated Mon Nov 23 04:58:23 2026",
       "# Ports scanned: TCP(0;) UDP(0;) SCTP(0;) PROTOCOLS(0;)",
       "Timestamp: 1629960470\tHost: 93.184.216.34 ()\tPorts: 80/open/tcp//http//",
       "Host: 10.1.2.3 ()\tPorts: 161/closed/udp//snmp//\r",
       "Host: 198.18.2.14 ()\tPort: 80\tService: http.server\tBanner: nginx/1.18.0",
       "Host: 198.18.2.14 ()\tPort: 80\tService: http\tBanner: HTTP/1.1 200 OK\\x0d\\x0aServer: x",
       "# Masscan done at Mon Nov 23 04:58:56 2026"});
  require_conserved(s);
  REQUIRE(s.counts.records_read == 4);
  REQUIRE(s.counts.records_used == 4);
  REQUIRE(s.status.size() == 2);
  auto r = s.status.row(0);
  CHECK(r.ip == ip("93.184.216.34"));
  CHECK(r.port == 80);
  CHECK(r.proto == uint8_t(Proto::tcp));
  CHECK(r.status == uint8_t(Status::open));
  CHECK(r.ts == 1629960470u);
  CHECK(r.known == kKnownTs);
  r = s.status.row(1);  // 1.0.5 layout: no timestamp, never invented
  CHECK(r.ip == ip("10.1.2.3"));
  CHECK(r.port == 161);
  CHECK(r.proto == uint8_t(Proto::udp));
  CHECK(r.status == uint8_t(Status::closed));
  CHECK(r.ts == 0);
  CHECK(r.known == 0);

  REQUIRE(s.banners.size() == 2);
  CHECK(s.counts.banner_records == 2);
  CHECK(s.banners.ip[0] == ip("198.18.2.14"));
  CHECK(s.banners.port[0] == 80);
  CHECK(s.banners.ts[0] == 0);
  CHECK(s.banners.known[0] == 0);                       // no timestamp in -oG banners
  CHECK(s.banners.proto[0] == uint8_t(Proto::unknown));  // nor a protocol
  CHECK(s.banners.service.at(0) == "http.server");
  CHECK(s.banners.banner.at(0) == "nginx/1.18.0");
  CHECK(s.banners.banner.at(1) == "HTTP/1.1 200 OK\r\nServer: x");  // \xNN decoded to bytes
}

TEST_CASE("grepable: malformed lines are rejected with their cause", "[readers]") {
  auto rej = [](const std::string& line, const std::string& needle) {
    require_rejected(parse_grepable_line, line, "grepable", needle);
  };
  rej("Timestamp: 1\tHost: 1.2.3.999 ()\tPorts: 80/open/tcp//http//", "not an IPv4 address: \"1.2.3.999\"");
  rej("Timestamp: 1\tHost: ::1 ()\tPorts: 80/open/tcp//http//", "IPv6 is not supported");
  rej("Timestamp: 4294967296\tHost: 1.2.3.4 ()\tPorts: 80/open/tcp//http//", "timestamp out of range");
  rej("Timestamp: 1\tHost: 1.2.3.4 ()\tPorts: 70000/open/tcp//http//", "port out of range");
  rej("Timestamp: 1\tHost: 1.2.3.4 ()\tPorts: 80/shut/tcp//http//", "unknown status \"shut\"");
  rej("Timestamp: 1\tHost: 1.2.3.4 ()\tPorts: 80/open/ipx//http//", "unknown protocol \"ipx\"");
  rej("Timestamp: 1\tHost: 1.2.3.4 ()\tPorts: 80", "malformed Ports entry");
  rej("Timestamp: 1\tHost: 1.2.3.4 ()", "nothing after the Host field");
  rej("Timestamp: 1 Host: 1.2.3.4 ()", "no tab after the Timestamp field");
  rej("Timestamp: 1\tHost: 1.2.3.4 ()\tStatus: Up", "expected 'Ports:' or 'Port:'");
  rej("Host: 1.2.3.4 ()\tPort: 99999\tService: http\tBanner: x", "port out of range");
  rej("Host: 1.2.3.4 ()\tPort: 80\tBanner: x", "missing Service field");
  rej("Host: 1.2.3.4 ()\tPort: 80\tService: http", "missing Service name or Banner field");
  rej("Nmap done", "unrecognised line");
  rej(std::string("\x7f\x45\x4c\x46\x02\x01", 6), "unrecognised line");
}

// ---------------------------------------------------------------------------
TEST_CASE("xml: status and banner records, non-record lines", "[readers]") {
  ParseSink s = parse_lines(
      parse_xml_line,
      {"<?xml version=\"1.0\"?>\r", "<!-- masscan v1.0 scan -->\r",
       "<nmaprun scanner=\"masscan\" start=\"1795409936\" version=\"1.0-BETA\"  xmloutputversion=\"1.03\">\r",
       "<scaninfo type=\"syn\" protocol=\"tcp\" />\r",
       "<host endtime=\"1629960654\"><address addr=\"93.184.216.34\" addrtype=\"ipv4\"/><ports><port "
       "protocol=\"tcp\" portid=\"443\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"54\"/></port></ports></host>\r",
       "<host endtime=\"7\"><address addr=\"10.0.0.9\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" "
       "portid=\"22\"><state state=\"closed\" reason=\"rst-ack\" reason_ttl=\"255\"/></port></ports></host>",
       "<host endtime=\"1629960657\"><address addr=\"93.184.216.34\" addrtype=\"ipv4\"/><ports><port "
       "protocol=\"tcp\" portid=\"80\"><state state=\"open\" reason=\"response\" reason_ttl=\"54\" /><service "
       "name=\"title\" banner=\"404 - Not Found\"></service></port></ports></host>\r",
       "<host endtime=\"1629960658\"><address addr=\"93.184.216.34\" addrtype=\"ipv4\"/><ports><port "
       "protocol=\"udp\" portid=\"53\"><state state=\"open\" reason=\"response\" reason_ttl=\"54\" /><service "
       "name=\"dns&#45;ver\" banner=\"a &lt;b&gt; &amp; &quot;c&quot; &apos;d&apos; &#65;&#x42;&#10;\"></service>"
       "</port></ports></host>",
       "<runstats>\r", "<finished time=\"1795409936\" timestr=\"2026-11-23 04:58:56\" elapsed=\"0\" />\r",
       "<hosts up=\"678\" down=\"0\" total=\"678\" />\r", "</runstats>\r", "</nmaprun>\r", ""});
  require_conserved(s);
  REQUIRE(s.counts.records_read == 4);
  REQUIRE(s.counts.records_used == 4);
  REQUIRE(s.counts.banner_records == 2);
  REQUIRE(s.status.size() == 2);
  auto r = s.status.row(0);
  CHECK(r.ip == ip("93.184.216.34"));
  CHECK(r.port == 443);
  CHECK(r.proto == uint8_t(Proto::tcp));
  CHECK(r.status == uint8_t(Status::open));
  CHECK(r.ts == 1629960654u);
  CHECK(r.reason == 0x12);  // syn-ack
  CHECK(r.ttl == 54);
  CHECK(r.known == (kKnownTs | kKnownReason | kKnownTtl));
  r = s.status.row(1);
  CHECK(r.status == uint8_t(Status::closed));
  CHECK(r.reason == 0x14);  // rst-ack
  CHECK(r.ttl == 255);
  CHECK(r.ts == 7);

  REQUIRE(s.banners.size() == 2);
  CHECK(s.banners.ip[0] == ip("93.184.216.34"));
  CHECK(s.banners.ts[0] == 1629960657u);
  CHECK(s.banners.port[0] == 80);
  CHECK(s.banners.proto[0] == uint8_t(Proto::tcp));
  CHECK(s.banners.known[0] == kKnownTs);
  CHECK(s.banners.service.at(0) == "title");
  CHECK(s.banners.banner.at(0) == "404 - Not Found");
  CHECK(s.banners.proto[1] == uint8_t(Proto::udp));
  CHECK(s.banners.service.at(1) == "dns-ver");
  CHECK(s.banners.banner.at(1) == "a <b> & \"c\" 'd' AB\n");
}

TEST_CASE("xml: malformed records are rejected with their cause", "[readers]") {
  auto host = [](const std::string& endtime, const std::string& addr, const std::string& proto,
                 const std::string& port, const std::string& state, const std::string& reason,
                 const std::string& ttl) {
    return "<host endtime=\"" + endtime + "\"><address addr=\"" + addr +
           "\" addrtype=\"ipv4\"/><ports><port protocol=\"" + proto + "\" portid=\"" + port +
           "\"><state state=\"" + state + "\" reason=\"" + reason + "\" reason_ttl=\"" + ttl +
           "\"/></port></ports></host>";
  };
  auto rej = [](const std::string& line, const std::string& needle) {
    require_rejected(parse_xml_line, line, "xml", needle);
  };
  REQUIRE(parse_lines(parse_xml_line, {host("1", "1.2.3.4", "tcp", "80", "open", "syn-ack", "64")}).counts.records_used ==
          1);
  rej(host("1", "2001:db8::1", "tcp", "80", "open", "syn-ack", "64"),
      "not an IPv4 address (IPv6 is not supported): \"2001:db8::1\"");
  rej(host("1", "1.2.3", "tcp", "80", "open", "syn-ack", "64"), "not an IPv4 address: \"1.2.3\"");
  rej(host("1", "1.2.3.4", "tcp", "65536", "open", "syn-ack", "64"), "port out of range");
  rej(host("1", "1.2.3.4", "tcp", "80", "open", "syn-ack", "256"), "ttl out of range");
  rej(host("99999999999999999999", "1.2.3.4", "tcp", "80", "open", "syn-ack", "64"), "timestamp out of range");
  rej(host("1", "1.2.3.4", "tcp", "80", "open", "ack-syn", "64"), "unknown reason \"ack-syn\"");
  rej(host("1", "1.2.3.4", "tcp", "80", "filtered", "syn-ack", "64"), "unknown status \"filtered\"");
  rej(host("1", "1.2.3.4", "xtp", "80", "open", "syn-ack", "64"), "unknown protocol \"xtp\"");
  std::string full = host("1", "1.2.3.4", "tcp", "80", "open", "syn-ack", "64");
  rej(full.substr(0, full.size() - 20), "truncated <host> element");
  rej("<host><address addr=\"1.2.3.4\" addrtype=\"ipv4\"/></host>", "missing endtime");
  rej("<host endtime=\"5\"><ports><port protocol=\"tcp\" portid=\"80\"></port></ports></host>", "missing <address");
  rej("<host endtime=\"5\"><address addr=\"1.2.3.4\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" "
      "portid=\"80\"><state state=\"open\" reason=\"response\" reason_ttl=\"1\" /><service name=\"http\" "
      "banner=\"a &bogus; b\"></service></port></ports></host>",
      "bad XML entity in banner: \"&bogus;\"");
  rej("<host endtime=\"5\"><address addr=\"1.2.3.4\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" "
      "portid=\"80\"><state state=\"open\" reason=\"response\" reason_ttl=\"1\" /><service name=\"http\">"
      "</service></port></ports></host>",
      "missing banner attribute");
  rej("garbage line", "not a <host> record");
  rej(std::string("\x00\x01\x02<host", 8), "not a <host> record");
}

// ---------------------------------------------------------------------------
// The real masscan 1.3.2 files of one scan: every text format must give the
// same observations as the binary file they were converted from.
TEST_CASE("real files: -oL, -oG, -oX agree with -oB", "[readers]") {
  ParseSink bin = parse_binary(kData + "/scan.bin");
  REQUIRE(bin.counts.status_observations == 678);
  REQUIRE(bin.counts.banner_records == 364);
  REQUIRE(bin.counts.records_rejected == 0);

  ParseSink list = parse_file(parse_list_line, kData + "/scan.oL");
  ParseSink grep = parse_file(parse_grepable_line, kData + "/scan.oG");
  ParseSink xml = parse_file(parse_xml_line, kData + "/scan.oX");
  for (const ParseSink* s : {&list, &grep, &xml}) {
    require_conserved(*s);
    CHECK(s->counts.records_rejected == 0);
    CHECK(s->errors.empty());
    CHECK(s->counts.status_observations == 678);
    CHECK(s->counts.banner_records == 364);
    CHECK(s->counts.records_read == 678 + 364);
    CHECK(s->banners.size() == 364);
  }

  // Status multisets on (ip, port, proto, status, ts).
  const auto bin_status = status_keys(bin);
  check_same(status_keys(list), bin_status, "-oL status");
  check_same(status_keys(grep), bin_status, "-oG status");
  check_same(status_keys(xml), bin_status, "-oX status");

  // Known bits: -oL/-oG carry only ts, -oX everything, like -oB.
  for (size_t i = 0; i < list.status.size(); ++i) {
    REQUIRE(list.status.known[i] == kKnownTs);
    REQUIRE(grep.status.known[i] == kKnownTs);
    REQUIRE(list.status.reason[i] == 0);
    REQUIRE(list.status.ttl[i] == 0);
    REQUIRE(xml.status.known[i] == (kKnownTs | kKnownReason | kKnownTtl));
  }

  // -oX and -oB carry reason and ttl: whole rows must match.
  auto rows = [](const ParseSink& s) {
    std::vector<std::tuple<uint32_t, uint16_t, uint8_t, uint8_t, uint32_t, uint8_t, uint8_t, uint8_t>> v;
    for (size_t i = 0; i < s.status.size(); ++i) {
      auto r = s.status.row(i);
      v.emplace_back(r.ip, r.port, r.proto, r.status, r.ts, r.reason, r.ttl, r.known);
    }
    std::sort(v.begin(), v.end());
    return v;
  };
  check_same(rows(xml), rows(bin), "-oX vs -oB rows");

  // Banners: same service names and bytes (after undoing \xNN) everywhere.
  check_same(banner_keys(list), banner_keys(bin), "-oL banners");
  check_same(banner_keys(xml), banner_keys(bin), "-oX banners");
  check_same(banner_keys(grep, false, false), banner_keys(bin, false, false), "-oG banners");
  for (size_t i = 0; i < grep.banners.size(); ++i) REQUIRE(grep.banners.known[i] == 0);

  // A value seen in the files: MySQL greeting with NUL bytes, printed as \x00.
  const auto& b = list.banners;
  bool found = false;
  for (size_t i = 0; i < b.size(); ++i)
    if (b.ip[i] == ip("198.18.0.177") && b.port[i] == 3306) {
      CHECK(b.service.at(i) == "unknown");
      CHECK(b.banner.at(i) == std::string("J\0\0\0\n5.7.33\0", 12));
      CHECK(b.ts[i] == 1795409935u);
      found = true;
    }
  CHECK(found);
}
