// GPS seed NDJSON records (see the header), with simdjson On-Demand. Every
// field is visited so that the whole line's grammar is checked; a record is
// committed only when all of it is valid.
#include "scanhpc/io/gps_seed_json.hpp"

#include <cctype>
#include <cstring>
#include <limits>
#include <string>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/io/json_values.hpp"

namespace scanhpc {
namespace od = simdjson::ondemand;
using namespace json_values;

namespace {

enum class Field { other, ip, port, asn, data, fingerprint, window, rst };

// Case-insensitive, as BigQuery's JSON import (LZR of 2020 writes "Data");
// compared without a copy, since every key of every record comes here.
bool is(std::string_view key, std::string_view lower) {
  if (key.size() != lower.size()) return false;
  for (size_t i = 0; i < key.size(); ++i)
    if (char(std::tolower(static_cast<unsigned char>(key[i]))) != lower[i]) return false;
  return true;
}

Field field_of(std::string_view key, bool& saddr) {
  if (is(key, "saddr")) saddr = true;
  if (is(key, "ip") || is(key, "saddr")) return Field::ip;
  if (is(key, "p") || is(key, "sport")) return Field::port;
  if (is(key, "asn")) return Field::asn;
  if (is(key, "data")) return Field::data;
  if (is(key, "fingerprint")) return Field::fingerprint;
  if (is(key, "w") || is(key, "window")) return Field::window;
  if (is(key, "rst")) return Field::rst;
  return Field::other;
}

// A value that starts like null; is_null() then checks the whole atom, so
// "nul" or "nullx" is an error, not an absent field.
bool looks_null(od::value v) {
  od::json_type t;
  return !v.type().get(t) && t == od::json_type::null;
}

}  // namespace

void GpsSeedRecordParser::parse(std::string_view text, size_t capacity, uint32_t file, uint64_t offset,
                                ParseSink& sink) {
  auto fail = [&](std::string cause) { sink.reject(file, offset, "gps seed: " + cause); };
  od::document doc;
  if (auto err = parser_.iterate(text.data(), text.size(), capacity).get(doc))
    return fail(std::string("invalid JSON: ") + simdjson::error_message(err));
  od::object obj;
  if (auto err = doc.get_object().get(obj)) return fail(json_error(err, "not a JSON object"));

  uint32_t ip = 0;
  uint64_t port = 0, asn = 0, window = 0;
  bool has_ip = false, has_port = false, has_asn = false, has_window = false, raw_lzr = false, rst = false, has_rst = false;
  std::string_view data, fingerprint;
  std::string why;
  for (auto field : obj) {
    std::string_view key;
    if (auto err = field.unescaped_key().get(key)) return fail(json_error(err, "invalid JSON key"));
    const Field id = field_of(key, raw_lzr);
    const std::string name(key);  // the key's buffer is reused by the next unescape
    od::value v;
    if (auto err = field.value().get(v)) return fail(json_error(err, "invalid value"));
    if (id != Field::other && looks_null(v)) {
      bool null = false;
      if (v.is_null().get(null) || !null) return fail(name + ": invalid null");
      continue;
    }
    switch (id) {
      case Field::ip: {
        std::string_view s;
        if (auto err = v.get_string().get(s)) return fail(json_error(err, (name + ": not a string").c_str()));
        auto parsed = parse_ipv4(s);
        if (!parsed) return fail("not an IPv4 address: " + quoted(s));
        ip = *parsed;
        has_ip = true;
        break;
      }
      case Field::port:
        if (!get_uint(v, 65535, port, why)) return fail(name + ": " + why);
        has_port = true;
        break;
      case Field::asn:
        if (!get_uint(v, std::numeric_limits<uint32_t>::max(), asn, why)) return fail("asn: " + why);
        has_asn = true;
        break;
      case Field::window:
        if (!get_uint(v, 65535, window, why)) return fail(name + ": " + why);
        has_window = true;
        break;
      case Field::data:
        if (!get_str(v, data)) return fail("data: not a string");
        break;
      case Field::fingerprint:
        if (!get_str(v, fingerprint)) return fail("fingerprint: not a string");
        break;
      case Field::rst:
        if (v.get_bool().get(rst)) return fail(name + ": not a boolean");
        has_rst = true;
        break;
      case Field::other:
        if (auto err = check_value(v)) return fail(json_error(err, "invalid value"));
        break;
    }
  }
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return fail("trailing content after the record");
  if (!has_ip) return fail("record without \"ip\"");
  if (!has_port) return fail("record without \"p\"");
  // BigQuery: NULL fails every test, so a record without RST or window is out too.
  if (raw_lzr && lzr_filter_ && (data.empty() || !has_rst || rst || !has_window || window == 0)) {
    sink.used_without_observation();  // GPS's preparation keeps it out: read, no observation
    return;
  }

  StatusRow r;
  r.ip = ip;
  r.port = uint16_t(port);
  r.proto = uint8_t(Proto::tcp);
  r.status = uint8_t(Status::open);
  sink.status.push_back(r);
  if (sink.keep_banners) {
    const auto tcp = uint8_t(Proto::tcp);
    if (!data.empty()) sink.banners.push_back(ip, 0, r.port, tcp, 0, "", utf8_to_latin1(data));
    if (!fingerprint.empty())
      sink.banners.push_back(ip, 0, r.port, tcp, 0, kGpsFingerprintService, utf8_to_latin1(fingerprint));
    if (has_window) sink.banners.push_back(ip, 0, r.port, tcp, 0, kGpsWindowService, std::to_string(window));
    if (has_asn) sink.banners.push_back(ip, 0, r.port, tcp, 0, kGpsAsnService, std::to_string(asn));
  }
  sink.used_status(1);
}

std::vector<std::string_view> split_concatenated_objects(std::string_view line) {
  std::vector<std::string_view> out;
  size_t start = 0, depth = 0;
  bool in_string = false, escaped = false;
  for (size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if (in_string) {
      if (escaped) escaped = false;
      else if (c == '\\') escaped = true;
      else if (c == '"') in_string = false;
      continue;
    }
    if (c == '"') in_string = true;
    else if (c == '{' || c == '[') ++depth;
    else if ((c == '}' || c == ']') && depth > 0 && --depth == 0 && c == '}') {
      size_t next = i + 1;
      while (next < line.size() && (line[next] == ' ' || line[next] == '\t')) ++next;
      if (next < line.size() && line[next] == '{') {  // another object follows on the line
        out.push_back(line.substr(start, i + 1 - start));
        start = next;
        i = next - 1;
      }
    }
  }
  out.push_back(line.substr(start));
  return out;
}

}  // namespace scanhpc
