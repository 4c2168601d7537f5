// ZGrab2 JSON lines as banner records (see zgrab2_json.hpp). A record is
// nested and its keys may come in any order (jq and other tools sort them),
// so it is parsed whole with simdjson's DOM parser, which checks the whole
// line's grammar, and then read by shape. Nothing is pushed before all of the
// record is known to be valid.
#include "scanhpc/io/zgrab2_json.hpp"

#include <simdjson.h>

#include <array>
#include <string>
#include <utility>
#include <vector>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/io/json_values.hpp"

namespace scanhpc {
namespace {

using sv = std::string_view;
namespace dom = simdjson::dom;

sv trim(sv s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// The member `key` of `obj` when it holds a value of `type`; null otherwise.
bool member(dom::object obj, sv key, dom::element_type type, dom::element& out) {
  if (obj.at_key(key).get(out)) return false;
  return out.type() == type;
}
bool member_object(dom::object obj, sv key, dom::object& out) {
  dom::element e;
  return member(obj, key, dom::element_type::OBJECT, e) && !e.get_object().get(out);
}
bool member_string(dom::object obj, sv key, sv& out) {
  dom::element e;
  return member(obj, key, dom::element_type::STRING, e) && !e.get_string().get(out);
}
// Objects along a path of keys, each an object.
bool path_object(dom::object obj, std::initializer_list<sv> keys, dom::object& out) {
  for (sv k : keys)
    if (!member_object(obj, k, obj)) return false;
  out = obj;
  return true;
}

// Go's []byte in JSON: standard base64 with padding.
bool base64_decode(sv in, std::string& out) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  out.clear();
  if (in.size() % 4) return false;
  for (size_t i = 0; i < in.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int j = 0; j < 4; ++j) {
      const char c = in[i + size_t(j)];
      if (c == '=' && i + 4 == in.size() && j >= 2) {
        v[j] = 0;
        ++pad;
        continue;
      }
      if (pad || (v[j] = value(c)) < 0) return false;  // '=' only at the end
    }
    const uint32_t n = (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out.push_back(char(n >> 16));
    if (pad < 2) out.push_back(char((n >> 8) & 0xFF));
    if (pad < 1) out.push_back(char(n & 0xFF));
  }
  return true;
}

// A header name as Go read it before zgrab2 wrote it lower-case with '_' for
// '-' (textproto.CanonicalMIMEHeaderKey): "content_type" -> "Content-Type".
std::string canonical_header_name(sv key) {
  std::string out(key);
  bool upper = true;
  for (char& c : out) {
    if (c == '_') c = '-';
    if (upper && c >= 'a' && c <= 'z') c = char(c - 'a' + 'A');
    else if (!upper && c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
    upper = c == '-';
  }
  return out;
}

void add_header_lines(std::string& head, sv key, dom::element values) {
  dom::array list;
  if (values.get_array().get(list)) return;
  const std::string name = canonical_header_name(key);
  for (dom::element v : list) {
    sv text;
    if (v.get_string().get(text)) continue;
    head += name;
    head += ": ";
    head += text;
    head += "\r\n";
  }
}

// The status line and headers of an http module's response, as the raw
// response had them: "headers_raw" where zgrab2 kept it (--raw-headers),
// else rebuilt from the parsed fields.
std::string http_head(dom::object response) {
  std::string head;
  sv raw;
  if (member_string(response, "headers_raw", raw) && base64_decode(raw, head) && !head.empty()) return head;
  head.clear();
  sv proto, status;
  if (!member_string(response, "protocol", proto)) {  // before zgrab2 of 2025-09: {"name": "HTTP/1.1", ...}
    dom::object p;
    if (member_object(response, "protocol", p)) member_string(p, "name", proto);
  }
  std::string status_text;
  if (member_string(response, "status_line", status)) {
    status_text = std::string(status);
  } else {
    dom::element code;
    uint64_t n = 0;
    if (!response.at_key("status_code").get(code) && !code.get_uint64().get(n)) status_text = std::to_string(n);
  }
  if (!proto.empty() && !status_text.empty()) head.append(proto).append(" ").append(status_text).append("\r\n");
  dom::object headers;
  bool transfer_encoding = false;
  if (member_object(response, "headers", headers)) {
    for (auto [key, values] : headers) {
      if (key == "unknown") {  // headers zgrab2 does not know: [{"key": name, "value": [values]}]
        dom::array list;
        if (values.get_array().get(list)) continue;
        for (dom::element item : list) {
          dom::object o;
          sv name;
          dom::element v;
          if (item.get_object().get(o) || !member_string(o, "key", name) || o.at_key("value").get(v)) continue;
          transfer_encoding |= name == "transfer_encoding";
          add_header_lines(head, name, v);
        }
        continue;
      }
      transfer_encoding |= key == "transfer_encoding";
      add_header_lines(head, key, values);
    }
  }
  // Go takes Transfer-Encoding out of the headers into its own field.
  dom::array te;
  dom::element te_value;
  if (!transfer_encoding && !response.at_key("transfer_encoding").get(te_value) && !te_value.get_array().get(te)) {
    std::string joined;
    for (dom::element v : te) {
      sv text;
      if (v.get_string().get(text)) continue;
      if (!joined.empty()) joined += ", ";
      joined += text;
    }
    if (!joined.empty()) head += "Transfer-Encoding: " + joined + "\r\n";
  }
  return head;
}

// One banner row a module gives.
struct Found {
  sv service;
  std::string text;
};

// The server certificate's subject and issuer of a zcrypto handshake log.
void certificate_names(dom::object handshake_log, std::vector<Found>& found) {
  dom::object parsed;
  if (!path_object(handshake_log, {"server_certificates", "certificate", "parsed"}, parsed)) return;
  sv dn;
  if (member_string(parsed, "subject_dn", dn) && !dn.empty()) found.push_back({kZgrab2TlsSubjectService, std::string(dn)});
  if (member_string(parsed, "issuer_dn", dn) && !dn.empty()) found.push_back({kZgrab2TlsIssuerService, std::string(dn)});
}

// The banner rows of one module's result, by its shape; whether it spoke TLS.
bool read_result(dom::object result, std::vector<Found>& found) {
  bool tls = false;
  dom::object o, log;
  if (member_object(result, "response", o)) {  // http
    std::string head = http_head(o);
    if (!head.empty()) found.push_back({kZgrab2HttpService, std::move(head)});
    if (path_object(o, {"request", "tls_log", "handshake_log"}, log)) {
      certificate_names(log, found);
      tls = true;
    }
    dom::object url;
    sv scheme;
    if (path_object(o, {"request", "url"}, url) && member_string(url, "scheme", scheme)) tls |= scheme == "https";
  }
  if (member_object(result, "server_id", o)) {  // ssh
    sv raw;
    std::string id;
    if (member_string(o, "raw", raw) && !raw.empty()) {
      id = std::string(raw);
    } else {
      sv version, software, comment;
      if (member_string(o, "version", version) && member_string(o, "software", software)) {
        (id = "SSH-").append(version).append("-").append(software);
        if (member_string(o, "comment", comment) && !comment.empty()) id.append(" ").append(comment);
      }
    }
    if (!id.empty()) found.push_back({kZgrab2SshService, std::move(id)});
  }
  // ftp, smtp, pop3, imap, telnet, banner, ...: what the server says first. An ssh result's
  // "banner" is its user-authentication message, sent after the key exchange: not read.
  sv banner;
  const bool ssh = !result.at_key("server_id").error();
  if (!ssh && member_string(result, "banner", banner) && !banner.empty())
    found.push_back({kZgrab2BannerService, std::string(banner)});
  if (member_object(result, "handshake_log", log)) {  // tls
    certificate_names(log, found);
    tls = true;
  }
  if (path_object(result, {"tls", "handshake_log"}, log)) {  // a module's STARTTLS or implicit TLS
    certificate_names(log, found);
    tls = true;
  }
  return tls;
}

class Zgrab2Lines final : public LineRecordParser {
 public:
  explicit Zgrab2Lines(const LineContext& ctx) : ctx_(ctx) {}

  void parse(sv line, uint32_t file, uint64_t offset, ParseSink& sink) override {
    const sv s = trim(line);
    if (s.empty()) return;
    const uint64_t at = offset + uint64_t(s.data() - line.data());
    auto reject = [&](const std::string& cause) { sink.reject(file, at, "zgrab2: " + cause); };
    if (s.front() != '{') return reject("not a JSON object (line does not start with '{')");
    // The readers keep json_line_padding() (= SIMDJSON_PADDING) readable bytes after each line.
    dom::element doc;
    if (auto err = parser_.parse(s.data(), s.size(), false).get(doc))
      return reject(std::string("invalid JSON: ") + simdjson::error_message(err));
    dom::object obj;
    if (doc.get_object().get(obj)) return reject("not a JSON object");

    dom::element e;
    const bool has_data = !obj.at_key("data").get(e);
    if (!has_data && !obj.at_key("statuses").get(e)) return;  // zgrab2's metadata summary: not a record
    uint32_t ip = 0;
    bool has_ip = false;
    if (!obj.at_key("ip").get(e)) {
      sv text;
      if (e.get_string().get(text)) return reject("ip: not a string");
      auto parsed = parse_ipv4(text);
      if (!parsed) return reject("ip is not an IPv4 address: " + json_values::quoted(text));
      ip = *parsed;
      has_ip = true;
    }
    int port = -1;
    if (!obj.at_key("port").get(e)) {
      uint64_t n = 0;
      if (e.get_uint64().get(n) || n > 65535) return reject("port: not a port number");
      if (n) port = int(n);
    }
    bool grab_error = false;
    if (!obj.at_key("error").get(e) && !e.is_null()) {
      if (!e.is_string()) return reject("error: not a string");
      grab_error = true;
    }
    if (!has_data) {
      if (grab_error) return sink.used_without_observation();  // the whole grab failed (e.g. a name not resolved)
      return reject("record without \"data\"");
    }
    dom::object data;
    if (obj.at_key("data").get_object().get(data)) return reject("data: not an object");
    if (!has_ip) return reject("record without \"ip\"");

    found_.clear();
    rows_.clear();
    for (auto [name, value] : data) {
      const std::string where = "data." + std::string(name) + ": ";
      dom::object module;
      if (value.get_object().get(module)) return reject(where + "not an object");
      sv status, protocol;
      if (!member_string(module, "status", status)) return reject(where + "no \"status\" string");
      if (!module.at_key("protocol").get(e) && !e.is_null() && e.get_string().get(protocol))
        return reject(where + "protocol: not a string");
      int module_port = -1;
      if (!module.at_key("port").get(e) && !e.is_null()) {
        uint64_t n = 0;
        if (e.get_uint64().get(n) || n > 65535) return reject(where + "port: not a port number");
        if (n) module_port = int(n);
      }
      bool module_error = false;
      if (!module.at_key("error").get(e) && !e.is_null()) {
        if (!e.is_string()) return reject(where + "error: not a string");
        module_error = true;
      }
      dom::object result;
      bool has_result = false;
      if (!module.at_key("result").get(e) && !e.is_null()) {
        if (e.get_object().get(result)) return reject(where + "result: not an object");
        has_result = true;
      }
      if (status != "success" || module_error || !has_result) continue;  // no banner from a failed grab
      const size_t first = found_.size();
      const bool tls = read_result(result, found_);
      if (found_.size() == first) continue;
      int p = port >= 0 ? port : module_port >= 0 ? module_port : ctx_.default_port;
      if (p < 0) {  // the module's well-known port; the http module's is 443 with --use-https
        const sv proto = protocol.empty() ? sv(name) : protocol;
        p = tls && proto == "http" ? 443 : zgrab2_default_port(proto);
      }
      if (p < 0)
        return reject(where + "no port: neither the record nor the module names one, and protocol " +
                      json_values::quoted(protocol) + " has no default; give it with --port N");
      for (size_t i = first; i < found_.size(); ++i) rows_.push_back(uint16_t(p));
    }
    if (found_.empty()) return sink.used_without_observation();
    if (sink.keep_banners) {
      const auto tcp = uint8_t(Proto::tcp);
      for (size_t i = 0; i < found_.size(); ++i) sink.banners.push_back(ip, 0, rows_[i], tcp, 0, found_[i].service, found_[i].text);
    }
    sink.used_banner();
  }

 private:
  LineContext ctx_;
  dom::parser parser_;
  std::vector<Found> found_;
  std::vector<uint16_t> rows_;  // the port of each found_
};

}  // namespace

int zgrab2_default_port(sv protocol) {
  // zmap/zgrab2 modules' DefaultPort (e8fbc9e); http's is 80, 443 with --use-https.
  static constexpr std::array<std::pair<sv, int>, 37> kPorts{{
      {"amqp091", 5672}, {"bacnet", 47808}, {"banner", 80}, {"checkpoint", 264}, {"codesys2", 1200},
      {"dnp3", 20000}, {"drda", 50000}, {"enip", 44818}, {"fox", 1911}, {"ftp", 21}, {"http", 80},
      {"imap", 143}, {"ipp", 631}, {"jarm", 443}, {"managesieve", 4190}, {"memcached", 11211},
      {"modbus", 502}, {"mongodb", 27017}, {"mqtt", 1883}, {"mssql", 1433}, {"mysql", 3306}, {"ntp", 123},
      {"omronfins", 9600}, {"oracle", 1521}, {"pop3", 110}, {"postgres", 5432}, {"pptp", 1723}, {"rdp", 3389},
      {"redis", 6379}, {"siemens", 102}, {"smb", 445}, {"smtp", 25}, {"socks5", 1080}, {"ssh", 22},
      {"telnet", 23}, {"tls", 443}, {"https", 443},
  }};
  for (const auto& [name, port] : kPorts)
    if (name == protocol) return port;
  return -1;
}

bool is_zgrab2(sv head) {
  const sv line = trim(head.substr(0, head.find('\n')));
  auto has = [&](sv key) { return line.find(key) != sv::npos; };
  // Go's encoder writes no spaces; the masscan and GPS formats escape quotes
  // inside their strings, so these keys are keys there.
  if (line.empty() || line.front() != '{' || has("\"rec_type\"") || has("\"ports\""))
    return false;
  return (has("\"data\":{") && has("\"status\":\"") && has("\"protocol\":")) ||
         (has("\"domain\":\"") && has("\"error\":\"") && !has("\"data\""));  // a grab that failed whole
}

std::unique_ptr<LineRecordParser> make_zgrab2_parser(const LineContext& context) {
  return std::make_unique<Zgrab2Lines>(context);
}

}  // namespace scanhpc
