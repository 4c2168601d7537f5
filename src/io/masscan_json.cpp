// -oJ (every historic layout) and -oD records, one line each, with simdjson
// On-Demand. Fields are matched by name in any order; a record is committed
// only after all of it is valid, so a bad ports[] entry rejects the record.
#include "scanhpc/io/masscan_json.hpp"

#include <charconv>
#include <limits>
#include <string>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/ipv4.hpp"

namespace scanhpc {
namespace od = simdjson::ondemand;

namespace {

std::string quoted(std::string_view s) {
  if (s.size() > 60) s = s.substr(0, 60);
  return "\"" + std::string(s) + (s.size() == 60 ? "...\"" : "\"");
}

// Accepts a JSON number or a decimal string (masscan quotes timestamps).
bool get_uint(od::value v, uint64_t max, uint64_t& out, std::string& why) {
  od::json_type t;
  if (v.type().get(t)) { why = "unreadable value"; return false; }
  if (t == od::json_type::number) {
    if (v.get_uint64().get(out)) { why = "not an unsigned integer"; return false; }
  } else if (t == od::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s)) { why = "bad string"; return false; }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) { why = "not a number: " + quoted(s); return false; }
  } else {
    why = "not a number";
    return false;
  }
  if (out > max) { why = std::to_string(out) + " out of range (max " + std::to_string(max) + ")"; return false; }
  return true;
}

bool get_str(od::value v, std::string_view& out) { return !v.get_string().get(out); }

// simdjson decodes masscan's "\u00xx" byte escapes to UTF-8; banners are
// bytes, so map code points below 256 back to single bytes.
std::string utf8_to_latin1(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if ((c == 0xC2 || c == 0xC3) && i + 1 < s.size()) {
      out.push_back(char(((c & 0x03) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F)));
      ++i;
    } else {
      out.push_back(char(c));
    }
  }
  return out;
}

using detail::PortEntry;

// Reads the status/reason/ttl or the service fields of one entry (-oJ ports[]
// element or -oD "data" object) into `e`. Returns false with `why` set.
bool read_entry_field(std::string_view key, od::value v, PortEntry& e, std::string& why) {
  uint64_t n = 0;
  std::string_view s;
  if (key == "port") {
    if (!get_uint(v, 65535, n, why)) { why = "port: " + why; return false; }
    e.port = uint16_t(n);
  } else if (key == "proto") {
    if (!get_str(v, s)) { why = "proto: not a string"; return false; }
    auto p = parse_proto(s);
    if (!p) { why = "unknown proto " + quoted(s); return false; }
    e.proto = uint8_t(*p);
  } else if (key == "status") {
    if (!get_str(v, s)) { why = "status: not a string"; return false; }
    auto st = parse_status(s);
    if (!st) { why = "unknown status " + quoted(s); return false; }
    e.status = uint8_t(*st);
    e.has_status = true;
  } else if (key == "reason") {
    if (!get_str(v, s)) { why = "reason: not a string"; return false; }
    auto r = parse_reason(s);
    if (!r) { why = "unknown reason " + quoted(s); return false; }
    e.reason = *r;
    e.known |= kKnownReason;
  } else if (key == "ttl") {
    if (!get_uint(v, 255, n, why)) { why = "ttl: " + why; return false; }
    e.ttl = uint8_t(n);
    e.known |= kKnownTtl;
  } else if (key == "service") {  // -oJ: {"name": ..., "banner": ...}
    od::object svc;
    if (v.get_object().get(svc)) { why = "service: not an object"; return false; }
    for (auto f : svc) {
      std::string_view k;
      if (f.unescaped_key().get(k)) { why = "service: bad key"; return false; }
      if (k == "name" && !get_str(f.value(), e.service)) { why = "service.name: not a string"; return false; }
      if (k == "banner" && !get_str(f.value(), e.banner)) { why = "service.banner: not a string"; return false; }
    }
    e.has_service = true;
  } else if (key == "service_name") {  // -oD data
    if (!get_str(v, e.service)) { why = "service_name: not a string"; return false; }
    e.has_service = true;
  } else if (key == "banner") {
    if (!get_str(v, e.banner)) { why = "banner: not a string"; return false; }
    e.has_service = true;
  }
  return true;  // unknown keys are ignored
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
  if (auto err = doc.get_object().get(obj))
    return fail(err == simdjson::INCORRECT_TYPE ? std::string("not a JSON object")
                                                : std::string("invalid JSON: ") + simdjson::error_message(err));

  uint32_t ip = 0, ts = 0;
  uint8_t known = 0;
  bool has_ip = false, flat = false;
  PortEntry flat_entry;  // -oD keeps port/proto at top level and the rest in "data"
  for (auto field : obj) {
    std::string_view key;
    if (field.unescaped_key().get(key)) return fail("invalid JSON key");
    od::value v = field.value();
    if (key == "ip") {
      std::string_view s;
      if (!get_str(v, s)) return fail("ip: not a string");
      auto parsed = parse_ipv4(s);
      if (!parsed) return fail("not an IPv4 address: " + quoted(s));
      ip = *parsed;
      has_ip = true;
    } else if (key == "timestamp") {
      uint64_t n = 0;
      if (!get_uint(v, std::numeric_limits<uint32_t>::max(), n, why)) return fail("timestamp: " + why);
      ts = uint32_t(n);
      known |= kKnownTs;
    } else if (key == "ports") {
      od::array arr;
      if (v.get_array().get(arr)) return fail("ports: not an array");
      for (auto element : arr) {
        od::object pe;
        if (element.get_object().get(pe)) return fail("ports[]: not an object");
        PortEntry e;
        bool has_port = false, has_proto = false;
        for (auto f : pe) {
          std::string_view k;
          if (f.unescaped_key().get(k)) return fail("ports[]: bad key");
          if (!read_entry_field(k, f.value(), e, why)) return fail(why);
          has_port |= (k == "port");
          has_proto |= (k == "proto");
        }
        if (!has_port || !has_proto) return fail("ports[] entry without port or proto");
        if (!e.has_status && !e.has_service) return fail("ports[] entry has neither status nor service");
        entries_.push_back(e);
      }
    } else if (key == "port" || key == "proto") {
      flat = true;
      if (!read_entry_field(key, v, flat_entry, why)) return fail(why);
    } else if (key == "rec_type") {
      flat = true;
    } else if (key == "data") {
      flat = true;
      od::object data;
      if (v.get_object().get(data)) return fail("data: not an object");
      for (auto f : data) {
        std::string_view k;
        if (f.unescaped_key().get(k)) return fail("data: bad key");
        if (!read_entry_field(k, f.value(), flat_entry, why)) return fail(why);
      }
    }
  }
  // current_location() is OUT_OF_BOUNDS exactly when the whole line was consumed.
  if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return fail("trailing content after the record");
  if (!has_ip) return fail("record without \"ip\"");
  if (flat) {
    if (!entries_.empty()) return fail("both \"ports\" and flat port fields");
    if (!flat_entry.has_status && !flat_entry.has_service) return fail("record has neither status nor banner");
    entries_.push_back(flat_entry);
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
