// Tests of the masscan -oB reader: the real scan.bin against scan.oJ of the
// same scan (parsed here by a small independent sscanf oracle), hand-made
// records of every type, corrupt and truncated input.
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <tuple>
#include <vector>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/io/byte_stream.hpp"
#include "scanhpc/io/masscan_binary.hpp"

using namespace scanhpc;
using scanhpc::test::slurp;
using scanhpc::test::check_same;

namespace {

const std::string kData = SCANHPC_TESTDATA;


// A file under the temp dir, removed when the object goes away.
struct TempFile {
  std::string path;
  explicit TempFile(const std::string& bytes, const std::string& tag = "bin") {
    static int counter = 0;
    path = (std::filesystem::temp_directory_path() /
            ("scanhpc_binary_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "." + tag))
               .string();
    std::ofstream f(path, std::ios::binary);
    f.write(bytes.data(), std::streamsize(bytes.size()));
  }
  ~TempFile() { std::filesystem::remove(path); }
};

ParseSink decode_path(const std::string& path, bool keep_banners = true) {
  ParseSink sink;
  sink.keep_banners = keep_banners;
  sink.max_errors_kept = 1000;
  ByteStream in(path);
  read_masscan_binary(in, 3, sink);
  return sink;
}

ParseSink decode_bytes(const std::string& bytes) {
  TempFile t(bytes);
  return decode_path(t.path);
}

void require_conserved(const ParseSink& s) {
  REQUIRE(s.counts.records_read == s.counts.records_used + s.counts.records_rejected);
  REQUIRE(s.status.size() == s.counts.status_observations);
  REQUIRE(s.counts.records_used == s.counts.status_observations + s.counts.banner_records);
}

// ---- a tiny -oB writer, following masscan's out-binary.c ----
std::string header(uint32_t start = 1795409903) {
  std::string h(99, '\0');
  std::string text = "masscan/1.1\ns:" + std::to_string(start) + "\n";
  std::memcpy(h.data(), text.data(), text.size());
  return h;
}
std::string trailer() {
  std::string t(99, '\0');
  std::memcpy(t.data(), "masscan/1.1", 11);
  return t;
}
void u8(std::string& s, unsigned v) { s += char(v & 0xFF); }
void u16(std::string& s, unsigned v) { u8(s, v >> 8); u8(s, v); }
void u32(std::string& s, uint32_t v) { u16(s, v >> 16); u16(s, v & 0xFFFF); }
std::string record(unsigned type, const std::string& payload, size_t stated_length) {
  std::string s;
  u8(s, type);
  if (stated_length < 128) {
    u8(s, unsigned(stated_length));
  } else {
    u8(s, unsigned(0x80 | (stated_length >> 7)));
    u8(s, unsigned(stated_length & 0x7F));
  }
  return s + payload;
}
std::string record(unsigned type, const std::string& payload) { return record(type, payload, payload.size()); }
std::string status2(unsigned type, uint32_t ts, uint32_t ip, unsigned proto, unsigned port, unsigned reason,
                    unsigned ttl) {
  std::string p;
  u32(p, ts); u32(p, ip); u8(p, proto); u16(p, port); u8(p, reason); u8(p, ttl);
  return record(type, p);
}
std::string status1(unsigned type, uint32_t ts, uint32_t ip, unsigned port, unsigned reason, unsigned ttl) {
  std::string p;
  u32(p, ts); u32(p, ip); u16(p, port); u8(p, reason); u8(p, ttl);
  return record(type, p);
}
std::string banner9(uint32_t ts, uint32_t ip, unsigned proto, unsigned port, unsigned app, unsigned ttl,
                    const std::string& text) {
  std::string p;
  u32(p, ts); u32(p, ip); u8(p, proto); u16(p, port); u16(p, app); u8(p, ttl);
  return record(9, p + text);
}
std::string banner5(unsigned type, uint32_t ts, uint32_t ip, unsigned proto, unsigned port, unsigned app,
                    const std::string& text) {
  std::string p;
  u32(p, ts); u32(p, ip); u8(p, proto); u16(p, port); u16(p, app);
  p += text;
  // Type 4 states one byte less than it carries (in-binary.c reads one more).
  return record(type, p, type == 4 ? p.size() - 1 : p.size());
}
std::string banner3(uint32_t ts, uint32_t ip, unsigned port, unsigned app, const std::string& text) {
  std::string p;
  u32(p, ts); u32(p, ip); u16(p, port); u16(p, app);
  return record(3, p + text);
}

uint32_t ip(const char* text) { return *parse_ipv4(text); }

// ---- scan.oJ oracle: sscanf on masscan's fixed -oJ layout ----
struct JRecord {
  uint32_t ip = 0, ts = 0;
  unsigned port = 0, ttl = 0;
  std::string proto, status, reason, service, banner;
  bool is_banner = false;
};

// JSON string body -> the banner bytes (masscan writes \u00xx for bytes).
std::string json_banner_to_bytes(const std::string& body) {
  std::string raw;
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] != '\\') {
      raw += body[i];
      continue;
    }
    REQUIRE(i + 1 < body.size());
    char e = body[++i];
    if (e == 'u') {
      REQUIRE(i + 4 < body.size());
      const int code = std::stoi(body.substr(i + 1, 4), nullptr, 16);
      REQUIRE(code < 256);
      raw += char(code);
      i += 4;
    } else {
      raw += e == 'n' ? '\n' : e == 'r' ? '\r' : e == 't' ? '\t' : e;
    }
  }
  return raw;
}

