// -oJ (every historic layout) and -oD records, one line each, with simdjson
// On-Demand. Fields are matched by name in any order; a record is committed
// only after all of it is valid, so a bad ports[] entry rejects the record.
#include "scanhpc/io/masscan_json.hpp"

#include <charconv>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#include <cstring>
#include <limits>
#include <string>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/io/json_values.hpp"

namespace scanhpc {
namespace od = simdjson::ondemand;
using namespace json_values;

void decode_plain_banner(std::string_view raw, std::string& out);

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


// ---- The plain path -------------------------------------------------------
// masscan writes every record in one shape. A line of that shape is read here
// in one pass; anything else (another key, a key twice, a non-ASCII byte, an
// escape other than \" \\ \/ \b \f \n \r \t \u00XX, a number that is not a
// plain unsigned integer, a record that would be rejected) makes
// parse_plain() return false before anything is committed, and the record
// goes through simdjson above, which gives the same rows or the error. So the
// plain path only accepts records simdjson accepts, and gives the same values:
// it is a shortcut, never a second grammar.
namespace {

struct Cursor {
  const char* p;
  const char* end;

  // JSON whitespace; '\n' cannot occur inside a line.
  void ws() {
    while (p < end && (*p == ' ' || *p == '\t' || *p == '\r')) ++p;
  }
  bool eat(char c) {
    ws();
    if (p < end && *p == c) { ++p; return true; }
    return false;
  }
  // Advances p over bytes that end no plain string: anything but '"', '\\',
  // a control byte or a non-ASCII byte; 16 at a time where SSE2 is.
  void skip_plain() {
#if defined(__SSE2__)
    const __m128i quote = _mm_set1_epi8('"'), backslash = _mm_set1_epi8('\\'), space = _mm_set1_epi8(0x20);
    while (end - p >= 16) {
      const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
      // signed: a byte >= 0x80 is negative, so one compare finds < 0x20 and >= 0x80
      const __m128i stop = _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(v, quote), _mm_cmpeq_epi8(v, backslash)),
                                        _mm_cmplt_epi8(v, space));
      const unsigned mask = unsigned(_mm_movemask_epi8(stop));
      if (mask) { p += __builtin_ctz(mask); return; }
      p += 16;
    }
#endif
    while (p < end) {
      const unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"' || c == '\\' || c < 0x20 || c >= 0x80) return;
      ++p;
    }
  }
  // A string of printable ASCII without escapes (what a key or a code is).
  bool plain_string(std::string_view& out) {
    if (p >= end || *p != '"') return false;
    const char* b = ++p;
    skip_plain();
    while (p < end) {
      const unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"') {
        out = std::string_view(b, size_t(p - b));
        ++p;
        return true;
      }
      if (c < 0x20 || c >= 0x80 || c == '\\') return false;
      ++p;
    }
    return false;
  }
  // A banner: printable ASCII and the escapes masscan writes. `out` is the
  // text between the quotes, still escaped (decode_plain_banner reads it).
  bool banner_string(std::string_view& out) {
    if (p >= end || *p != '"') return false;
    const char* b = ++p;
    while (p < end) {
      skip_plain();
      if (p >= end) return false;
      const unsigned char c = static_cast<unsigned char>(*p);
      if (c == '"') {
        out = std::string_view(b, size_t(p - b));
        ++p;
        return true;
      }
      if (c < 0x20 || c >= 0x80) return false;
      if (c == '\\') {
        if (end - p < 2) return false;
        switch (p[1]) {
          case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
            p += 2;
            continue;
          case 'u':  // \u00XX only: a byte, no surrogates
            if (end - p < 6 || p[2] != '0' || p[3] != '0' || hex(p[4]) < 0 || hex(p[5]) < 0) return false;
            p += 6;
            continue;
          default:
            return false;
        }
      }
      ++p;
    }
    return false;
  }
  static int hex(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  }
  // What get_uint accepts: a JSON unsigned integer or a string of decimal
  // digits, at most `max`. Anything else (a sign, a fraction, an exponent, a
  // leading zero, a value over max) is left to simdjson.
  bool unsigned_value(uint64_t max, uint64_t& out) {
    uint64_t v = 0;
    if (p < end && *p == '"') {  // std::from_chars: digits only, leading zeros allowed
      const char* b = ++p;
      while (p < end && *p >= '0' && *p <= '9') {
        v = v * 10 + uint64_t(*p - '0');
        if (v > max) return false;
        ++p;
      }
      if (p == b || p >= end || *p != '"') return false;
      ++p;
    } else {
      const char* b = p;
      while (p < end && *p >= '0' && *p <= '9') {
        v = v * 10 + uint64_t(*p - '0');
        if (v > max) return false;
        ++p;
      }
      if (p == b || (*b == '0' && p - b > 1)) return false;
      // the number must end at a structural character or whitespace
      if (p < end && *p != ',' && *p != '}' && *p != ']' && *p != ' ' && *p != '\t' && *p != '\r') return false;
    }
    out = v;
    return true;
  }
};

