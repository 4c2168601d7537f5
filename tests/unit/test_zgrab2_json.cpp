// ZGrab2 JSON as banner input: detection, the real records of zmap/zgrab2's
// schema test data (tests/data/zgrab2/upstream), ports, failed grabs, bad
// lines, the features the GPS kernels derive, and the join of these banners
// to the services of other inputs (expectations written from the records).
#include <set>
#include <string>
#include <vector>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/io/masscan_format.hpp"
#include "scanhpc/io/zgrab2_json.hpp"
#include "scanhpc/kernels/gps.hpp"
#include "test_support.hpp"

using namespace scanhpc;

namespace {

const std::string kUpstream = std::string(SCANHPC_TEST_INPUTS) + "/zgrab2/upstream/";

ParseSink parse_zgrab2(const std::string& text, LineContext ctx = {}, bool keep_banners = true) {
  return test::parse_text(MasscanFormat::zgrab2, text, keep_banners, ctx);
}

struct Row {
  uint32_t ip;
  uint16_t port;
  std::string service, banner;
  auto operator<=>(const Row&) const = default;
};

std::vector<Row> rows(const ParseSink& s) {
  std::vector<Row> out;
  for (size_t i = 0; i < s.banners.size(); ++i)
    out.push_back({s.banners.ip[i], s.banners.port[i], std::string(s.banners.service.at(i)),
                   std::string(s.banners.banner.at(i))});
  return out;
}

// The '\n'-split lines of a banner, a trailing '\r' cut, empty ones left out.
std::set<std::string> lines(std::string_view b) {
  std::set<std::string> out;
  size_t pos = 0;
  while (pos <= b.size()) {
    size_t nl = b.find('\n', pos);
    if (nl == std::string_view::npos) nl = b.size();
    std::string l(b.substr(pos, nl - pos));
    if (!l.empty() && l.back() == '\r') l.pop_back();
    if (!l.empty()) out.insert(l);
    pos = nl + 1;
  }
  return out;
}

const uint32_t kTarget = 0xAC110003;  // 172.17.0.3, the integration tests' container

}  // namespace

TEST_CASE("zgrab2: detected from the first line, by name", "[zgrab2]") {
  for (const char* f : {"http-http", "http-https", "ssh-ssh", "ftp-default", "smtp-helo.01", "pop3-banner",
                        "telnet-telnet"}) {
    INFO(f);
    CHECK(detect_format(test::slurp(kUpstream + f + ".json")) == MasscanFormat::zgrab2);
  }
  CHECK(detect_format(test::slurp(std::string(SCANHPC_TEST_INPUTS) + "/zgrab2/testnet.zgrab2.json")) ==
        MasscanFormat::zgrab2);
  // masscan -oD's data object has status but no protocol; GPS's seed has a string data
  CHECK(detect_format(R"({"ip":"1.2.3.4","timestamp":"1","port":80,"proto":"tcp","rec_type":"status","data":{"status":"open","reason":"syn-ack","ttl":5}})") ==
        MasscanFormat::ndjson);
  CHECK(detect_format(R"({"ip":"1.2.3.4","p":80,"data":"x"})") == MasscanFormat::gps_seed);
  // a file whose first grab failed as a whole (a name that did not resolve)
  CHECK(detect_format(R"({"port":80,"domain":"gone.example","error":"could not resolve domain gone.example"})") ==
        MasscanFormat::zgrab2);
  CHECK(parse_format_name("zgrab2") == MasscanFormat::zgrab2);
  CHECK(format_name(MasscanFormat::zgrab2) == "zgrab2");
  CHECK(is_line_format(MasscanFormat::zgrab2));
}