std::vector<JRecord> parse_oj(const std::string& path) {
  std::vector<JRecord> out;
  std::istringstream in(slurp(path));
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] != '{') continue;
    JRecord r;
    char ipbuf[64], proto[16], status[32], reason[64], name[64];
    unsigned ts = 0, port = 0, ttl = 0;
    int n = std::sscanf(line.c_str(),
                        "{   \"ip\": \"%63[^\"]\",   \"timestamp\": \"%u\", \"ports\": [ {\"port\": %u, \"proto\": "
                        "\"%15[^\"]\", \"status\": \"%31[^\"]\", \"reason\": \"%63[^\"]\", \"ttl\": %u} ] }",
                        ipbuf, &ts, &port, proto, status, reason, &ttl);
    if (n == 7) {
      r.status = status;
      r.reason = reason;
      r.ttl = ttl;
    } else {
      int consumed = 0;
      n = std::sscanf(line.c_str(),
                      "{   \"ip\": \"%63[^\"]\",   \"timestamp\": \"%u\", \"ports\": [ {\"port\": %u, \"proto\": "
                      "\"%15[^\"]\", \"service\": {\"name\": \"%63[^\"]\", \"banner\": \"%n",
                      ipbuf, &ts, &port, proto, name, &consumed);
      REQUIRE(n == 5);
      REQUIRE(consumed > 0);
      const std::string tail = "\"} } ] }";
      REQUIRE(line.size() >= consumed + tail.size());
      REQUIRE(line.substr(line.size() - tail.size()) == tail);
      r.is_banner = true;
      r.service = name;
      r.banner = json_banner_to_bytes(line.substr(size_t(consumed), line.size() - tail.size() - size_t(consumed)));
    }
    r.ip = *parse_ipv4(ipbuf);
    r.ts = ts;
    r.port = port;
    r.proto = proto;
    out.push_back(r);
  }
  return out;
}

using Row = std::tuple<uint32_t, uint32_t, uint16_t, uint8_t, uint8_t, uint8_t, uint8_t>;
using BannerRow = std::tuple<uint32_t, uint32_t, uint16_t, uint8_t, std::string, std::string>;

