// MasscanWriter against real masscan 1.3.2 output (data/masscan-testnet):
// every record of scan.oJ is parsed with a small independent sscanf parser
// and written again in all five formats; the bytes must match the real files.
#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/io/masscan_writer.hpp"

using namespace scanhpc;

namespace {

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

std::string testdata(const char* name) { return std::string(SCANHPC_TESTDATA) + "/" + name; }

uint32_t ip_of(const char* text) {
  unsigned a, b, c, d;
  REQUIRE(std::sscanf(text, "%u.%u.%u.%u", &a, &b, &c, &d) == 4);
  return (a << 24) | (b << 16) | (c << 8) | d;
}

struct Rec {
  bool is_banner = false;
  StatusRow row;
  std::string service, banner;
};

// \u00xx -> byte (the only escape masscan's JSON writer produces).
std::string json_unescape(const std::string& s) {
  std::string out;
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 5 < s.size() && s[i + 1] == 'u') {
      out += char(std::stoi(s.substr(i + 2, 4), nullptr, 16));
      i += 5;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::vector<Rec> parse_oj(const std::string& text) {
  std::vector<Rec> recs;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    char ip[64], proto[16], status[16], reason[64], name[64];
    unsigned ts, port, ttl;
    int used = 0;
    Rec r;
    if (std::sscanf(line.c_str(),
                    "{   \"ip\": \"%63[^\"]\",   \"timestamp\": \"%u\", \"ports\": [ {\"port\": %u, \"proto\": "
                    "\"%15[^\"]\", \"status\": \"%15[^\"]\", \"reason\": \"%63[^\"]\", \"ttl\": %u} ] }",
                    ip, &ts, &port, proto, status, reason, &ttl) == 7) {
      r.row.ip = ip_of(ip);
      r.row.ts = ts;
      r.row.port = uint16_t(port);
      r.row.proto = uint8_t(*parse_proto(proto));
      r.row.status = uint8_t(*parse_status(status));
      r.row.reason = *parse_reason(reason);
      r.row.ttl = uint8_t(ttl);
    } else if (std::sscanf(line.c_str(),
                           "{   \"ip\": \"%63[^\"]\",   \"timestamp\": \"%u\", \"ports\": [ {\"port\": %u, "
                           "\"proto\": \"%15[^\"]\", \"service\": {\"name\": \"%63[^\"]\", \"banner\": \"%n",
                           ip, &ts, &port, proto, name, &used) == 5 &&
               used > 0) {
      const std::string tail = "\"} } ] }";
      REQUIRE(line.size() >= size_t(used) + tail.size());
      REQUIRE(line.substr(line.size() - tail.size()) == tail);
      r.is_banner = true;
      r.row.ip = ip_of(ip);
      r.row.ts = ts;
      r.row.port = uint16_t(port);
      r.row.proto = uint8_t(*parse_proto(proto));
      r.service = name;
      r.banner = json_unescape(line.substr(size_t(used), line.size() - tail.size() - size_t(used)));
    } else {
      FAIL("unparsed line: " << line);
    }
    recs.push_back(r);
  }
  return recs;
}

std::string write_all(const char* format, const std::vector<Rec>& recs, const MasscanScanInfo* info = nullptr,
                      uint8_t banner_ttl = 0) {
  std::string out;
  MasscanWriter w(format, out);
  if (info) w.set_scan_info(*info);
  for (const auto& r : recs) {
    if (r.is_banner)
      w.banner(r.row.ip, r.row.ts, r.row.port, r.row.proto, r.service, r.banner, banner_ttl);
    else
      w.status(r.row);
  }
  w.finish();
  CHECK(w.records() == recs.size());
  CHECK(w.bytes() == out.size());
  return out;
}

StatusRow row(uint32_t ip, uint32_t ts, uint16_t port, uint8_t reason, uint8_t ttl) {
  StatusRow r;
  r.ip = ip;
  r.ts = ts;
  r.port = port;
  r.proto = uint8_t(Proto::tcp);
  r.status = uint8_t(Status::open);
  r.reason = reason;
  r.ttl = ttl;
  return r;
}

}  // namespace