TEST_CASE("zgrab2: the real records of zgrab2's schema tests give their banners at the modules' ports", "[zgrab2]") {
  SECTION("http: the status line and headers, known and unknown, in Go's canonical names; port 80") {
    ParseSink s = parse_zgrab2(test::slurp(kUpstream + "http-http.json"));
    CHECK(s.counts.records_read == 1);
    CHECK(s.counts.banner_records == 1);
    REQUIRE(s.banners.size() == 1);
    CHECK(s.banners.ip[0] == kTarget);
    CHECK(s.banners.port[0] == 80);
    CHECK(s.banners.service.at(0) == kZgrab2HttpService);
    CHECK(lines(s.banners.banner.at(0)) ==
          std::set<std::string>{"HTTP/1.1 200 OK", "Accept-Ranges: bytes", "Content-Length: 36",
                                "Content-Type: text/html", "Last-Modified: Fri, 09 Feb 2018 20:18:50 GMT",
                                "Server: lighttpd/1.4.35", "Etag: \"2262550883\"",
                                "Date: Fri, 06 Apr 2018 19:38:09 GMT"});
  }
  SECTION("https: the head and the certificate's subject and issuer, at 443") {
    ParseSink s = parse_zgrab2(test::slurp(kUpstream + "http-https.json"));
    auto got = rows(s);
    REQUIRE(got.size() == 3);
    for (const auto& r : got) CHECK(r.port == 443);
    CHECK(got[0].service == kZgrab2HttpService);
    CHECK(lines(got[0].banner).count("Content-Length: 37") == 1);
    CHECK(got[1].service == kZgrab2TlsSubjectService);
    CHECK(got[1].banner == "CN=target");
    CHECK(got[2].service == kZgrab2TlsIssuerService);
    CHECK(got[2].banner == "CN=target");
  }
  SECTION("ssh, ftp, smtp, pop3, telnet") {
    const std::vector<std::tuple<std::string, uint16_t, std::string_view, std::string>> cases = {
        {"ssh-ssh", 22, kZgrab2SshService, "SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.4"},
        {"ftp-default", 21, kZgrab2BannerService, "220 (vsFTPd 3.0.3)\r\n"},
        {"smtp-helo.01", 25, kZgrab2BannerService,
         "220 ba06a6536f7e ESMTP qpsmtpd 0.94 ready; send us your mail, but not your spam.\r\n"},
        {"pop3-banner", 110, kZgrab2BannerService, "+OK\r\n"},
        {"telnet-telnet", 23, kZgrab2BannerService, "Ubuntu 16.04.3 LTS\r\n5a3511f30de7 login: "},
    };
    for (const auto& [file, port, service, banner] : cases) {
      INFO(file);
      ParseSink s = parse_zgrab2(test::slurp(kUpstream + file + ".json"));
      REQUIRE(s.banners.size() == 1);
      CHECK(s.banners.port[0] == port);
      CHECK(s.banners.service.at(0) == service);
      CHECK(s.banners.banner.at(0) == banner);
      CHECK(s.counts.records_used == 1);
    }
    // a server id without raw: rebuilt from its parts
    ParseSink id = parse_zgrab2(
        R"({"ip":"172.17.0.3","data":{"ssh":{"status":"success","protocol":"ssh","result":{"server_id":{"version":"2.0","software":"OpenSSH_7.2p2","comment":"Ubuntu-4ubuntu2.4"}}}}})" "\n");
    CHECK(rows(id) == std::vector<Row>{{kTarget, 22, std::string(kZgrab2SshService), "SSH-2.0-OpenSSH_7.2p2 Ubuntu-4ubuntu2.4"}});
    // zgrab2's later copy of ssh-ssh.json (808dd3e5) adds an SSH user-auth banner: not a banner row
    ParseSink s = parse_zgrab2(
        R"({"ip":"172.17.0.3","data":{"ssh":{"status":"success","protocol":"ssh","result":{"banner":"hello world","server_id":{"raw":"SSH-2.0-x"}}}}})" "\n");
    CHECK(rows(s) == std::vector<Row>{{kTarget, 22, std::string(kZgrab2SshService), "SSH-2.0-x"}});
  }
}