std::vector<Row> rows_of(const ParseSink& s) {
  std::vector<Row> v;
  for (size_t i = 0; i < s.status.size(); ++i) {
    auto r = s.status.row(i);
    v.emplace_back(r.ip, r.ts, r.port, r.proto, r.status, r.reason, r.ttl);
  }
  return v;
}
std::vector<BannerRow> banners_of(const ParseSink& s) {
  std::vector<BannerRow> v;
  const auto& b = s.banners;
  for (size_t i = 0; i < b.size(); ++i)
    v.emplace_back(b.ip[i], b.ts[i], b.port[i], b.proto[i], std::string(b.service.at(i)), std::string(b.banner.at(i)));
  return v;
}


}  // namespace

// ---------------------------------------------------------------------------
TEST_CASE("binary: scan.bin decodes to exactly the records of scan.oJ", "[readers]") {
  ParseSink s = decode_path(kData + "/scan.bin");
  require_conserved(s);
  REQUIRE(s.counts.records_rejected == 0);
  REQUIRE(s.counts.status_observations == 678);
  REQUIRE(s.counts.banner_records == 364);
  REQUIRE(s.counts.records_read == 678 + 364);
  REQUIRE(s.banners.size() == 364);

  // The first record, read by hand from the file's bytes at offset 99:
  // 06 0d 6b03c7ef c6120021 06 01bb 12 40.
  auto first = s.status.row(0);
  CHECK(first.ts == 0x6b03c7efu);
  CHECK(first.ip == ip("198.18.0.33"));
  CHECK(first.proto == uint8_t(Proto::tcp));
  CHECK(first.port == 443);
  CHECK(first.status == uint8_t(Status::open));
  CHECK(first.reason == 0x12);
  CHECK(first.ttl == 64);
  CHECK(first.known == (kKnownTs | kKnownReason | kKnownTtl));

  std::vector<Row> want_rows;
  std::vector<BannerRow> want_banners;
  for (const auto& j : parse_oj(kData + "/scan.oJ")) {
    const uint8_t proto = uint8_t(*parse_proto(j.proto));
    if (j.is_banner) {
      want_banners.emplace_back(j.ip, j.ts, uint16_t(j.port), proto, j.service, j.banner);
    } else {
      want_rows.emplace_back(j.ip, j.ts, uint16_t(j.port), proto, uint8_t(*parse_status(j.status)),
                             *parse_reason(j.reason), uint8_t(j.ttl));
    }
  }
  REQUIRE(want_rows.size() == 678);
  REQUIRE(want_banners.size() == 364);
  // Same records in the same order: --readscan converts record by record.
  check_same(rows_of(s), want_rows, "status rows vs scan.oJ");
  check_same(banners_of(s), want_banners, "banners vs scan.oJ");
}

