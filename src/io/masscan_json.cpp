// -oJ (every historic layout) and -oD records, one line each, with simdjson
// On-Demand. Fields are matched by name in any order; a record is committed
// only after all of it is valid, so a bad ports[] entry rejects the record.
#include "scanhpc/io/masscan_json.hpp"

#include <charconv>
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

using detail::PortEntry;


// Keys are compared raw (masscan never escapes them): no copy per key.
enum class Key { other, ip, timestamp, ports, port, proto, status, reason, ttl, service, service_name, name, banner,
                 rec_type, data };

// True when the raw key is exactly `lit`: a fixed-size compare plus the
// closing quote. Reading a few bytes past a shorter key stays inside the
// padded line buffer, and the quote check rejects it.
template <size_t N>
bool raw_is(const char* k, const char (&lit)[N]) {
  return std::memcmp(k, lit, N - 1) == 0 && k[N - 1] == '"';
}

Key key_of(od::raw_json_string raw) {
  const char* k = raw.raw();
  switch (k[0]) {
    case 'i': return raw_is(k, "ip") ? Key::ip : Key::other;
    case 't': return raw_is(k, "timestamp") ? Key::timestamp : raw_is(k, "ttl") ? Key::ttl : Key::other;
    case 'p': return raw_is(k, "ports") ? Key::ports : raw_is(k, "port") ? Key::port : raw_is(k, "proto") ? Key::proto : Key::other;
    case 's':
      return raw_is(k, "status") ? Key::status : raw_is(k, "service") ? Key::service
             : raw_is(k, "service_name") ? Key::service_name : Key::other;
    case 'r': return raw_is(k, "reason") ? Key::reason : raw_is(k, "rec_type") ? Key::rec_type : Key::other;
    case 'n': return raw_is(k, "name") ? Key::name : Key::other;
    case 'b': return raw_is(k, "banner") ? Key::banner : Key::other;
    case 'd': return raw_is(k, "data") ? Key::data : Key::other;
    default: return Key::other;
  }
}

// Reads the status/reason/ttl or the service fields of one entry (-oJ ports[]
// element or -oD "data" object) into `e`. Returns false with `why` set.
bool read_entry_field(Key key, od::value v, PortEntry& e, std::string& why) {
  uint64_t n = 0;
  std::string_view s;
  switch (key) {
    case Key::port:
      if (!get_uint(v, 65535, n, why)) { why = "port: " + why; return false; }
      e.port = uint16_t(n);
      e.has_port = true;
      return true;
    case Key::proto: {
      if (!get_str(v, s)) { why = "proto: not a string"; return false; }
      auto p = parse_proto(s);
      if (!p) { why = "unknown proto " + quoted(s); return false; }
      e.proto = uint8_t(*p);
      e.has_proto = true;
      return true;
    }
    case Key::status: {
      if (!get_str(v, s)) { why = "status: not a string"; return false; }
      auto st = parse_status(s);
      if (!st) { why = "unknown status " + quoted(s); return false; }
      e.status = uint8_t(*st);
      e.has_status = true;
      return true;
    }
    case Key::reason: {
      if (!get_str(v, s)) { why = "reason: not a string"; return false; }
      auto r = parse_reason(s);
      if (!r) { why = "unknown reason " + quoted(s); return false; }
      e.reason = *r;
      e.known |= kKnownReason;
      return true;
    }
    case Key::ttl:
      if (!get_uint(v, 255, n, why)) { why = "ttl: " + why; return false; }
      e.ttl = uint8_t(n);
      e.known |= kKnownTtl;
      return true;
    case Key::service: {  // -oJ: {"name": ..., "banner": ...}
      od::object svc;
      if (v.get_object().get(svc)) { why = "service: not an object"; return false; }
      for (auto f : svc) {
        od::raw_json_string k;
        if (f.key().get(k)) { why = "service: bad key"; return false; }
        Key id = key_of(k);
        if (id == Key::name) {
          if (!get_str(f.value(), e.service)) { why = "service.name: not a string"; return false; }
        } else if (id == Key::banner) {
          if (!get_str(f.value(), e.banner)) { why = "service.banner: not a string"; return false; }
        } else if (auto err = check_value(f.value())) {
          why = json_error(err, "service: invalid value");
          return false;
        }
      }
      e.has_service = true;
      return true;
    }
    case Key::service_name:  // -oD data
      if (!get_str(v, e.service)) { why = "service_name: not a string"; return false; }
      e.has_service = true;
      return true;
    case Key::banner:
      if (!get_str(v, e.banner)) { why = "banner: not a string"; return false; }
      e.has_service = true;
      return true;
    default:
      return true;  // unknown keys are ignored
  }
}

}  // namespace