TEST_CASE("masscan writer: single records match real masscan lines", "[synth]") {
  const StatusRow r = row(ip_of("198.18.0.33"), 1795409903, 443, 0x12, 64);
  auto one = [&](const char* fmt) {
    std::string out;
    MasscanWriter w(fmt, out);
    w.status(r);
    w.finish();
    return out;
  };
  const std::string rec_oj =
      "{   \"ip\": \"198.18.0.33\",   \"timestamp\": \"1795409903\", \"ports\": [ {\"port\": 443, \"proto\": \"tcp\", "
      "\"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 64} ] }\n";
  CHECK(one("json") == "[\n" + rec_oj + "]\n");
  CHECK(slurp(testdata("scan.oJ")).find("[\n" + rec_oj) == 0);
  const std::string rec_od =
      "{\"ip\":\"198.18.0.33\",\"timestamp\":\"1795409903\",\"port\":443,\"proto\":\"tcp\",\"rec_type\":\"status\","
      "\"data\":{\"status\":\"open\",\"reason\":\"syn-ack\",\"ttl\":64}}\n";
  CHECK(one("ndjson") == rec_od);
  CHECK(slurp(testdata("scan.oD")).find(rec_od) == 0);
  CHECK(one("list") == "#masscan\nopen tcp 443 198.18.0.33 1795409903\n# end\n");
  CHECK(slurp(testdata("scan.oL")).find("#masscan\nopen tcp 443 198.18.0.33 1795409903\n") == 0);
  const std::string rec_ox =
      "<host endtime=\"1795409903\"><address addr=\"198.18.0.33\" addrtype=\"ipv4\"/><ports><port protocol=\"tcp\" "
      "portid=\"443\"><state state=\"open\" reason=\"syn-ack\" reason_ttl=\"64\"/></port></ports></host>\r\n";
  CHECK(one("xml").find(rec_ox) != std::string::npos);
  CHECK(slurp(testdata("scan.oX")).find(rec_ox) != std::string::npos);
  const std::string rec_og = "Timestamp: 1795409903\tHost: 198.18.0.33 ()\tPorts: 443/open/tcp//https//\n";
  CHECK(one("grepable").find(rec_og) != std::string::npos);
  CHECK(slurp(testdata("scan.oG")).find(rec_og) != std::string::npos);

  // The fixture lines of the reference (ruby-masscan), including icmp and a banner.
  std::string out;
  MasscanWriter w("json", out);
  w.status(row(ip_of("93.184.216.34"), 1629960621, 80, 0x12, 54));
  StatusRow icmp = row(ip_of("93.184.216.34"), 1629960622, 0, 0, 54);
  icmp.proto = uint8_t(Proto::icmp);
  w.status(icmp);
  w.banner(ip_of("93.184.216.34"), 1629960624, 80, uint8_t(Proto::tcp), "title", "404 - Not Found");
  w.finish();
  CHECK(out ==
        "[\n"
        "{   \"ip\": \"93.184.216.34\",   \"timestamp\": \"1629960621\", \"ports\": [ {\"port\": 80, \"proto\": "
        "\"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 54} ] }\n"
        ",\n"
        "{   \"ip\": \"93.184.216.34\",   \"timestamp\": \"1629960622\", \"ports\": [ {\"port\": 0, \"proto\": "
        "\"icmp\", \"status\": \"open\", \"reason\": \"none\", \"ttl\": 54} ] }\n"
        ",\n"
        "{   \"ip\": \"93.184.216.34\",   \"timestamp\": \"1629960624\", \"ports\": [ {\"port\": 80, \"proto\": "
        "\"tcp\", \"service\": {\"name\": \"title\", \"banner\": \"404 - Not Found\"} } ] }\n"
        "]\n");
}

TEST_CASE("masscan writer: whole real files are reproduced byte for byte", "[synth]") {
  const std::vector<Rec> recs = parse_oj(slurp(testdata("scan.oJ")));
  REQUIRE(recs.size() == 678 + 364);
  size_t banners = 0;
  for (const auto& r : recs) banners += r.is_banner;
  CHECK(banners == 364);

  CHECK(write_all("json", recs) == slurp(testdata("scan.oJ")));
  CHECK(write_all("ndjson", recs) == slurp(testdata("scan.oD")));
  CHECK(write_all("list", recs) == slurp(testdata("scan.oL")));

  // -oG and -oX print wall-clock times in the header and trailer: give the
  // ones of the real run (readscan of scan.bin, 2026-11-23 04:58:23..56 GMT).
  MasscanScanInfo grep_info;
  grep_info.started = 1795409903;
  grep_info.finished = 1795409936;
  CHECK(write_all("grepable", recs, &grep_info) == slurp(testdata("scan.oG")));
  MasscanScanInfo xml_info;
  xml_info.started = 1795409936;
  xml_info.finished = 1795409936;
  CHECK(write_all("xml", recs, &xml_info, 64) == slurp(testdata("scan.oX")));
}

TEST_CASE("masscan writer: banners of scan-banners.oJ round-trip", "[synth]") {
  const std::string real = slurp(testdata("scan-banners.oJ"));
  const std::vector<Rec> recs = parse_oj(real);
  CHECK(recs.size() == 5991);
  CHECK(write_all("json", recs) == real);
}