TEST_CASE("zgrab2: the port is the record's, else the module's, else --port, else the module's default",
          "[zgrab2]") {
  auto one = [](const std::string& rec, LineContext ctx = {}) {
    ParseSink s = parse_zgrab2(rec + "\n", ctx);
    INFO(rec);
    REQUIRE(s.counts.records_rejected == 0);
    REQUIRE(s.banners.size() >= 1);
    return s.banners.port[0];
  };
  const std::string ssh = R"("status":"success","protocol":"ssh","result":{"server_id":{"raw":"SSH-2.0-x"}})";
  CHECK(one(R"({"ip":"1.2.3.4","port":2222,"data":{"ssh":{"port":22,)" + ssh + "}}}") == 2222);
  CHECK(one(R"({"ip":"1.2.3.4","data":{"ssh":{"port":2200,)" + ssh + "}}}") == 2200);
  CHECK(one(R"({"ip":"1.2.3.4","data":{"ssh":{"port":0,)" + ssh + "}}}") == 22);  // 0: not known
  LineContext ctx;
  ctx.default_port = 8022;
  CHECK(one(R"({"ip":"1.2.3.4","data":{"ssh":{)" + ssh + "}}}", ctx) == 8022);
  CHECK(one(R"({"ip":"1.2.3.4","data":{"x":{)" + ssh + "}}}") == 22);  // by protocol, whatever the scan name
  // no protocol: the scan name is the module's name
  CHECK(one(R"({"ip":"1.2.3.4","data":{"ssh":{"status":"success","result":{"server_id":{"raw":"SSH-2.0-x"}}}}})") == 22);
  CHECK(zgrab2_default_port("tls") == 443);
  CHECK(zgrab2_default_port("telnet") == 23);
  CHECK(zgrab2_default_port("nosuch") == -1);

  // A module without a known default and no port anywhere: rejected, naming --port.
  const std::string odd = R"({"ip":"1.2.3.4","data":{"x":{"status":"success","protocol":"odd","result":{"banner":"hi"}}}})";
  ParseSink s = parse_zgrab2(odd + "\n");
  CHECK(s.counts.records_rejected == 1);
  REQUIRE(s.errors.size() == 1);
  CHECK_THAT(s.errors[0].cause, Catch::Contains("--port") && Catch::Contains("zgrab2"));
  CHECK(one(odd, ctx) == 8022);
}

TEST_CASE("zgrab2: failed grabs give no banner and are used without observation", "[zgrab2]") {
  const std::string text =
      // a module that failed (the form of a real failure: status, empty result, error)
      R"({"ip":"10.0.0.1","data":{"http":{"status":"connection-timeout","protocol":"http","result":{},"timestamp":"2022-12-13T05:40:11Z","error":"dial tcp <nil>->10.0.0.1:80: i/o timeout"}}})" "\n"
      // success with an error is no success
      R"({"ip":"10.0.0.2","data":{"ssh":{"status":"success","protocol":"ssh","result":{"server_id":{"raw":"SSH-2.0-x"}},"error":"late"}}})" "\n"
      // a module whose result has no banner (mysql's handshake)
      R"({"ip":"10.0.0.3","data":{"mysql":{"status":"success","protocol":"mysql","port":3306,"result":{"protocol_version":10}}}})" "\n"
      // the grab failed as a whole
      R"({"port":80,"domain":"gone.example","error":"could not resolve domain gone.example"})" "\n"
      // zgrab2's metadata summary (-m to the same file): not a record
      R"({"statuses":{"http":{"successes":0,"failures":1}},"start":"2022-12-13T05:40:11Z","end":"2022-12-13T05:40:11Z","duration":"7.172554ms"})" "\n"
      // two modules, one failed: the record is a banner record with the other's banner
      R"({"ip":"10.0.0.4","data":{"ssh22":{"status":"success","protocol":"ssh","port":22,"result":{"server_id":{"raw":"SSH-2.0-y"}}},"http80":{"status":"io-timeout","protocol":"http","port":80,"error":"x"}}})" "\n";
  for (bool keep : {true, false}) {
    ParseSink s = parse_zgrab2(text, {}, keep);
    CHECK(s.counts.records_read == 5);
    CHECK(s.counts.records_used == 5);
    CHECK(s.counts.records_rejected == 0);
    CHECK(s.counts.records_without_observation == 4);
    CHECK(s.counts.banner_records == 1);
    CHECK(s.status.size() == 0);
    if (keep) {
      CHECK(rows(s) == std::vector<Row>{{0x0A000004, 22, std::string(kZgrab2SshService), "SSH-2.0-y"}});
    } else {
      CHECK(s.banners.size() == 0);
    }
  }
}