// True when `k` is `lit`: a compare of constant size, inlined (GCC calls
// memcmp for sizes such as 5, 7 or 9; two overlapping word loads do not).
template <size_t N>
inline bool is(std::string_view k, const char (&lit)[N]) {
  constexpr size_t n = N - 1;
  static_assert(n >= 1 && n <= 16);
  if (k.size() != n) return false;
  const char* a = k.data();
  if constexpr (n >= 8) {
    uint64_t x0, y0, x1, y1;
    std::memcpy(&x0, a, 8); std::memcpy(&y0, lit, 8);
    std::memcpy(&x1, a + n - 8, 8); std::memcpy(&y1, lit + n - 8, 8);
    return x0 == y0 && x1 == y1;
  } else if constexpr (n >= 4) {
    uint32_t x0, y0, x1, y1;
    std::memcpy(&x0, a, 4); std::memcpy(&y0, lit, 4);
    std::memcpy(&x1, a + n - 4, 4); std::memcpy(&y1, lit + n - 4, 4);
    return x0 == y0 && x1 == y1;
  } else {
    for (size_t i = 0; i < n; ++i)
      if (a[i] != lit[i]) return false;
    return true;
  }
}

// The codes of masscan's common values, as parse_proto / parse_status /
// parse_reason give them; the plain path compares these inline first.
// (tests/unit/test_core.cpp checks parse_reason("syn-ack") == 0x12).
constexpr uint8_t kTcp = uint8_t(Proto::tcp);
constexpr uint8_t kOpen = uint8_t(Status::open);
constexpr uint8_t kSynAck = 0x12;  // parse_reason("syn-ack"): SYN | ACK

// A code: masscan's common value compared inline, any other through its parser.
template <size_t N, class Parse>
inline bool plain_code(std::string_view s, const char (&common)[N], uint8_t common_code, Parse parse, uint8_t& out) {
  if (is(s, common)) {
    out = common_code;
    return true;
  }
  auto v = parse(s);
  if (!v) return false;
  out = uint8_t(*v);
  return true;
}

// parse_ipv4, inline: four decimal octets of 1 to 3 digits, each <= 255,
// separated by dots, nothing else.
inline bool ipv4_inline(std::string_view s, uint32_t& out) {
  const char* p = s.data();
  const char* const e = p + s.size();
  uint32_t ip = 0;
  for (int octet = 0; octet < 4; ++octet) {
    if (octet > 0) {
      if (p >= e || *p != '.') return false;
      ++p;
    }
    const char* b = p;
    uint32_t v = 0;
    while (p < e && p - b < 4 && unsigned(*p - '0') < 10) v = v * 10 + uint32_t(*p++ - '0');
    if (p == b || p - b > 3 || v > 255) return false;
    ip = (ip << 8) | v;
  }
  if (p != e) return false;
  out = ip;
  return true;
}

// The key of a member and its colon; false for an escaped or odd key.
inline bool member_key(Cursor& c, std::string_view& key) {
  c.ws();
  if (!c.plain_string(key)) return false;
  return c.eat(':');
}

