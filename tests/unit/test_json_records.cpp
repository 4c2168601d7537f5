// -oJ in every historic layout and -oD, one line at a time.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <string>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/io/masscan_json.hpp"
#include "scanhpc/io/masscan_lines.hpp"

using namespace scanhpc;
using scanhpc::test::parse_text;

namespace {

const char* kRec1 =
    R"({   "ip": "93.184.216.34",   "timestamp": "1629960621", "ports": [ {"port": 80, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 54} ] })";
const char* kRec2 =
    R"({   "ip": "93.184.216.34",   "timestamp": "1629960624", "ports": [ {"port": 80, "proto": "tcp", "service": {"name": "title", "banner": "404 - Not Found\u000d\u000a\u00ff"} } ] })";
const char* kRec3 =
    R"({   "ip": "10.0.0.1",   "timestamp": "1629960625", "ports": [ {"port": 443, "proto": "tcp", "status": "open", "reason": "syn-ack-ece-cwr", "ttl": 250} ] })";

void check_layout(const std::string& text) {
  auto s = parse_text(MasscanFormat::json, text, true);
  CHECK(s.counts.records_read == 3);
  CHECK(s.counts.records_used == 3);
  CHECK(s.counts.records_rejected == 0);
  CHECK(s.counts.banner_records == 1);
  REQUIRE(s.status.size() == 2);
  CHECK(s.status.ip[0] == 0x5DB8D822u);
  CHECK(s.status.ts[0] == 1629960621u);
  CHECK(s.status.port[0] == 80);
  CHECK(s.status.reason[0] == 0x12);
  CHECK(s.status.ttl[0] == 54);
  CHECK(s.status.known[0] == (kKnownTs | kKnownReason | kKnownTtl));
  CHECK(s.status.reason[1] == 0xD2);
  REQUIRE(s.banners.size() == 1);
  CHECK(s.banners.service.at(0) == "title");
  CHECK(s.banners.banner.at(0) == std::string("404 - Not Found\r\n\xff"));
}
}  // namespace

TEST_CASE("masscan -oJ 1.3.x: comma on its own line before each record", "[json]") {
  check_layout(std::string("[\n") + kRec1 + "\n,\n" + kRec2 + "\n,\n" + kRec3 + "\n]\n");
}

TEST_CASE("masscan -oJ 1.0.5: trailing comma before the closing bracket", "[json]") {
  check_layout(std::string("[\n") + kRec1 + ",\n" + kRec2 + ",\n" + kRec3 + ",\n]\n");
}

TEST_CASE("masscan -oJ 1.0.4 and older: no brackets, closing {finished: 1}", "[json]") {
  check_layout(std::string(kRec1) + ",\n" + kRec2 + ",\n" + kRec3 + ",\n{finished: 1}\n");
}

TEST_CASE("masscan -oJ interrupted scan: no closing bracket, last line cut", "[json]") {
  std::string text = std::string("[\n") + kRec1 + "\n,\n" + kRec2 + "\n,\n" + kRec3 + "\n,\n" +
                     std::string(kRec1).substr(0, 40);
  auto s = parse_text(MasscanFormat::json, text);
  CHECK(s.counts.records_used == 3);
  CHECK(s.counts.records_rejected == 1);  // the cut record is reported, not lost
  REQUIRE(s.errors.size() == 1);
  CHECK(s.errors[0].offset == text.rfind('{'));
}

TEST_CASE("masscan -oJ: CRLF line ends and a record with several ports entries", "[json]") {
  std::string rec =
      R"({"ip": "1.2.3.4", "timestamp": 100, "ports": [ {"port": 22, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 64}, {"port": 53, "proto": "udp", "status": "open", "reason": "none", "ttl": 60} ] })";
  auto s = parse_text(MasscanFormat::json, "[\r\n" + rec + "\r\n]\r\n");
  CHECK(s.counts.records_used == 1);
  CHECK(s.counts.status_observations == 2);
  REQUIRE(s.status.size() == 2);
  CHECK(s.status.proto[1] == uint8_t(Proto::udp));
  CHECK(s.status.reason[1] == 0);
  CHECK(s.status.ts[1] == 100);
}

TEST_CASE("masscan -oD: flat status and banner records", "[json]") {
  std::string text =
      R"({"ip":"93.184.216.34","timestamp":"1630156508","port":80,"proto":"tcp","rec_type":"status","data":{"status":"open","reason":"syn-ack","ttl":54}})"
      "\n"
      R"({"ip":"93.184.216.34","timestamp":"1630156512","port":80,"proto":"tcp","rec_type":"banner","data":{"service_name":"title","banner":"404 - Not Found"}})"
      "\n";
  auto s = parse_text(MasscanFormat::ndjson, text, true);
  CHECK(s.counts.records_used == 2);
  CHECK(s.counts.banner_records == 1);
  REQUIRE(s.status.size() == 1);
  CHECK(s.status.ts[0] == 1630156508u);
  CHECK(s.status.ttl[0] == 54);
  CHECK(s.banners.service.at(0) == "title");
}

