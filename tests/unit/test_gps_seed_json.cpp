// GPS's seed NDJSON: detection, parsing, rejections, and the features the
// GPS kernels derive from it (hand-written expectations).
#include <algorithm>
#include <set>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/io/gps_seed_json.hpp"
#include "scanhpc/io/masscan_format.hpp"
#include "scanhpc/kernels/gps.hpp"
#include "test_support.hpp"

using namespace scanhpc;

TEST_CASE("gps seed: detected from the first line, by name", "[gps-seed]") {
  CHECK(detect_format(R"({"ip": "1.2.3.4", "p": 80, "data": "x"})" "\n") == MasscanFormat::gps_seed);
  CHECK(detect_format(R"({"saddr":"1.2.3.4","sport":80,"window":1024})") == MasscanFormat::gps_seed);
  CHECK(detect_format(R"({"ip":"1.2.3.4","timestamp":"1","ports":[{"port":80,"proto":"tcp"}]})") ==
        MasscanFormat::json);
  CHECK(detect_format(R"({"ip":"1.2.3.4","timestamp":"1","port":80,"proto":"tcp","rec_type":"status"})") ==
        MasscanFormat::ndjson);
  CHECK(parse_format_name("gps") == MasscanFormat::gps_seed);
  CHECK(format_name(MasscanFormat::gps_seed) == "gps");
}

TEST_CASE("gps seed: records become open TCP rows and feature-carrying banner rows", "[gps-seed]") {
  const std::string text =
      R"({"ip": "10.1.2.3", "p": 80, "asn": 64500, "data": "HTTP/1.1 200 OK\r\nServer: x\r\n", "fingerprint": "http", "w": 29200})" "\n"
      R"({"ip": "10.1.2.3", "p": "22", "asn": null, "data": null, "fingerprint": "ssh", "w": null, "extra": [1, {"a": 2}]})" "\n"
      // raw LZR: kept (data, RST false, window not 0; "Data" matched whatever its case), then
      // kept out as GPS's preparation keeps it out (window 0): read and used, no row
      R"({"saddr": "10.9.0.1", "sport": 443, "window": 8192, "RST": false, "Data": "SSH-2.0-x", "zannotate": {"routing": {"asn": 1}}})" "\n"
      R"({"saddr": "10.9.0.2", "sport": 80, "window": 0, "RST": false, "data": "y"})" "\n";
  ParseSink sink = test::parse_text(MasscanFormat::gps_seed, text, true);
  REQUIRE(sink.counts.records_read == 4);
  CHECK(sink.counts.records_used == 4);
  CHECK(sink.counts.records_rejected == 0);
  CHECK(sink.counts.records_without_observation == 1);  // the record GPS's preparation keeps out
  REQUIRE(sink.status.size() == 3);
  CHECK(sink.status.ip[0] == 0x0A010203);
  CHECK(sink.status.port[1] == 22);
  CHECK(sink.status.ip[2] == 0x0A090001);
  CHECK(sink.status.port[2] == 443);
  for (size_t i = 0; i < 3; ++i) {
    CHECK(sink.status.status[i] == uint8_t(Status::open));
    CHECK(sink.status.proto[i] == uint8_t(Proto::tcp));
  }
  // Record 1: data, fingerprint, window, asn; record 2: fingerprint only; record 3: data, window.
  REQUIRE(sink.banners.size() == 7);
  CHECK(sink.banners.service.at(0) == "");
  CHECK(sink.banners.banner.at(0) == "HTTP/1.1 200 OK\r\nServer: x\r\n");
  CHECK(sink.banners.service.at(1) == kGpsFingerprintService);
  CHECK(sink.banners.banner.at(1) == "http");
  CHECK(sink.banners.banner.at(2) == "29200");
  CHECK(sink.banners.service.at(3) == kGpsAsnService);
  CHECK(sink.banners.banner.at(3) == "64500");
  CHECK(sink.banners.banner.at(4) == "ssh");
  CHECK(sink.banners.service.at(5) == "");
  CHECK(sink.banners.banner.at(5) == "SSH-2.0-x");
  CHECK(sink.banners.service.at(6) == kGpsWindowService);
  CHECK(sink.banners.banner.at(6) == "8192");

  // Without keep_banners only the rows remain.
  ParseSink lean = test::parse_text(MasscanFormat::gps_seed, text, false);
  CHECK(lean.status.size() == 3);
  CHECK(lean.banners.size() == 0);
}