TEST_CASE("masscan writer: escaping as masscan's normalize functions", "[synth]") {
  const std::string raw = std::string("a\0b", 3) + "\x7f\xff<>&\\\"' ~\r\n";
  auto banner_line = [&](const char* fmt) {
    std::string out;
    MasscanWriter w(fmt, out);
    w.banner(ip_of("1.2.3.4"), 100, 23, uint8_t(Proto::tcp), "telnet", raw, 50);
    w.finish();
    return out;
  };
  const std::string json_esc = "a\\u0000b\\u007f\\u00ff\\u003c\\u003e\\u0026\\u005c\\u0022\\u0027 ~\\u000d\\u000a";
  const std::string text_esc = "a\\x00b\\x7f\\xff\\x3c\\x3e\\x26\\x5c\\x22\\x27 ~\\x0d\\x0a";
  CHECK(banner_line("json") ==
        "[\n{   \"ip\": \"1.2.3.4\",   \"timestamp\": \"100\", \"ports\": [ {\"port\": 23, \"proto\": \"tcp\", "
        "\"service\": {\"name\": \"telnet\", \"banner\": \"" +
            json_esc + "\"} } ] }\n]\n");
  CHECK(banner_line("ndjson") ==
        "{\"ip\":\"1.2.3.4\",\"timestamp\":\"100\",\"port\":23,\"proto\":\"tcp\",\"rec_type\":\"banner\",\"data\":{"
        "\"service_name\":\"telnet\",\"banner\":\"" +
            json_esc + "\"}}\n");
  CHECK(banner_line("list") == "#masscan\nbanner tcp 23 1.2.3.4 100 telnet " + text_esc + "\n# end\n");
  CHECK(banner_line("grepable").find("Host: 1.2.3.4 ()\tPort: 23\tService: telnet\tBanner: " + text_esc + "\n") !=
        std::string::npos);
  CHECK(banner_line("xml").find("<state state=\"open\" reason=\"response\" reason_ttl=\"50\" /><service "
                                "name=\"telnet\" banner=\"" +
                                text_esc + "\"></service>") != std::string::npos);

  // Long banners are cut where masscan's fixed buffers end.
  std::string out;
  MasscanWriter w("list", out);
  w.banner(1, 1, 80, uint8_t(Proto::tcp), "http", std::string(10000, 'x'));
  w.finish();
  CHECK(out == "#masscan\nbanner tcp 80 0.0.0.1 1 http " + std::string(4094, 'x') + "\n# end\n");
}

TEST_CASE("masscan writer: no records means a 0-byte file", "[synth]") {
  for (const char* fmt : {"json", "ndjson", "list", "grepable", "xml"}) {
    std::string out;
    {
      MasscanWriter w(fmt, out);
      w.finish();
      w.finish();
      CHECK(w.records() == 0);
      CHECK(w.bytes() == 0);
    }
    CHECK(out.empty());
    std::FILE* f = std::tmpfile();
    REQUIRE(f);
    {
      MasscanWriter w(fmt, f);
      w.finish();
    }
    CHECK(std::ftell(f) == 0);
    std::fclose(f);
  }
  std::string sink;
  CHECK_THROWS_AS(MasscanWriter("yaml", sink), std::invalid_argument);
}

TEST_CASE("masscan writer: FILE sink, headers, trailers, misuse", "[synth]") {
  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  {
    MasscanWriter w("-oX", f);
    MasscanScanInfo info;
    info.started = 0;
    w.set_scan_info(info);
    StatusRow closed = row(ip_of("10.0.0.1"), 86400 + 3661, 22, 0x14, 63);
    closed.status = uint8_t(Status::closed);
    w.status(row(ip_of("10.0.0.2"), 86400, 80, 0x12, 64));
    w.status(closed);
    w.finish();
    CHECK_THROWS_AS(w.status(closed), std::logic_error);
  }
  std::rewind(f);
  std::string got;
  char buf[4096];
  size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f)) > 0) got.append(buf, n);
  std::fclose(f);
  CHECK(got.find("<nmaprun scanner=\"masscan\" start=\"0\" version=\"1.0-BETA\"  xmloutputversion=\"1.03\">\r\n") !=
        std::string::npos);
  CHECK(got.find("reason=\"rst-ack\" reason_ttl=\"63\"") != std::string::npos);
  const std::string trailer =
      "</host>\r\n<runstats>\r\n<finished time=\"90061\" timestr=\"1970-01-02 01:01:01\" elapsed=\"90061\" />\r\n"
      "<hosts up=\"1\" down=\"1\" total=\"2\" />\r\n</runstats>\r\n</nmaprun>\r\n";
  REQUIRE(got.size() > trailer.size());
  CHECK(got.substr(got.size() - trailer.size()) == trailer);

  std::string g;
  MasscanWriter w("grepable", g);
  MasscanScanInfo info;
  info.started = 1619500000;  // Tue Apr 27 05:06:40 2021
  info.finished = 1612137600; // Mon Feb  1 00:00:00 2021
  info.tcp_ports = {80, 21, 22, 23, 443};
  w.set_scan_info(info);
  w.status(row(ip_of("1.2.3.4"), 1619500001, 8000, 0x12, 60));
  w.finish();
  CHECK(g ==
        "# Masscan 1.3.2 scan initiated Tue Apr 27 05:06:40 2021\n"
        "# Ports scanned: TCP(5;21-23,80-80,443-443) UDP(0;) SCTP(0;) PROTOCOLS(0;)\n"
        "Timestamp: 1619500001\tHost: 1.2.3.4 ()\tPorts: 8000/open/tcp//unknown//\n"
        "# Masscan done at Mon Feb  1 00:00:00 2021\n");
}