TEST_CASE("bad JSON records are rejected with a cause, never thrown", "[json]") {
  struct Case { std::string line, cause; };
  std::vector<Case> cases{
      {R"({"ip": "2001:db8::1", "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 1} ] })", "not an IPv4 address"},
      {R"({"ip": "256.1.1.1", "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 1} ] })", "not an IPv4 address"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 70000, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 1} ] })", "port"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": -1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 1} ] })", "port"},
      {R"({"ip": "1.2.3.4", "timestamp": "99999999999999999999999", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 1} ] })", "timestamp"},
      {R"({"ip": "1.2.3.4", "timestamp": "4294967296", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 1} ] })", "timestamp"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 300} ] })", "ttl"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-foo", "ttl": 1} ] })", "reason"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "filtered", "reason": "syn-ack", "ttl": 1} ] })", "status"},
      {R"({"timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 1} ] })", "without \"ip\""},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": 5 })", "not an array"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ ] })", "without ports"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp"} ] })", "neither status nor service"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 1} ] } {})", "trailing"},
      {R"({ ip: "1.2.3.4", timestamp: "1" })", "invalid JSON"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "open")", "invalid JSON"},
      {std::string("{\x01\x02\xff\xfe\x00garbage", 12), "invalid JSON"},
      {"hello world", "does not start with '{'"},
      // grammar errors in parts On-Demand would otherwise skip
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 54} ], })", "invalid JSON"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 54,} ] })", "invalid JSON"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 54} ], "x": })", "invalid JSON"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 54} ], "x": [1,,2] })", "invalid JSON"},
      {R"({"ip": "1.2.3.4", "timestamp": "1", "ports": [ {"port": 1, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 5 4} ] })", "invalid JSON"},
  };
  for (const auto& c : cases) {
    auto s = parse_text(MasscanFormat::json, c.line + "\n");
    INFO(c.line);
    CHECK(s.counts.records_read == 1);
    CHECK(s.counts.records_rejected == 1);
    CHECK(s.status.size() == 0);
    REQUIRE(s.errors.size() == 1);
    CHECK_THAT(s.errors[0].cause, Catch::Contains(c.cause));
  }
}

TEST_CASE("structural lines of -oJ are not records", "[json]") {
  auto s = parse_text(MasscanFormat::json, "[\n,\n]\n\n  \n{finished: 1}\n{ finished : 1 }\n");
  CHECK(s.counts.records_read == 0);
  CHECK(s.errors.empty());
}