TEST_CASE("zgrab2: http heads from headers_raw, from either protocol layout, keys in any order", "[zgrab2]") {
  // --raw-headers: the bytes as sent (base64 of "HTTP/1.0 404 Not Found\r\nETag: x\r\nX-A: 1\r\n\r\n")
  const std::string raw = R"({"ip":"1.2.3.4","data":{"http":{"status":"success","protocol":"http","result":{"response":{"status_line":"404 Not Found","protocol":"HTTP/1.0","headers":{"etag":["x"]},"headers_raw":"SFRUUC8xLjAgNDA0IE5vdCBGb3VuZA0KRVRhZzogeA0KWC1BOiAxDQoNCg=="}}}}})";
  ParseSink s = parse_zgrab2(raw + "\n");
  REQUIRE(s.banners.size() == 1);
  CHECK(s.banners.banner.at(0) == "HTTP/1.0 404 Not Found\r\nETag: x\r\nX-A: 1\r\n\r\n");
  // rebuilt: several values, unknown headers, Transfer-Encoding taken out by Go and put back;
  // keys sorted as jq -S writes them (status after result)
  const std::string sorted =
      R"({"data":{"web":{"port":8000,"protocol":"http","result":{"response":{"headers":{"set_cookie":["a=1","b=2"],"unknown":[{"key":"x_custom_thing","value":["v"]}]},"protocol":{"major":1,"minor":1,"name":"HTTP/1.1"},"status_code":302,"transfer_encoding":["chunked"]}},"status":"success"}},"ip":"1.2.3.4"})";
  s = parse_zgrab2(sorted + "\n");
  REQUIRE(s.banners.size() == 1);
  CHECK(s.banners.port[0] == 8000);
  CHECK(lines(s.banners.banner.at(0)) == std::set<std::string>{"HTTP/1.1 302", "Set-Cookie: a=1", "Set-Cookie: b=2",
                                                                 "X-Custom-Thing: v", "Transfer-Encoding: chunked"});
}

TEST_CASE("zgrab2: bad lines are rejected with a cause and their offset", "[zgrab2]") {
  const std::string good = R"({"ip":"1.2.3.4","data":{"ssh":{"status":"success","protocol":"ssh","result":{"server_id":{"raw":"SSH-2.0-x"}}}}})";
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"not json", "not a JSON object"},
      {R"({"ip":"1.2.3.4","data":{"ssh":{"status":"success")", "invalid JSON"},  // cut
      {good + " junk", "invalid JSON"},
      {R"([1,2])", "not a JSON object"},
      {R"({"ip":"1.2.3.400","data":{}})", "not an IPv4 address"},
      {R"({"ip":"::1","data":{}})", "not an IPv4 address"},
      {R"({"ip":7,"data":{}})", "ip: not a string"},
      {R"({"data":{"ssh":{"status":"success"}}})", "without \"ip\""},
      {R"({"ip":"1.2.3.4"})", "without \"data\""},
      {R"({"ip":"1.2.3.4","port":70000,"data":{}})", "port"},
      {R"({"ip":"1.2.3.4","data":[]})", "data: not an object"},
      {R"({"ip":"1.2.3.4","data":{"ssh":5}})", "data.ssh: not an object"},
      {R"({"ip":"1.2.3.4","data":{"ssh":{"protocol":"ssh"}}})", "data.ssh: no \"status\""},
      {R"({"ip":"1.2.3.4","data":{"ssh":{"status":"success","port":"22"}}})", "data.ssh: port"},
      {R"({"ip":"1.2.3.4","data":{"ssh":{"status":"success","protocol":5}}})", "protocol: not a string"},
      {R"({"ip":"1.2.3.4","data":{"ssh":{"status":"success","error":1}}})", "error: not a string"},
      {R"({"ip":"1.2.3.4","data":{"ssh":{"status":"success","result":"x"}}})", "result: not an object"},
  };
  for (const auto& [line, cause] : cases) {
    INFO(line);
    ParseSink s = parse_zgrab2(good + "\n" + line + "\n");
    CHECK(s.counts.records_read == 2);
    CHECK(s.counts.records_used == 1);
    CHECK(s.counts.records_rejected == 1);
    CHECK(s.banners.size() == 1);  // nothing of the bad line
    REQUIRE(s.errors.size() == 1);
    CHECK(s.errors[0].offset == good.size() + 1);
    CHECK_THAT(s.errors[0].cause, Catch::Contains(cause) && Catch::StartsWith("zgrab2: "));
  }
}