// One -oJ ports[] entry object, each known key at most once.
bool plain_entry(Cursor& c, detail::PortEntry& e) {
  if (!c.eat('{')) return false;
  unsigned seen = 0;
  auto once = [&seen](unsigned bit) {
    if (seen & bit) return false;
    seen |= bit;
    return true;
  };
  for (;;) {
    std::string_view key, s;
    uint64_t n = 0;
    if (!member_key(c, key)) return false;
    c.ws();
    if (is(key, "port")) {
      if (!once(1) || !c.unsigned_value(65535, n)) return false;
      e.port = uint16_t(n);
      e.has_port = true;
    } else if (is(key, "proto")) {
      if (!once(2) || !c.plain_string(s) || !plain_code(s, "tcp", kTcp, parse_proto, e.proto)) return false;
      e.has_proto = true;
    } else if (is(key, "status")) {
      if (!once(4) || !c.plain_string(s) || !plain_code(s, "open", kOpen, parse_status, e.status)) return false;
      e.has_status = true;
    } else if (is(key, "reason")) {
      if (!once(8) || !c.plain_string(s) || !plain_code(s, "syn-ack", kSynAck, parse_reason, e.reason)) return false;
      e.known |= kKnownReason;
    } else if (is(key, "ttl")) {
      if (!once(16) || !c.unsigned_value(255, n)) return false;
      e.ttl = uint8_t(n);
      e.known |= kKnownTtl;
    } else if (is(key, "service")) {
      if (!once(32) || !c.eat('{')) return false;
      unsigned seen_svc = 0;
      for (;;) {
        std::string_view k;
        if (!member_key(c, k)) return false;
        c.ws();
        if (is(k, "name") && !(seen_svc & 1)) {
          if (!c.plain_string(e.service)) return false;
          seen_svc |= 1;
        } else if (is(k, "banner") && !(seen_svc & 2)) {
          if (!c.banner_string(e.banner)) return false;
          e.banner_escaped = true;
          seen_svc |= 2;
        } else {
          return false;
        }
        if (c.eat(',')) continue;
        if (c.eat('}')) break;
        return false;
      }
      e.has_service = true;
    } else {
      return false;
    }
    if (c.eat(',')) continue;
    if (c.eat('}')) break;
    return false;
  }
  return e.has_port && e.has_proto && (e.has_status || e.has_service);
}

}  // namespace

// simdjson's decoding of a plain-path banner followed by utf8_to_latin1: each
// escape is one byte (\u00XX: byte XX), everything else is ASCII as it is.
void decode_plain_banner(std::string_view raw, std::string& out) {
  out.reserve(raw.size());
  for (size_t i = 0; i < raw.size(); ++i) {
    char c = raw[i];
    if (c != '\\') { out.push_back(c); continue; }
    char k = raw[++i];
    switch (k) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      case 'u':
        out.push_back(char((Cursor::hex(raw[i + 3]) << 4) | Cursor::hex(raw[i + 4])));
        i += 4;
        break;
      default: out.push_back(k); break;  // " \ /
    }
  }
}

namespace {

// True, past it, when the cursor is at the literal `lit`: word loads of
// constant size, no call.
template <size_t N>
inline bool lit(Cursor& c, const char (&text)[N]) {
  constexpr size_t n = N - 1;
  static_assert(n >= 8);
  if (size_t(c.end - c.p) < n) return false;
  for (size_t i = 0; i + 8 <= n; i += 8) {
    uint64_t x, y;
    std::memcpy(&x, c.p + i, 8); std::memcpy(&y, text + i, 8);
    if (x != y) return false;
  }
  if constexpr (n % 8 != 0) {
    uint64_t x, y;
    std::memcpy(&x, c.p + n - 8, 8); std::memcpy(&y, text + n - 8, 8);
    if (x != y) return false;
  }
  c.p += n;
  return true;
}

// masscan 1.3's own layout of an -oJ record, byte for byte, status or banner:
//   {   "ip": "A",   "timestamp": "T", "ports": [ {"port": P, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 64} ] }
//   {   "ip": "A",   "timestamp": "T", "ports": [ {"port": P, "proto": "tcp", "service": {"name": "ssh", "banner": "..."} } ] }
// Its keys and punctuation are compared as literals and only the values are
// read, with the plain path's readers. Any other byte: false, nothing
// committed, and the plain path reads the line as before. What this accepts
// the plain path accepts with the same values (same keys, once each).
bool masscan_layout(Cursor& c, uint32_t& ip, uint32_t& ts, detail::PortEntry& e) {
  std::string_view s;
  uint64_t n = 0;
  if (!lit(c, "{   \"ip\": ") || !c.plain_string(s) || !ipv4_inline(s, ip)) return false;
  if (!lit(c, ",   \"timestamp\": ") || !c.unsigned_value(std::numeric_limits<uint32_t>::max(), n)) return false;
  ts = uint32_t(n);
  if (!lit(c, ", \"ports\": [ {\"port\": ") || !c.unsigned_value(65535, n)) return false;
  e.port = uint16_t(n);
  e.has_port = true;
  if (!lit(c, ", \"proto\": ") || !c.plain_string(s) || !plain_code(s, "tcp", kTcp, parse_proto, e.proto)) return false;
  e.has_proto = true;
  if (lit(c, ", \"status\": ")) {
    if (!c.plain_string(s) || !plain_code(s, "open", kOpen, parse_status, e.status)) return false;
    e.has_status = true;
    if (!lit(c, ", \"reason\": ") || !c.plain_string(s) || !plain_code(s, "syn-ack", kSynAck, parse_reason, e.reason))
      return false;
    e.known |= kKnownReason;
    if (!lit(c, ", \"ttl\": ") || !c.unsigned_value(255, n)) return false;
    e.ttl = uint8_t(n);
    e.known |= kKnownTtl;
    return is(std::string_view(c.p, size_t(c.end - c.p)), "} ] }");  // and nothing after
  }
  if (!lit(c, ", \"service\": {\"name\": ") || !c.plain_string(e.service)) return false;
  if (!lit(c, ", \"banner\": ") || !c.banner_string(e.banner)) return false;
  e.banner_escaped = true;
  e.has_service = true;
  return is(std::string_view(c.p, size_t(c.end - c.p)), "} } ] }");
}

}  // namespace