// The plain path (masscan's own record shape read without simdjson) must give
// exactly what simdjson's path gives, or leave the record to it: every line
// below, and thousands of mutations of them, read both ways.
namespace {

struct BothPaths {
  ParseSink plain, simd;
  JsonRecordParser with_plain, without;
  BothPaths() {
    without.set_plain_path(false);
    plain.keep_banners = simd.keep_banners = true;
  }
  void parse(const std::string& line) {
    const std::string buf = line + std::string(json_line_padding(), '\0');
    std::string_view s(buf.data(), line.size());
    with_plain.parse(s, buf.size(), 0, 7, plain);
    without.parse(s, buf.size(), 0, 7, simd);
  }
  void check_same() const {
    CHECK(plain.counts.records_read == simd.counts.records_read);
    CHECK(plain.counts.records_used == simd.counts.records_used);
    CHECK(plain.counts.records_rejected == simd.counts.records_rejected);
    CHECK(plain.counts.banner_records == simd.counts.banner_records);
    CHECK(plain.counts.status_observations == simd.counts.status_observations);
    REQUIRE(plain.status.size() == simd.status.size());
    CHECK(plain.status.ip == simd.status.ip);
    CHECK(plain.status.ts == simd.status.ts);
    CHECK(plain.status.port == simd.status.port);
    CHECK(plain.status.proto == simd.status.proto);
    CHECK(plain.status.status == simd.status.status);
    CHECK(plain.status.reason == simd.status.reason);
    CHECK(plain.status.ttl == simd.status.ttl);
    CHECK(plain.status.known == simd.status.known);
    REQUIRE(plain.banners.size() == simd.banners.size());
    CHECK(plain.banners.ip == simd.banners.ip);
    CHECK(plain.banners.ts == simd.banners.ts);
    CHECK(plain.banners.port == simd.banners.port);
    CHECK(plain.banners.known == simd.banners.known);
    CHECK(plain.banners.service.bytes == simd.banners.service.bytes);
    CHECK(plain.banners.service.offsets == simd.banners.service.offsets);
    CHECK(plain.banners.banner.bytes == simd.banners.banner.bytes);
    CHECK(plain.banners.banner.offsets == simd.banners.banner.offsets);
    REQUIRE(plain.errors.size() == simd.errors.size());
    for (size_t i = 0; i < plain.errors.size(); ++i) CHECK(plain.errors[i].cause == simd.errors[i].cause);
  }
};

const std::vector<std::string> kPlainLines = {
    kRec1, kRec2, kRec3,
    R"({   "ip": "1.2.3.4",   "timestamp": "1629960621", "ports": [ {"port": 0, "proto": "udp", "status": "closed", "reason": "rst-ack", "ttl": 0} ] })",
    R"({"ip":"255.255.255.255","timestamp":"4294967295","ports":[{"port":65535,"proto":"sctp","status":"open","reason":"none","ttl":255}]})",
    R"({   "ip": "10.0.0.1",   "timestamp": 1629960621, "ports": [ {"port": "80", "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": "64"} ] })",
    R"({ "timestamp": "0001", "ports": [ {"ttl": 5, "reason": "fin-syn-rst-psh-ack-urg-ece-cwr", "status": "open", "proto": "tcp", "port": 22} ], "ip": "010.1.2.3" })",
    R"({   "ip": "1.2.3.4",   "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 54}, {"port": 443, "proto": "tcp", "service": {"name": "ssl", "banner": "TLS\/1.2 \"x\" \\ \b\f\n\r\t \u0041\u00e9\u00FF\u0000 \u007f"}} ] })",
    R"({   "ip": "1.2.3.4",   "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "service": {"banner": "b", "name": "http"}, "status": "open"} ] })",
    R"({   "ip": "1.2.3.4",   "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "service": {"name": "http\u0041", "banner": "caf\u00c3\u00a9 é \u0100 \ud83d\ude00"}} ] })",
    R"({   "ip": "1.2.3.4",   "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "service": {"name": "http", "banner": ""}} ] })",
    R"({   "ip": "1.2.3.4",   "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "service": {}} ] })",
    R"({   "ip": "1.2.3.4",   "timestamp": "1", "ports": [ ] })",
    R"({   "ip": "1.2.3.4",   "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp"} ] })",
    R"({   "ip": "1.2.3.4",   "ip": "5.6.7.8", "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "status": "open"} ] })",
    R"({   "ip": "1.2.3.4",   "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "status": "open"} ], "extra": [1, 2.5, -3e4, true, null, {"a": "b"}] })",
    R"({"ip": "198.51.100.7", "timestamp": "1629960621", "port": 443, "proto": "tcp", "rec_type": "status", "data": {"status": "open", "reason": "syn-ack", "ttl": 54}})",
    R"({   "ip": "1.2.3.4",   "timestamp": "4294967296", "ports": [ {"port": 65536, "proto": "tcp", "status": "open", "ttl": 256} ] })",
    R"({   "ip": "1.2.3.4",   "timestamp": "1", "ports": [ {"port": 080, "proto": "tcp", "status": "open"} ] } x)",
    R"({   "ip": "1.2.3.4",   "timestamp": "-1", "ports": [ {"port": 8.0, "proto": "tcp", "status": "open", "ttl": 1e2} ] })",
    R"({   "ip": "1.2.3.4",   "timestamp": "1", "ports": [ {"port": 80, "proto": "tcp", "status": "opened", "reason": "ack-syn"} ] })",
};

}  // namespace

TEST_CASE("masscan JSON: the plain path gives what simdjson gives, line by line", "[json]") {
  BothPaths both;
  for (const auto& line : kPlainLines) {
    INFO(line);
    both.parse(line);
    both.check_same();
  }
  CHECK(both.plain.counts.records_used > 8);  // most of the lines are records that are used
}

TEST_CASE("masscan JSON: the plain path gives what simdjson gives, on mutated lines", "[json]") {
  // Deterministic mutations: a byte replaced by one of a set that matters to
  // the grammar, a byte removed, a byte doubled.
  const std::string alphabet = "{}[],:\"\\ 0123456789-.eEtuabcdefx\t\r\x7f\x01\xc3\xa9/";
  uint64_t state = 12345;
  auto next = [&state] {
    state += 0x9E3779B97F4A7C15ull;
    uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  };
  BothPaths both;
  size_t mutations = 0;
  for (const auto& line : kPlainLines) {
    for (int round = 0; round < 400; ++round) {
      std::string m = line;
      int edits = 1 + int(next() % 2);
      for (int k = 0; k < edits && !m.empty(); ++k) {
        size_t at = size_t(next() % m.size());
        switch (next() % 3) {
          case 0: m[at] = alphabet[size_t(next() % alphabet.size())]; break;
          case 1: m.erase(at, 1); break;
          default: m.insert(at, 1, m[at]); break;
        }
      }
      if (m.empty() || m.front() != '{') continue;  // JsonLines hands over only lines that start so
      INFO(m);
      both.parse(m);
      ++mutations;
      REQUIRE(both.plain.counts.records_rejected == both.simd.counts.records_rejected);
      REQUIRE(both.plain.status.size() == both.simd.status.size());
      REQUIRE(both.plain.banners.banner.bytes == both.simd.banners.banner.bytes);
    }
  }
  both.check_same();
  CHECK(mutations > 5000);
}