namespace {

// Reads every field of a -oJ ports[] entry or a -oD "data" object into `e`.
bool read_entry_object(od::object& o, PortEntry& e, std::string& why) {
  for (auto f : o) {
    od::raw_json_string k;
    if (auto err = f.key().get(k)) { why = json_error(err, "bad key"); return false; }
    Key id = key_of(k);
    if (id == Key::other) {
      if (auto err = check_value(f.value())) { why = json_error(err, "invalid value"); return false; }
    } else if (!read_entry_field(id, f.value(), e, why)) {
      return false;
    }
  }
  return true;
}

}  // namespace

void JsonRecordParser::parse(std::string_view text, size_t capacity, uint32_t file, uint64_t offset,
                             ParseSink& sink) {
  entries_.clear();
  std::string why;
  auto fail = [&](std::string cause) { sink.reject(file, offset, "json: " + cause); };

  od::document doc;
  if (auto err = parser_.iterate(text.data(), text.size(), capacity).get(doc))
    return fail(std::string("invalid JSON: ") + simdjson::error_message(err));
  od::object obj;
  if (auto err = doc.get_object().get(obj)) return fail(json_error(err, "not a JSON object"));

  // Every field is visited, in any order: that also checks the commas and
  // colons between them, which On-Demand would skip over otherwise.
  uint32_t ip = 0, ts = 0;
  uint8_t known = 0;
  bool has_ip = false, has_ports = false;
  PortEntry flat;  // -oD: port and proto at the top, the rest in "data"
  for (auto field : obj) {
    od::raw_json_string raw_key;
    if (auto err = field.key().get(raw_key)) return fail(json_error(err, "invalid JSON key"));
    od::value v;
    if (auto err = field.value().get(v)) return fail(json_error(err, "invalid value"));
    switch (key_of(raw_key)) {
      case Key::ip: {
        std::string_view s;
        if (auto err = v.get_string().get(s)) return fail(json_error(err, "ip: not a string"));
        auto parsed = parse_ipv4(s);
        if (!parsed) return fail("not an IPv4 address: " + quoted(s));
        ip = *parsed;
        has_ip = true;
        break;
      }
      case Key::timestamp: {
        uint64_t n = 0;
        if (!get_uint(v, std::numeric_limits<uint32_t>::max(), n, why)) return fail("timestamp: " + why);
        ts = uint32_t(n);
        known |= kKnownTs;
        break;
      }
      case Key::ports: {
        has_ports = true;
        od::array arr;
        if (auto err = v.get_array().get(arr)) return fail(json_error(err, "ports: not an array"));
        for (auto element : arr) {
          od::object pe;
          if (auto err = element.get_object().get(pe)) return fail(json_error(err, "ports[]: not an object"));
          PortEntry e;
          if (!read_entry_object(pe, e, why)) return fail(why);
          if (!e.has_port || !e.has_proto) return fail("ports[] entry without port or proto");
          if (!e.has_status && !e.has_service) return fail("ports[] entry has neither status nor service");
          entries_.push_back(e);
        }
        break;
      }
      case Key::port:
      case Key::proto:
        if (!read_entry_field(key_of(raw_key), v, flat, why)) return fail(why);
        break;
      case Key::data: {
        od::object data;
        if (auto err = v.get_object().get(data)) return fail(json_error(err, "data: not an object"));
        if (!read_entry_object(data, flat, why)) return fail(why);
        break;
      }
      default:
        if (auto err = check_value(v)) return fail(json_error(err, "invalid value"));
    }
  }
  // current_location() is OUT_OF_BOUNDS exactly when the whole line was consumed.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return fail("trailing content after the record");
  if (!has_ip) return fail("record without \"ip\"");
  if (!has_ports) {
    if (!flat.has_port && !flat.has_proto && !flat.has_status && !flat.has_service) return fail("record without ports");
    if (!flat.has_port || !flat.has_proto) return fail("record without port or proto");
    if (!flat.has_status && !flat.has_service) return fail("record has neither status nor banner");
    entries_.push_back(flat);
  } else if (flat.has_port || flat.has_proto) {
    return fail("both \"ports\" and flat port fields");
  }
  if (entries_.empty()) return fail("record without ports");

  uint64_t observations = 0;
  for (const auto& e : entries_) {
    if (e.has_status) {
      StatusRow r;
      r.ip = ip; r.ts = ts; r.port = e.port; r.proto = e.proto; r.status = e.status;
      r.reason = e.reason; r.ttl = e.ttl; r.known = uint8_t(known | e.known);
      sink.status.push_back(r);
      ++observations;
    } else if (sink.keep_banners) {
      sink.banners.push_back(ip, ts, e.port, e.proto, known, e.service, utf8_to_latin1(e.banner));
    }
  }
  if (observations) sink.used_status(observations);
  else sink.used_banner();
}

}  // namespace scanhpc
