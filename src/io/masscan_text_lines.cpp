// Line parsers for masscan -oL, -oG and -oX.
//
// Why hand-written scanners and not an XML or regex library: masscan writes
// exactly one record per line with a fixed layout (fprintf format strings in
// src/out-text.c, src/out-grepable.c and src/out-xml.c), so a record is found
// by a few memchr/find calls over a string_view. That keeps the status path
// free of heap allocation and runs at memory speed, and it lets a block of
// lines be split between threads and ranks at any newline, which a DOM or SAX
// XML parser (the -oX file is one document) would not allow. std::regex is
// orders of magnitude slower and allocates.
#include "scanhpc/io/masscan_text_lines.hpp"

#include <charconv>
#include <optional>
#include <string>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/ipv4.hpp"

namespace scanhpc {
namespace {

using sv = std::string_view;

constexpr uint64_t kMaxU32 = 0xFFFFFFFFull;

sv strip_cr(sv line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool is_blank(sv s) {
  for (char c : s)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\v' && c != '\f') return false;
  return true;
}

// A field quoted for an error message: printable ASCII kept, other bytes as
// \xNN, cut after 48 bytes so binary junk cannot flood the error table.
std::string quoted(sv s) {
  static constexpr char kHex[] = "0123456789abcdef";
  constexpr size_t kMax = 48;
  std::string out = "\"";
  for (size_t i = 0; i < s.size() && i < kMax; ++i) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
      out += char(c);
    } else {
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  out += '"';
  if (s.size() > kMax) out += "...";
  return out;
}

enum class NumStatus { ok, not_number, too_large };

// Strict unsigned decimal: digits only, checked against `max` after an
// overflow-checked from_chars into u64.
NumStatus parse_uint(sv s, uint64_t max, uint64_t& out) {
  if (s.empty()) return NumStatus::not_number;
  for (char c : s)
    if (c < '0' || c > '9') return NumStatus::not_number;
  uint64_t v = 0;
  auto [ptr, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec == std::errc::result_out_of_range) return NumStatus::too_large;
  if (ec != std::errc() || ptr != s.data() + s.size()) return NumStatus::not_number;
  if (v > max) return NumStatus::too_large;
  out = v;
  return NumStatus::ok;
}

// Shared by the three formats: field checks that reject with a clear cause.
struct Ctx {
  const char* format;
  uint32_t file;
  uint64_t offset;
  ParseSink& sink;

  void reject(const std::string& cause) const {
    sink.reject(file, offset, std::string(format) + ": " + cause);
  }

  bool number(sv field, const char* what, uint64_t max, uint64_t& out) const {
    switch (parse_uint(field, max, out)) {
      case NumStatus::ok:
        return true;
      case NumStatus::not_number:
        reject(std::string("bad ") + what + " " + quoted(field) + " (not a decimal number)");
        return false;
      case NumStatus::too_large:
        reject(std::string(what) + " out of range (> " + std::to_string(max) + "): " + quoted(field));
        return false;
    }
    return false;
  }
  bool port(sv field, uint16_t& out) const {
    uint64_t v = 0;
    if (!number(field, "port", 65535, v)) return false;
    out = uint16_t(v);
    return true;
  }
  bool timestamp(sv field, uint32_t& out) const {
    uint64_t v = 0;
    if (!number(field, "timestamp", kMaxU32, v)) return false;
    out = uint32_t(v);
    return true;
  }
  bool ttl(sv field, uint8_t& out) const {
    uint64_t v = 0;
    if (!number(field, "ttl", 255, v)) return false;
    out = uint8_t(v);
    return true;
  }
  bool ip(sv field, uint32_t& out) const {
    if (auto v = parse_ipv4(field)) {
      out = *v;
      return true;
    }
    if (field.find(':') != sv::npos)
      reject("not an IPv4 address (IPv6 is not supported): " + quoted(field));
    else
      reject("not an IPv4 address: " + quoted(field));
    return false;
  }
  bool proto(sv field, uint8_t& out) const {
    if (auto v = parse_proto(field)) {
      out = uint8_t(*v);
      return true;
    }
    reject("unknown protocol " + quoted(field));
    return false;
  }
  bool status(sv field, uint8_t& out) const {
    if (auto v = parse_status(field)) {
      out = uint8_t(*v);
      return true;
    }
    reject("unknown status " + quoted(field));
    return false;
  }
  bool reason(sv field, uint8_t& out) const {
    if (auto v = parse_reason(field)) {
      out = *v;
      return true;
    }
    reject("unknown reason " + quoted(field));
    return false;
  }
};

// Splits on single spaces, left to right; rest() is what is left unsplit.
struct Fields {
  sv text;
  bool done = false;
  bool next(sv& out) {
    if (done) return false;
    auto p = text.find(' ');
    if (p == sv::npos) {
      out = text;
      text = {};
      done = true;
    } else {
      out = text.substr(0, p);
      text.remove_prefix(p + 1);
    }
    return true;
  }
};

bool consume(sv& s, sv prefix) {
  if (s.substr(0, prefix.size()) != prefix) return false;
  s.remove_prefix(prefix.size());
  return true;
}

// Cuts s at the first `sep`: returns the part before, leaves s after it.
// Returns nullopt (s untouched) when sep is absent.
std::optional<sv> cut(sv& s, char sep) {
  auto p = s.find(sep);
  if (p == sv::npos) return std::nullopt;
  sv head = s.substr(0, p);
  s.remove_prefix(p + 1);
  return head;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Banner text back to the bytes masscan saw. masscan prints them through
// normalize_string (src/output.c), which writes every non-printable byte and
// each of < > & \ " ' as "\xNN"; since '\' itself is always escaped, the
// decoding is unambiguous. A backslash not followed by xNN (not masscan's
// output) is kept as it is. With `xml`, XML entities (&lt; &gt; &amp; &quot;
// &apos; &#NN; &#xNN;) are undone too: a character reference below 256 is
// that byte, a larger one its UTF-8 bytes. Returns false, with `bad` set, on
// an entity that is none of these.
bool decode_banner(sv in, bool xml, std::string& out, sv& bad) {
  out.clear();
  size_t i = 0;
  while (i < in.size()) {
    const char ch = in[i];
    if (ch == '\\' && i + 3 < in.size() && in[i + 1] == 'x' && hex_value(in[i + 2]) >= 0 &&
        hex_value(in[i + 3]) >= 0) {
      out += char(hex_value(in[i + 2]) * 16 + hex_value(in[i + 3]));
      i += 4;
      continue;
    }
    if (ch != '&' || !xml) {
      out += ch;
      ++i;
      continue;
    }
    const auto semi = in.find(';', i);
    if (semi == sv::npos || semi - i > 12) {
      bad = in.substr(i, std::min<size_t>(in.size() - i, 12));
      return false;
    }
    const sv name = in.substr(i + 1, semi - i - 1);
    bad = in.substr(i, semi - i + 1);
    i = semi + 1;
    if (name == "lt") { out += '<'; continue; }
    if (name == "gt") { out += '>'; continue; }
    if (name == "amp") { out += '&'; continue; }
    if (name == "quot") { out += '"'; continue; }
    if (name == "apos") { out += '\''; continue; }
    if (name.size() < 2 || name[0] != '#') return false;
    const bool hex = name[1] == 'x' || name[1] == 'X';
    const sv digits = name.substr(hex ? 2 : 1);
    uint32_t code = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), code, hex ? 16 : 10);
    if (digits.empty() || ec != std::errc() || ptr != digits.data() + digits.size() || code > 0x10FFFF)
      return false;
    if (code < 0x100) {
      out += char(code);
    } else if (code < 0x800) {
      out += char(0xC0 | (code >> 6));
      out += char(0x80 | (code & 0x3F));
    } else if (code < 0x10000) {
      out += char(0xE0 | (code >> 12));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    } else {
      out += char(0xF0 | (code >> 18));
      out += char(0x80 | ((code >> 12) & 0x3F));
      out += char(0x80 | ((code >> 6) & 0x3F));
      out += char(0x80 | (code & 0x3F));
    }
  }
  return true;
}

// Pushes one banner, decoding its text only when it holds an escape.
void push_banner(ParseSink& sink, const StatusRow& r, uint8_t known, sv service, sv text) {
  thread_local std::string buf;
  sv bad;
  if (text.find('\\') != sv::npos) {
    decode_banner(text, false, buf, bad);
    text = buf;
  }
  sink.banners.push_back(r.ip, r.ts, r.port, r.proto, known, service, text);
}

}  // namespace

// ---------------------------------------------------------------------------
// -oL: "open tcp 443 1.2.3.4 1629960470"
//      "banner tcp 80 1.2.3.4 1629960472 title 404 - Not Found"
void parse_list_line(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink) {
  line = strip_cr(line);
  if (line.empty() || line[0] == '#' || is_blank(line)) return;
  const Ctx c{"list", file, offset, sink};
  Fields f{line};
  sv kind, proto, port, ip, ts;
  f.next(kind);
  const bool banner = kind == "banner";
  static constexpr const char* kStatusLayout = " (expected 'status proto port ip timestamp')";
  static constexpr const char* kBannerLayout = " (expected 'banner proto port ip timestamp service text')";
  const char* layout = banner ? kBannerLayout : kStatusLayout;
  StatusRow r;
  if (!banner) {
    auto status = parse_status(kind);
    if (!status)
      return c.reject("unknown record kind " + quoted(kind) + " (expected open, closed, up, unknown or banner)");
    r.status = uint8_t(*status);
  }
  if (!f.next(proto)) return c.reject(std::string("missing proto field") + layout);
  if (!f.next(port)) return c.reject(std::string("missing port field") + layout);
  if (!f.next(ip)) return c.reject(std::string("missing ip field") + layout);
  if (!f.next(ts)) return c.reject(std::string("missing timestamp field") + layout);

  if (!c.proto(proto, r.proto) || !c.port(port, r.port) || !c.ip(ip, r.ip) || !c.timestamp(ts, r.ts))
    return;
  r.known = kKnownTs;

  if (!banner) {
    if (!f.done) return c.reject("unexpected extra field after timestamp: " + quoted(f.text));
    sink.status.push_back(r);
    sink.used_status(1);
    return;
  }
  sv service;
  if (!f.next(service) || service.empty()) return c.reject(std::string("missing service field") + layout);
  const sv text = f.done ? sv{} : f.text;  // the banner may contain spaces
  if (sink.keep_banners) push_banner(sink, r, r.known, service, text);
  sink.used_banner();
}

// ---------------------------------------------------------------------------
// -oG: "Timestamp: 1629960470\tHost: 1.2.3.4 ()\tPorts: 80/open/tcp//http//"
//      "Host: 1.2.3.4 ()\tPorts: 80/open/tcp//http//"              (1.0.5)
//      "Host: 1.2.3.4 ()\tPort: 80\tService: title\tBanner: 404 - Not Found"
void parse_grepable_line(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink) {
  line = strip_cr(line);
  if (line.empty() || line[0] == '#' || is_blank(line)) return;
  const Ctx c{"grepable", file, offset, sink};
  sv s = line;
  StatusRow r;
  if (consume(s, "Timestamp: ")) {
    auto ts = cut(s, '\t');
    if (!ts) return c.reject("no tab after the Timestamp field");
    if (!c.timestamp(*ts, r.ts)) return;
    r.known |= kKnownTs;
  }
  if (!consume(s, "Host: "))
    return c.reject("unrecognised line (expected 'Timestamp:' or 'Host:'): " + quoted(line));
  auto ip = cut(s, ' ');
  if (!ip) return c.reject("malformed Host field (expected 'Host: <ip> ()'): " + quoted(line));
  if (!c.ip(*ip, r.ip)) return;
  // The parentheses hold a host name in nmap's layout; masscan leaves them empty.
  if (s.empty() || s[0] != '(') return c.reject("malformed Host field (expected 'Host: <ip> ()')");
  if (!cut(s, '\t')) return c.reject("nothing after the Host field (expected Ports: or Port:)");

  if (consume(s, "Ports: ")) {
    // port/status/proto/owner/service/rpc/version; only the first three matter.
    auto port = cut(s, '/');
    auto status = port ? cut(s, '/') : std::nullopt;
    if (!port || !status) return c.reject("malformed Ports entry (expected port/status/proto//service//)");
    auto proto_end = s.find('/');
    sv proto = s.substr(0, proto_end);
    if (!c.port(*port, r.port) || !c.status(*status, r.status) || !c.proto(proto, r.proto)) return;
    sink.status.push_back(r);
    sink.used_status(1);
    return;
  }
  if (consume(s, "Port: ")) {
    auto port = cut(s, '\t');
    if (!port) return c.reject("no tab after the Port field (expected Service: and Banner:)");
    if (!c.port(*port, r.port)) return;
    if (!consume(s, "Service: ")) return c.reject("missing Service field after Port");
    auto service = cut(s, '\t');
    if (!service || service->empty()) return c.reject("missing Service name or Banner field");
    if (!consume(s, "Banner: ") && s != "Banner:") return c.reject("missing Banner field after Service");
    // -oG banner lines carry neither a protocol nor (in masscan's layout) a
    // timestamp: proto stays Proto::unknown and only a Timestamp: prefix sets ts.
    r.proto = uint8_t(Proto::unknown);
    if (sink.keep_banners) push_banner(sink, r, r.known, *service, s);
    sink.used_banner();
    return;
  }
  c.reject("expected 'Ports:' or 'Port:' after the Host field: " + quoted(s));
}

// ---------------------------------------------------------------------------
// -oX, one <host> per line (src/out-xml.c):
// <host endtime="T"><address addr="IP" addrtype="ipv4"/><ports><port protocol="tcp" portid="80">
//   <state state="open" reason="syn-ack" reason_ttl="54"/></port></ports></host>
// or, for a banner, <state state="open" reason="response" reason_ttl="54" />
//   <service name="title" banner="..."></service></port></ports></host>
namespace {

// Finds key (written as ` name="`) at or after pos and returns its value up to
// the closing quote; pos moves past the value.
std::optional<sv> attr(sv line, size_t& pos, sv key) {
  auto p = line.find(key, pos);
  if (p == sv::npos) return std::nullopt;
  size_t start = p + key.size();
  auto end = line.find('"', start);
  if (end == sv::npos) return std::nullopt;
  pos = end + 1;
  return line.substr(start, end - start);
}

bool xml_non_record(sv s) {
  static constexpr sv kSkip[] = {"<?", "<!--", "<nmaprun", "</nmaprun", "<scaninfo", "<runstats",
                                 "</runstats", "<finished", "<hosts ", "<hosts>", "<verbose", "<debugging"};
  for (sv k : kSkip)
    if (s.substr(0, k.size()) == k) return true;
  return false;
}

}  // namespace

void parse_xml_line(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink) {
  line = strip_cr(line);
  size_t lead = 0;
  while (lead < line.size() && (line[lead] == ' ' || line[lead] == '\t')) ++lead;
  line.remove_prefix(lead);
  while (!line.empty() && (line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
  if (line.empty()) return;
  const Ctx c{"xml", file, offset, sink};
  if (!(line.substr(0, 6) == "<host " || line.substr(0, 6) == "<host>")) {
    if (xml_non_record(line)) return;
    return c.reject("not a <host> record: " + quoted(line));
  }
  constexpr sv kClose = "</host>";
  if (line.size() < kClose.size() || line.substr(line.size() - kClose.size()) != kClose)
    return c.reject("truncated <host> element (no closing </host> on the line)");

  size_t pos = 0;
  StatusRow r;
  auto endtime = attr(line, pos, " endtime=\"");
  if (!endtime) return c.reject("missing endtime attribute in <host>");
  if (!c.timestamp(*endtime, r.ts)) return;
  auto addr = attr(line, pos, " addr=\"");
  if (!addr) return c.reject("missing <address addr=...>");
  if (!c.ip(*addr, r.ip)) return;
  auto protocol = attr(line, pos, " protocol=\"");
  if (!protocol) return c.reject("missing <port protocol=...>");
  if (!c.proto(*protocol, r.proto)) return;
  auto portid = attr(line, pos, " portid=\"");
  if (!portid) return c.reject("missing portid attribute in <port>");
  if (!c.port(*portid, r.port)) return;
  auto state = attr(line, pos, " state=\"");
  if (!state) return c.reject("missing <state state=...>");
  auto reason = attr(line, pos, " reason=\"");
  if (!reason) return c.reject("missing reason attribute in <state>");
  auto reason_ttl = attr(line, pos, " reason_ttl=\"");
  if (!reason_ttl) return c.reject("missing reason_ttl attribute in <state>");
  if (!c.ttl(*reason_ttl, r.ttl)) return;

  const auto service_at = line.find("<service", pos);
  if (service_at == sv::npos) {
    if (!c.status(*state, r.status) || !c.reason(*reason, r.reason)) return;
    r.known = kKnownTs | kKnownReason | kKnownTtl;
    sink.status.push_back(r);
    sink.used_status(1);
    return;
  }

  // Banner record: its <state> is a fixed "open"/"response" (or "syn-ack" for
  // app proto 6, a masscan quirk), not an observation of the port.
  pos = service_at;
  auto name = attr(line, pos, " name=\"");
  if (!name || name->empty()) return c.reject("missing name attribute in <service>");
  auto text = attr(line, pos, " banner=\"");
  if (!text) return c.reject("missing banner attribute in <service>");
  // Entities are checked whether or not banners are kept, so that the counts
  // do not depend on keep_banners.
  thread_local std::string name_buf, text_buf;
  sv bad;
  const bool name_esc = name->find_first_of("&\\") != sv::npos;
  const bool text_esc = text->find_first_of("&\\") != sv::npos;
  if (name_esc && !decode_banner(*name, true, name_buf, bad))
    return c.reject("bad XML entity in service name: " + quoted(bad));
  if (text_esc && !decode_banner(*text, true, text_buf, bad))
    return c.reject("bad XML entity in banner: " + quoted(bad));
  if (sink.keep_banners)
    sink.banners.push_back(r.ip, r.ts, r.port, r.proto, kKnownTs, name_esc ? sv(name_buf) : *name,
                           text_esc ? sv(text_buf) : *text);
  sink.used_banner();
}

}  // namespace scanhpc