TEST_CASE("binary: scan.bin gzipped decodes the same", "[readers]") {
  const std::string bytes = slurp(kData + "/scan.bin");
  TempFile gz("", "bin.gz");
  gzFile f = gzopen(gz.path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  REQUIRE(gzclose(f) == Z_OK);
  ParseSink plain = decode_path(kData + "/scan.bin");
  ParseSink zipped = decode_path(gz.path);
  require_conserved(zipped);
  check_same(rows_of(zipped), rows_of(plain), "gzip rows");
  check_same(banners_of(zipped), banners_of(plain), "gzip banners");
  CHECK(zipped.counts.records_read == plain.counts.records_read);
}

TEST_CASE("binary: every record type", "[readers]") {
  const uint32_t a = ip("10.1.2.3"), b = ip("192.0.2.77");
  std::string f = header();
  f += status2(6, 1000, a, 6, 80, 0x12, 57);          // open tcp syn-ack
  f += status2(7, 1001, a, 6, 81, 0x14, 58);          // closed tcp rst-ack
  f += status2(8, 1002, b, 0, 0, 0, 0);               // arp "up"
  f += status2(6, 1003, b, 1, 0, 0, 49);              // icmp echo
  f += status2(6, 1004, b, 17, 161, 0, 50);           // udp
  f += status2(6, 1005, b, 132, 2905, 0, 51);         // sctp
  f += status2(6, 1006, b, 99, 7, 0, 52);             // unknown ip proto -> "err"
  f += status1(1, 2000, a, 53, 0, 60);                // old layout: proto guessed udp
  f += status1(2, 2001, a, 36412, 0x04, 61);          // old layout: sctp, closed
  f += status1(1, 2002, a, 443, 0x12, 62);            // old layout: tcp
  f += banner9(3000, a, 6, 22, 3, 64, "SSH-2.0-OpenSSH_8.4\r\n");
  f += banner9(3001, a, 6, 80, 30, 64, std::string("a<b>&\\\"'\x00\xff", 10));
  f += banner5(5, 3002, b, 17, 53, 6, "bind 9");
  f += banner5(4, 3003, b, 6, 21, 5, "220 ftp");      // type 4: one byte beyond the stated length
  f += banner3(3004, b, 25, 11, "220 smtp");
  f += banner9(3005, b, 6, 8080, 200, 64, "x");       // app proto unknown to masscan: "(200)"
  f += banner9(3006, b, 6, 8080, 16, 64, "t");        // 1.3.2 numbering: 16 is title
  f += trailer();
  ParseSink s = decode_bytes(f);
  require_conserved(s);
  REQUIRE(s.counts.records_rejected == 0);
  REQUIRE(s.status.size() == 10);
  REQUIRE(s.banners.size() == 7);
  CHECK(s.counts.records_read == 17);  // header and trailer are not records

  auto r = s.status.row(0);
  CHECK(r == StatusRow{a, 1000, 80, uint8_t(Proto::tcp), uint8_t(Status::open), 0x12, 57, 7, 0});
  r = s.status.row(1);
  CHECK(r == StatusRow{a, 1001, 81, uint8_t(Proto::tcp), uint8_t(Status::closed), 0x14, 58, 7, 0});
  r = s.status.row(2);
  CHECK(r == StatusRow{b, 1002, 0, uint8_t(Proto::arp), uint8_t(Status::up), 0, 0, 7, 0});
  CHECK(s.status.proto[3] == uint8_t(Proto::icmp));
  CHECK(s.status.proto[4] == uint8_t(Proto::udp));
  CHECK(s.status.proto[5] == uint8_t(Proto::sctp));
  CHECK(s.status.proto[6] == uint8_t(Proto::err));
  r = s.status.row(7);
  CHECK(r == StatusRow{a, 2000, 53, uint8_t(Proto::udp), uint8_t(Status::open), 0, 60, 7, 0});
  r = s.status.row(8);
  CHECK(r == StatusRow{a, 2001, 36412, uint8_t(Proto::sctp), uint8_t(Status::closed), 0x04, 61, 7, 0});
  CHECK(s.status.proto[9] == uint8_t(Proto::tcp));

  const auto bs = banners_of(s);
  CHECK(bs[0] == BannerRow{a, 3000, 22, uint8_t(Proto::tcp), "ssh", "SSH-2.0-OpenSSH_8.4\r\n"});
  CHECK(bs[1] == BannerRow{a, 3001, 80, uint8_t(Proto::tcp), "http.server", std::string("a<b>&\\\"'\x00\xff", 10)});
  CHECK(bs[2] == BannerRow{b, 3002, 53, uint8_t(Proto::udp), "dns-ver", "bind 9"});
  CHECK(bs[3] == BannerRow{b, 3003, 21, uint8_t(Proto::tcp), "ftp", "220 ftp"});
  CHECK(bs[4] == BannerRow{b, 3004, 25, uint8_t(Proto::tcp), "smtp", "220 smtp"});
  CHECK(bs[5] == BannerRow{b, 3005, 8080, uint8_t(Proto::tcp), "(200)", "x"});
  CHECK(bs[6] == BannerRow{b, 3006, 8080, uint8_t(Proto::tcp), "title", "t"});
  for (size_t i = 0; i < s.banners.size(); ++i) CHECK(s.banners.known[i] == kKnownTs);
}

TEST_CASE("binary: long banners use a two-byte length and are kept whole", "[readers]") {
  std::string text(200, 'A');
  std::string f = header() + banner9(1, ip("1.2.3.4"), 6, 80, 4, 64, text);
  ParseSink s = decode_bytes(f);
  REQUIRE(s.banners.size() == 1);
  CHECK(s.banners.banner.at(0) == text);

  // The largest banner masscan writes (16369 bytes), binary bytes included.
  std::string bin(16369, '\0');
  for (size_t i = 0; i < bin.size(); ++i) bin[i] = char(i * 31);
  s = decode_bytes(header() + banner9(1, ip("1.2.3.4"), 6, 80, 4, 64, bin) + trailer());
  require_conserved(s);
  REQUIRE(s.banners.size() == 1);
  CHECK(s.banners.banner.at(0) == bin);
}

TEST_CASE("binary: banners are counted but not kept without keep_banners", "[readers]") {
  TempFile t(header() + banner9(1, ip("1.2.3.4"), 6, 80, 4, 64, "x") + status2(6, 1, ip("1.2.3.4"), 6, 80, 0x12, 1));
  ParseSink s = decode_path(t.path, false);
  require_conserved(s);
  CHECK(s.counts.banner_records == 1);
  CHECK(s.banners.size() == 0);
  CHECK(s.status.size() == 1);
}

TEST_CASE("binary: bad headers", "[readers]") {
  ParseSink s = decode_bytes("");
  require_conserved(s);
  CHECK(s.counts.records_read == 0);  // empty file: masscan found nothing

  s = decode_bytes("#masscan\nopen tcp 80 1.2.3.4 1\n");
  require_conserved(s);
  REQUIRE(s.counts.records_rejected == 1);
  CHECK(s.errors[0].offset == 0);
  CHECK(s.errors[0].file == 3);
  CHECK(s.errors[0].cause.find("binary: not a masscan -oB file") == 0);

  s = decode_bytes(header().substr(0, 40));
  REQUIRE(s.counts.records_rejected == 1);
  CHECK(s.errors[0].cause.find("truncated file header (40 of 99 bytes)") != std::string::npos);

  // The older "masscan/1.1.01" header (no scan start) is accepted.
  std::string old(99, '\0');
  std::memcpy(old.data(), "masscan/1.1.01", 14);
  s = decode_bytes(old + status1(1, 5, ip("1.2.3.4"), 80, 0x12, 9));
  CHECK(s.counts.records_used == 1);
  CHECK(s.counts.records_rejected == 0);
}

TEST_CASE("binary: bad records", "[readers]") {
  const uint32_t a = ip("1.2.3.4");
  const std::string good = status2(6, 1, a, 6, 80, 0x12, 64);

  SECTION("a record too short for its type is rejected and reading goes on") {
    std::string f = header() + record(6, "abcde") + good + record(9, "0123456789") + good;
    ParseSink s = decode_bytes(f);
    require_conserved(s);
    CHECK(s.counts.records_used == 2);
    REQUIRE(s.counts.records_rejected == 2);
    CHECK(s.errors[0].offset == 99);
    CHECK(s.errors[0].cause.find("too short (5 bytes, needs 13)") != std::string::npos);
    CHECK(s.errors[1].offset == 99 + 7 + good.size());
  }
  SECTION("IPv6 records are rejected and reading goes on") {
    std::string p6;
    u32(p6, 1); u8(p6, 6); u16(p6, 80); u8(p6, 0x12); u8(p6, 64); u8(p6, 6);
    p6 += std::string(16, '\x20');
    std::string f = header() + record(10, p6) + good;
    ParseSink s = decode_bytes(f);
    require_conserved(s);
    CHECK(s.counts.records_used == 1);
    REQUIRE(s.counts.records_rejected == 1);
    CHECK(s.errors[0].cause.find("IPv6 is not supported") != std::string::npos);
  }
  SECTION("an unknown record type stops reading with one rejection") {
    std::string f = header() + good + record(42, "xyz") + good;
    ParseSink s = decode_bytes(f);
    require_conserved(s);
    CHECK(s.counts.records_used == 1);
    REQUIRE(s.counts.records_rejected == 1);
    CHECK(s.errors[0].offset == 99 + good.size());
    CHECK(s.errors[0].cause.find("unknown record type 42") != std::string::npos);
  }
  SECTION("an absurd length stops reading") {
    std::string f = header() + good + "\x06\xff\xff\x7f" + good;
    ParseSink s = decode_bytes(f);
    require_conserved(s);
    CHECK(s.counts.records_used == 1);
    REQUIRE(s.counts.records_rejected == 1);
    CHECK(s.errors[0].cause.find("exceeds") != std::string::npos);
  }
  SECTION("a record cut by the end of the file") {
    std::string f = header() + good + good.substr(0, 9);
    ParseSink s = decode_bytes(f);
    require_conserved(s);
    CHECK(s.counts.records_used == 1);
    REQUIRE(s.counts.records_rejected == 1);
    CHECK(s.errors[0].offset == 99 + good.size());
    CHECK(s.errors[0].cause.find("truncated record of type 6: needs 15 bytes, 9 left") != std::string::npos);
  }
  SECTION("a header cut after its type byte") {
    std::string f = header() + good + "\x09";
    ParseSink s = decode_bytes(f);
    require_conserved(s);
    REQUIRE(s.counts.records_rejected == 1);
    CHECK(s.errors[0].cause.find("truncated record header") != std::string::npos);
  }
}

TEST_CASE("binary: scan.bin cut anywhere never crashes and keeps the prefix", "[readers]") {
  const std::string bytes = slurp(kData + "/scan.bin");
  ParseSink full = decode_path(kData + "/scan.bin");
  const auto full_rows = rows_of(full);
  const auto full_banners = banners_of(full);
  std::vector<size_t> cuts = {0, 1, 10, 11, 50, 98, 99, 100, 101, 105, 113, 114, 115, 1000, bytes.size() - 100,
                              bytes.size() - 99, bytes.size() - 98, bytes.size() - 1};
  for (size_t c = 7; c < bytes.size(); c += 331) cuts.push_back(c);
  for (size_t cut : cuts) {
    INFO("cut at " << cut);
    ParseSink s = decode_bytes(bytes.substr(0, cut));
    require_conserved(s);
    CHECK(s.counts.records_rejected <= 1);
    CHECK(s.counts.records_used <= full.counts.records_used);
    // Whatever was decoded is exactly the beginning of the full decode.
    auto rows = rows_of(s);
    auto banners = banners_of(s);
    REQUIRE(rows.size() <= full_rows.size());
    CHECK(std::equal(rows.begin(), rows.end(), full_rows.begin()));
    REQUIRE(banners.size() <= full_banners.size());
    CHECK(std::equal(banners.begin(), banners.end(), full_banners.begin()));
    if (s.counts.records_rejected == 1) CHECK(s.errors[0].offset <= cut);
  }
  // Cut inside the trailer: every record is there, the trailer is cut.
  ParseSink s = decode_bytes(bytes.substr(0, bytes.size() - 50));
  CHECK(s.counts.records_used == 678 + 364);
  CHECK(s.counts.records_rejected == 1);
}

TEST_CASE("binary: random junk and bit flips never crash", "[readers]") {
  std::mt19937_64 rng(20260523);
  const std::string bytes = slurp(kData + "/scan.bin");
  for (int round = 0; round < 60; ++round) {
    std::string junk(size_t(rng() % 4000), '\0');
    for (auto& ch : junk) ch = char(rng());
    if (round % 2 == 0) junk = header() + junk;  // past the header check
    ParseSink s = decode_bytes(junk);
    require_conserved(s);
    if (round % 2 == 1) {
      CHECK(s.counts.records_read <= 1);
    }
  }
  for (int round = 0; round < 60; ++round) {
    std::string flipped = bytes;
    const int flips = 1 + int(rng() % 8);
    for (int k = 0; k < flips; ++k) flipped[99 + rng() % (flipped.size() - 99)] ^= char(1u << (rng() % 8));
    ParseSink s = decode_bytes(flipped);
    require_conserved(s);
    CHECK(s.counts.records_read <= 678 + 364 + 1);
  }
}
