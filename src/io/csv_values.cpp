#include "scanhpc/io/csv_values.hpp"

#include <array>
#include <charconv>
#include <chrono>
#include <cmath>
#include <cstdio>

#include "scanhpc/core/ipv4.hpp"

namespace scanhpc::csv {
namespace {

// Column names whose integers are addresses or times, for files without
// `units` attributes (scanhpc's before they had them; docs/hdf5-layout.md);
// a `units` attribute, when present, wins.
constexpr std::array kIpv4Names{std::string_view("ip"), std::string_view("src_ip"), std::string_view("dst_net"),
                                std::string_view("prefix"), std::string_view("saddr"), std::string_view("src")};
constexpr std::array kSecondNames{std::string_view("first_seen"), std::string_view("last_seen"),
                                  std::string_view("time"), std::string_view("timestamp")};
constexpr std::array kDayNames{std::string_view("day")};

template <class Names>
bool among(const Names& names, std::string_view name) {
  for (auto n : names)
    if (n == name) return true;
  return false;
}

// "<unit> since 1970-01-01", optionally with the time 00:00:00 (a blank or
// T before it, 0:0:0 allowed) and a UTC zone (Z, UTC, +00:00, +0000): the
// CF units of Unix time. Returns the unit ("" when it is not such a text).
std::string_view unix_epoch_unit(std::string_view units) {
  const size_t since = units.find(" since ");
  if (since == std::string_view::npos) return {};
  const std::string_view unit = units.substr(0, since);
  std::string_view rest = units.substr(since + 7);
  if (rest.substr(0, 10) != "1970-01-01") return {};
  rest.remove_prefix(10);
  auto eat = [&rest](std::string_view s) {
    if (rest.substr(0, s.size()) != s) return false;
    rest.remove_prefix(s.size());
    return true;
  };
  if (eat(" ") || eat("T")) {
    for (int part = 0; part < 3; ++part) {
      if (part && !eat(":")) return {};
      size_t digits = 0;
      while (digits < rest.size() && rest[digits] == '0') ++digits;
      if (digits == 0 || digits > 2) return {};
      rest.remove_prefix(digits);
    }
    if (eat(".")) while (!rest.empty() && rest[0] == '0') rest.remove_prefix(1);
  }
  if (!(rest.empty() || rest == "Z" || rest == " UTC" || rest == "UTC" || rest == "+00:00" || rest == " +00:00" ||
        rest == "+0000" || rest == " +0000"))
    return {};
  return unit;
}

template <class T>
void append_number(std::string& out, T v) {
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out.append(buf, r.ptr);
}

}  // namespace

ValueKind column_kind(std::string_view name, std::string_view units, bool is_integer, unsigned bits) {
  if (!is_integer) return ValueKind::plain;
  ValueKind kind = ValueKind::plain;
  if (!units.empty()) {
    const std::string_view unit = unix_epoch_unit(units);
    if (units == "ipv4") kind = ValueKind::ipv4;
    else if (units == "unix seconds" || unit == "seconds" || unit == "second" || unit == "s" || unit == "sec")
      kind = ValueKind::unix_seconds;
    else if (unit == "days" || unit == "day" || unit == "d")
      kind = ValueKind::days;
  } else if (among(kIpv4Names, name)) {
    kind = ValueKind::ipv4;
  } else if (among(kSecondNames, name)) {
    kind = ValueKind::unix_seconds;
  } else if (among(kDayNames, name)) {
    kind = ValueKind::days;
  }
  if (kind == ValueKind::ipv4 && bits > 32) return ValueKind::plain;
  return kind;
}

void append_field(std::string& out, std::string_view field) {
  if (field.find_first_of(",\"\r\n") == std::string_view::npos) {
    out.append(field);
    return;
  }
  out.push_back('"');
  for (char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

void append_unsigned(std::string& out, uint64_t v) { append_number(out, v); }
void append_signed(std::string& out, int64_t v) { append_number(out, v); }

void append_double(std::string& out, double v) {
  if (std::isnan(v)) { out.append("nan"); return; }  // to_chars may write "-nan"
  append_number(out, v);                            // shortest round trip; inf, -inf
}

void append_ipv4(std::string& out, uint64_t v) {
  if (v > 0xFFFFFFFFull) { append_unsigned(out, v); return; }
  out.append(format_ipv4(static_cast<uint32_t>(v)));
}

void append_iso_day(std::string& out, int64_t days) {
  const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
  char buf[40];
  int n = std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                        static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  out.append(buf, static_cast<size_t>(n));
}

void append_iso_seconds(std::string& out, int64_t seconds) {
  using namespace std::chrono;
  const sys_seconds t{std::chrono::seconds{seconds}};
  const auto day = floor<days>(t);
  append_iso_day(out, day.time_since_epoch().count());
  const hh_mm_ss hms{t - day};
  char buf[24];
  int n = std::snprintf(buf, sizeof buf, "T%02d:%02d:%02dZ", static_cast<int>(hms.hours().count()),
                        static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  out.append(buf, static_cast<size_t>(n));
}

void append_integer(std::string& out, uint64_t v, bool is_signed, ValueKind kind, Readable readable) {
  const int64_t sv = static_cast<int64_t>(v);
  // A time outside years 0001-9999 stays a number (ISO 8601's four-digit years).
  const bool fits = is_signed || v <= static_cast<uint64_t>(INT64_MAX);
  constexpr int64_t kFirstDay = -719162, kLastDay = 2932896;  // 0001-01-01, 9999-12-31
  switch (kind) {
    case ValueKind::ipv4:
      if (readable.ips && (!is_signed || sv >= 0)) return append_ipv4(out, v);
      break;
    case ValueKind::unix_seconds:
      if (readable.times && fits && sv >= kFirstDay * 86400 && sv < (kLastDay + 1) * 86400)
        return append_iso_seconds(out, sv);
      break;
    case ValueKind::days:
      if (readable.times && fits && sv >= kFirstDay && sv <= kLastDay) return append_iso_day(out, sv);
      break;
    case ValueKind::plain: break;
  }
  if (is_signed) append_signed(out, sv);
  else append_unsigned(out, v);
}

}  // namespace scanhpc::csv
