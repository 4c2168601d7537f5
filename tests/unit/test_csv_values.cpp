// The CSV value formatter of `scanhpc export` / `info --table`, against
// independent computations: libc's gmtime_r/strftime and inet_ntop, strtod,
// and dates printed by `date -u -d @N`.
#include <arpa/inet.h>

#include <catch2/catch.hpp>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>

#include "scanhpc/io/csv_values.hpp"

using namespace scanhpc;

namespace {
std::string field(std::string_view s) {
  std::string out;
  csv::append_field(out, s);
  return out;
}
std::string iso(int64_t s) {
  std::string out;
  csv::append_iso_seconds(out, s);
  return out;
}
std::string day(int64_t d) {
  std::string out;
  csv::append_iso_day(out, d);
  return out;
}
std::string libc_iso(int64_t s, const char* format) {
  const time_t t = static_cast<time_t>(s);
  std::tm tm{};
  REQUIRE(gmtime_r(&t, &tm) != nullptr);
  char buf[64];
  const size_t n = std::strftime(buf, sizeof buf, format, &tm);
  return std::string(buf, n);
}
std::string integer(uint64_t v, bool is_signed, csv::ValueKind kind, csv::Readable r) {
  std::string out;
  csv::append_integer(out, v, is_signed, kind, r);
  return out;
}
}  // namespace

TEST_CASE("CSV fields are quoted as RFC 4180 asks, and only then", "[csv]") {
  CHECK(field("plain text") == "plain text");
  CHECK(field("") == "");
  CHECK(field(" spaced ") == " spaced ");
  CHECK(field("a,b") == "\"a,b\"");
  CHECK(field("say \"hi\"") == "\"say \"\"hi\"\"\"");
  CHECK(field("\"") == "\"\"\"\"");
  CHECK(field("two\nlines") == "\"two\nlines\"");
  CHECK(field("cr\rhere") == "\"cr\rhere\"");
  CHECK(field("http line: HTTP/1.1 200 OK\\x0d") == "http line: HTTP/1.1 200 OK\\x0d");
}

TEST_CASE("IPv4 columns become dotted quads like inet_ntop's", "[csv]") {
  std::mt19937_64 rng(11);
  for (int i = 0; i < 10000; ++i) {
    const uint32_t v = i < 3 ? (i == 0 ? 0u : i == 1 ? 0xFFFFFFFFu : 0xC6120021u) : static_cast<uint32_t>(rng());
    in_addr a{};
    a.s_addr = htonl(v);
    char buf[INET_ADDRSTRLEN];
    REQUIRE(inet_ntop(AF_INET, &a, buf, sizeof buf));
    std::string out;
    csv::append_ipv4(out, v);
    REQUIRE(out == buf);
  }
  CHECK(integer(0xC6120021u, false, csv::ValueKind::ipv4, {true, false}) == "198.18.0.33");
  CHECK(integer(0xC6120021u, false, csv::ValueKind::ipv4, {false, true}) == "3323068449");
  CHECK(integer(1ull << 32, false, csv::ValueKind::ipv4, {true, false}) == "4294967296");  // not an address
}

TEST_CASE("Unix seconds and day numbers become ISO 8601 UTC", "[csv]") {
  // Printed by `date -u -d @N +%FT%TZ` and `date -u -d "1970-01-01 + N days" +%F`.
  CHECK(iso(1614834367) == "2021-03-04T05:06:07Z");
  CHECK(iso(0) == "1970-01-01T00:00:00Z");
  CHECK(iso(4294967295) == "2106-02-07T06:28:15Z");
  CHECK(iso(-1) == "1969-12-31T23:59:59Z");
  CHECK(iso(951782400) == "2000-02-29T00:00:00Z");
  CHECK(day(18690) == "2021-03-04");
  CHECK(day(11016) == "2000-02-29");
  CHECK(day(0) == "1970-01-01");
  // Against libc's calendar over a wide range of times, leap years included.
  std::mt19937_64 rng(7);
  std::uniform_int_distribution<int64_t> when(-2208988800, 8000000000);  // 1900 .. 2223
  for (int i = 0; i < 20000; ++i) {
    const int64_t s = when(rng);
    REQUIRE(iso(s) == libc_iso(s, "%Y-%m-%dT%H:%M:%SZ"));
    const int64_t d = s / 86400;
    REQUIRE(day(d) == libc_iso(d * 86400, "%Y-%m-%d"));
  }
  const csv::Readable times{false, true};
  CHECK(integer(1614834367, false, csv::ValueKind::unix_seconds, times) == "2021-03-04T05:06:07Z");
  CHECK(integer(18690, false, csv::ValueKind::days, times) == "2021-03-04");
  CHECK(integer(18690, false, csv::ValueKind::days, {true, false}) == "18690");
  CHECK(integer(UINT64_MAX, false, csv::ValueKind::unix_seconds, times) == "18446744073709551615");
  CHECK(integer(static_cast<uint64_t>(int64_t{-5}), true, csv::ValueKind::plain, times) == "-5");
}

