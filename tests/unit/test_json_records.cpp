// -oJ in every historic layout and -oD, one line at a time.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <string>

#include "scanhpc/core/codes.hpp"
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