TEST_CASE("zgrab2: features in GPS's names; no service of their own", "[zgrab2][gps]") {
  const uint32_t ip = 0x0A010203;
  const std::vector<gps::BannerText> banners = {
      {kZgrab2HttpService, "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"},
      {kZgrab2SshService, "SSH-2.0-OpenSSH_8.2p1"},
      {kZgrab2TlsSubjectService, "CN=a"},
      {kZgrab2TlsIssuerService, "O=b, CN=c"},
      {kZgrab2BannerService, "220 ftp\r\n"},
  };
  gps::FeatureOptions options;
  options.crosses = false;
  std::set<std::string> got;
  for (const auto& [kind, text] : gps::service_feature_texts(ip, banners, options, std::nullopt)) got.insert(text);
  CHECK(got == std::set<std::string>{"L4", "s16: 0a010000", "http line: HTTP/1.1 200 OK", "http line: Server: x",
                                     "ssh banner: SSH-2.0-OpenSSH_8.2p1", "http line: SSH-2.0-OpenSSH_8.2p1",
                                     "tls cert: subject=CN=a", "tls cert: issuer=O=b, CN=c", "http line: 220 ftp"});
  // A masscan banner of the same head gives the same lines, and its service name.
  const std::vector<gps::BannerText> masscan = {{"http", "HTTP/1.1 200 OK\r\nServer: x\r\n\r\n"}};
  std::set<std::string> m;
  for (const auto& [kind, text] : gps::service_feature_texts(ip, masscan, options, std::nullopt)) m.insert(text);
  CHECK(m == std::set<std::string>{"L4", "s16: 0a010000", "service: http", "http line: HTTP/1.1 200 OK",
                                   "http line: Server: x"});
}

TEST_CASE("zgrab2: banners join the services of other inputs and make none", "[zgrab2][gps]") {
  StatusColumns status;
  status.push_back({0x0A000001, 0, 80, uint8_t(Proto::tcp), uint8_t(Status::open), 0, 0, 0, 0});
  status.push_back({0x0A000001, 0, 22, uint8_t(Proto::tcp), uint8_t(Status::open), 0, 0, 0, 0});
  status.push_back({0x0A000003, 0, 22, uint8_t(Proto::tcp), uint8_t(Status::closed), 0, 0, 0, 0});
  BannerColumns banners;
  const auto tcp = uint8_t(Proto::tcp);
  banners.push_back(0x0A000002, 0, 80, tcp, 0, kZgrab2HttpService, "HTTP/1.1 200 OK\r\n");   // no service: host 2
  banners.push_back(0x0A000001, 0, 8080, tcp, 0, kZgrab2HttpService, "HTTP/1.1 200 OK\r\n");  // no service: port
  banners.push_back(0x0A000001, 0, 80, tcp, 0, kZgrab2HttpService, "HTTP/1.1 200 OK\r\n");    // joins
  banners.push_back(0x0A000001, 0, 80, tcp, 0, kZgrab2TlsSubjectService, "CN=x");             // the same service
  banners.push_back(0x0A000003, 0, 22, tcp, 0, kZgrab2SshService, "SSH-2.0-x");                // closed: no service
  banners.push_back(0x0A000001, 0, 443, tcp, 0, "http", "HTTP/1.1 200 OK\r\n");  // masscan's: a service of its own
  gps::FeatureOptions options;
  options.crosses = false;
  gps::FeatureDictionary dict;
  gps::SeedJoinCounts joins;
  gps::SeedHosts seed = gps::build_seed(status, banners, options, {}, dict, &joins);
  CHECK(joins.joined == 1);
  CHECK(joins.unmatched == 3);
  REQUIRE(seed.hosts() == 1);
  CHECK(seed.ip[0] == 0x0A000001);
  CHECK(seed.port == std::vector<uint16_t>{22, 80, 443});
  auto texts = [&](size_t s) {
    std::set<std::string> out;
    for (uint64_t f = seed.feat_begin[s]; f < seed.feat_begin[s + 1]; ++f) out.insert(std::string(dict.text(seed.feature[f])));
    return out;
  };
  CHECK(texts(0) == std::set<std::string>{"L4", "s16: 0a000000"});
  CHECK(texts(1) == std::set<std::string>{"L4", "s16: 0a000000", "http line: HTTP/1.1 200 OK", "tls cert: subject=CN=x"});
  CHECK(texts(2) == std::set<std::string>{"L4", "s16: 0a000000", "service: http", "http line: HTTP/1.1 200 OK"});
}