TEST_CASE("gps seed: bad records are rejected with a reason and an offset", "[gps-seed]") {
  const std::string good = R"({"ip": "1.2.3.4", "p": 80})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"({"p": 80})", "without \"ip\""},
      {R"({"ip": "1.2.3.4"})", "without \"p\""},
      {R"({"ip": "1.2.3.400", "p": 80})", "not an IPv4 address"},
      {R"({"ip": "1.2.3.4", "p": 65536})", "out of range"},
      {R"({"ip": "1.2.3.4", "p": 80, "asn": 4294967296})", "asn"},
      {R"({"ip": "1.2.3.4", "p": 80, "w": -1})", "w:"},
      {R"({"ip": "1.2.3.4", "p": 80, "data": 5})", "data: not a string"},
      {R"({"ip": "1.2.3.4", "p": 80, "x": [1,}})", "invalid"},
      {R"({"ip": "1.2.3.4", "p": 80} junk)", "JSON"},
      {R"({"ip": "1.2.3.4", "p": 80, "asn": nul})", "asn: invalid null"},  // 'n' is not yet null
      {R"({"ip": "1.2.3.4", "p": 80, "data": nullx})", "data: invalid null"},
  };
  for (const auto& [line, cause] : cases) {
    INFO(line);
    const std::string text = good + "\n" + line + "\n";
    ParseSink sink = test::parse_text(MasscanFormat::gps_seed, text, true);
    CHECK(sink.counts.records_read == 2);
    CHECK(sink.counts.records_used == 1);
    CHECK(sink.counts.records_rejected == 1);
    REQUIRE(sink.errors.size() == 1);
    CHECK(sink.errors[0].offset == good.size() + 1);
    CHECK_THAT(sink.errors[0].cause, Catch::Contains(cause) && Catch::Contains("gps seed"));
  }
}

TEST_CASE("gps seed: features as GPS names them, the record's ASN overriding the table", "[gps-seed]") {
  const uint32_t ip = 0x0A010203;
  std::vector<gps::BannerText> banners = {{"", "HTTP/1.1 200 OK\r\nServer: x\r\n"},
                                          {kGpsFingerprintService, "http"},
                                          {kGpsWindowService, "29200"},
                                          {kGpsAsnService, "64500"}};
  gps::FeatureOptions options;  // /16 only, crosses on
  auto texts = gps::service_feature_texts(ip, banners, options, uint32_t(7));  // table says AS7
  std::set<std::string> got;
  for (const auto& [kind, text] : texts) got.insert(text);
  const std::set<std::string> app = {"http line: HTTP/1.1 200 OK", "http line: Server: x", "fingerprint: http",
                                     "window: 29200"};
  std::set<std::string> want = {"L4", "s16: 0a010000", "asn: 64500"};
  for (const auto& a : app) {
    want.insert(a);
    want.insert("16:" + a + "-0a010000");
    want.insert("asn:" + a + "-asn: 64500");
  }
  CHECK(got == want);
}

TEST_CASE("gps seed: LZR objects written back to back are cut where a top-level object closes", "[gps]") {
  using V = std::vector<std::string_view>;
  CHECK(split_concatenated_objects(R"({"a":1})") == V{R"({"a":1})"});
  CHECK(split_concatenated_objects(R"({"a":1}{"b":2})") == V{R"({"a":1})", R"({"b":2})"});
  CHECK(split_concatenated_objects(R"({"a":{"x":[1,{}]}} {"b":"}{"})") == V{R"({"a":{"x":[1,{}]}})", R"({"b":"}{"})"});
  // "}{" and escaped quotes inside strings do not cut
  CHECK(split_concatenated_objects(R"({"Data":"x}{y \"}{\" z"})") == V{R"({"Data":"x}{y \"}{\" z"})"});
  CHECK(split_concatenated_objects(R"({"a":"\\"}{"b":1})") == V{R"({"a":"\\"})", R"({"b":1})"});
}