bool JsonRecordParser::parse_plain(std::string_view text, ParseSink& sink) {
  entries_.clear();
  {
    Cursor m{text.data(), text.data() + text.size()};
    uint32_t ip = 0, ts = 0;
    detail::PortEntry e;
    if (masscan_layout(m, ip, ts, e)) {
      entries_.push_back(e);
      commit(ip, ts, kKnownTs, sink);
      return true;
    }
  }
  Cursor c{text.data(), text.data() + text.size()};
  if (!c.eat('{')) return false;
  uint32_t ip = 0, ts = 0;
  uint8_t known = 0;
  unsigned seen = 0;
  for (;;) {
    std::string_view key;
    if (!member_key(c, key)) return false;
    c.ws();
    if (is(key, "ip")) {
      std::string_view s;
      if ((seen & 1) || !c.plain_string(s) || !ipv4_inline(s, ip)) return false;
      seen |= 1;
    } else if (is(key, "timestamp")) {
      uint64_t n = 0;
      if ((seen & 2) || !c.unsigned_value(std::numeric_limits<uint32_t>::max(), n)) return false;
      ts = uint32_t(n);
      known |= kKnownTs;
      seen |= 2;
    } else if (is(key, "ports")) {
      if ((seen & 4) || !c.eat('[')) return false;
      seen |= 4;
      for (;;) {
        detail::PortEntry e;
        if (!plain_entry(c, e)) return false;
        entries_.push_back(e);
        if (c.eat(',')) continue;
        if (c.eat(']')) break;
        return false;
      }
    } else {
      return false;
    }
    if (c.eat(',')) continue;
    if (c.eat('}')) break;
    return false;
  }
  c.ws();
  if (c.p != c.end || seen != (1 | 2 | 4)) return false;
  commit(ip, ts, known, sink);
  return true;
}

void JsonRecordParser::commit(uint32_t ip, uint32_t ts, uint8_t known, ParseSink& sink) {
  uint64_t observations = 0;
  for (const auto& e : entries_) {
    if (e.has_status) {
      // StatusColumns::push_back, inline: this runs once per observation
      StatusColumns& c = sink.status;
      c.ip.push_back(ip); c.ts.push_back(ts); c.port.push_back(e.port); c.proto.push_back(e.proto);
      c.status.push_back(e.status); c.reason.push_back(e.reason); c.ttl.push_back(e.ttl);
      c.known.push_back(uint8_t(known | e.known));
      ++observations;
    } else if (sink.keep_banners) {
      if (e.banner_escaped) {
        banner_.clear();
        decode_plain_banner(e.banner, banner_);
      } else {
        banner_ = utf8_to_latin1(e.banner);
      }
      sink.banners.push_back(ip, ts, e.port, e.proto, known, e.service, banner_);
    }
  }
  if (observations) sink.used_status(observations);
  else sink.used_banner();
}

void JsonRecordParser::parse(std::string_view text, size_t capacity, uint32_t file, uint64_t offset,
                             ParseSink& sink) {
  if (plain_path_ && parse_plain(text, sink)) return;
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

  commit(ip, ts, known, sink);
}

}  // namespace scanhpc