TEST_CASE("column kinds come from units, else from the writers' column names", "[csv]") {
  using csv::ValueKind;
  CHECK(csv::column_kind("ip", "", true, 32) == ValueKind::ipv4);
  CHECK(csv::column_kind("src_ip", "", true, 32) == ValueKind::ipv4);
  CHECK(csv::column_kind("ip", "", false, 0) == ValueKind::plain);  // a string column named ip
  CHECK(csv::column_kind("ip", "", true, 64) == ValueKind::plain);
  CHECK(csv::column_kind("first_seen", "", true, 32) == ValueKind::unix_seconds);
  CHECK(csv::column_kind("time", "", true, 32) == ValueKind::unix_seconds);
  CHECK(csv::column_kind("day", "", true, 32) == ValueKind::days);
  CHECK(csv::column_kind("month", "", true, 32) == ValueKind::plain);
  CHECK(csv::column_kind("seconds", "", true, 32) == ValueKind::plain);  // a duration
  CHECK(csv::column_kind("addr", "ipv4", true, 32) == ValueKind::ipv4);
  CHECK(csv::column_kind("t", "unix seconds", true, 64) == ValueKind::unix_seconds);
  CHECK(csv::column_kind("d", "days since 1970-01-01", true, 32) == ValueKind::days);
  CHECK(csv::column_kind("ip", "count", true, 32) == ValueKind::plain);  // units win over the name
  // CF units of the Unix epoch, as scanhpc writes them and in other spellings
  CHECK(csv::column_kind("x", "seconds since 1970-01-01 00:00:00", true, 32) == ValueKind::unix_seconds);
  CHECK(csv::column_kind("x", "seconds since 1970-01-01", true, 32) == ValueKind::unix_seconds);
  CHECK(csv::column_kind("x", "s since 1970-01-01T00:00:00Z", true, 64) == ValueKind::unix_seconds);
  CHECK(csv::column_kind("x", "seconds since 1970-01-01 0:0:0 UTC", true, 32) == ValueKind::unix_seconds);
  CHECK(csv::column_kind("x", "seconds since 1970-01-01 00:00:00.0 +00:00", true, 32) == ValueKind::unix_seconds);
  CHECK(csv::column_kind("x", "days since 1970-01-01", true, 32) == ValueKind::days);
  CHECK(csv::column_kind("x", "days since 1970-01-01 00:00:00", true, 32) == ValueKind::days);
  CHECK(csv::column_kind("time", "seconds since 2000-01-01", true, 32) == ValueKind::plain);  // another epoch
  CHECK(csv::column_kind("time", "seconds since 1970-01-01 01:00:00", true, 32) == ValueKind::plain);
  CHECK(csv::column_kind("time", "hours since 1970-01-01", true, 32) == ValueKind::plain);
  CHECK(csv::column_kind("day", "days since 1970-01-01 +01:00", true, 32) == ValueKind::plain);
  CHECK(csv::column_kind("seconds", "s", true, 32) == ValueKind::plain);  // a duration
  CHECK(csv::column_kind("month", "yyyymm", true, 32) == ValueKind::plain);
  CHECK(csv::column_kind("x", "seconds since 1970-01-01 00:00:00", false, 64) == ValueKind::plain);  // a double
}

TEST_CASE("doubles are written so that they read back bit for bit", "[csv]") {
  auto text = [](double v) {
    std::string out;
    csv::append_double(out, v);
    return out;
  };
  CHECK(text(0.1) == "0.1");
  CHECK(text(1.0) == "1");
  CHECK(text(-0.0) == "-0");
  CHECK(text(NAN) == "nan");
  CHECK(text(-NAN) == "nan");
  CHECK(text(INFINITY) == "inf");
  CHECK(text(-INFINITY) == "-inf");
  CHECK(text(5e-324) == "5e-324");
  std::mt19937_64 rng(3);
  for (int i = 0; i < 100000; ++i) {
    uint64_t bits = rng();
    double v;
    std::memcpy(&v, &bits, sizeof v);
    if (std::isnan(v)) continue;
    const std::string t = text(v);
    const double back = std::strtod(t.c_str(), nullptr);
    uint64_t back_bits;
    std::memcpy(&back_bits, &back, sizeof back);
    REQUIRE(back_bits == bits);
  }
}
