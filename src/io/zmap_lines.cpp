// ZMap CSV and JSON lines (see zmap_lines.hpp). The field names and their
// meaning are those of ZMap's tcp_synscan, udp and icmp probe modules and of
// its ip and system fields (zmap/src/probe_modules, zmap/src/output_modules).
#include "scanhpc/io/zmap_lines.hpp"

#include <simdjson.h>

#include <array>
#include <charconv>
#include <string>
#include <vector>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/io/json_values.hpp"
#include "scanhpc/io/masscan_lines.hpp"

namespace scanhpc {
namespace {

using sv = std::string_view;

sv strip(sv s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r')) s.remove_suffix(1);
  return s;
}

// ZMap 2.1.1 joins words with '-', later versions with '_': compared
// without a copy (a JSON key is named once per field of every record).
bool same_name(sv got, sv want) {
  if (got.size() != want.size()) return false;
  for (size_t i = 0; i < got.size(); ++i)
    if (got[i] != want[i] && !(got[i] == '-' && want[i] == '_')) return false;
  return true;
}

// The fields an observation takes from a row or an object.
enum class Column { other, saddr, sport, ttl, success, classification, timestamp_ts };

Column column_of(sv name) {
  name = strip(name);
  if (same_name(name, "saddr")) return Column::saddr;
  if (same_name(name, "sport")) return Column::sport;
  if (same_name(name, "ttl")) return Column::ttl;
  if (same_name(name, "success")) return Column::success;
  if (same_name(name, "classification")) return Column::classification;
  if (same_name(name, "timestamp_ts")) return Column::timestamp_ts;
  return Column::other;
}

// Every field ZMap's modules define (ip fields, tcp_synscan, udp, icmp_echo
// and the system fields): a header row is ZMap's only if all its names are.
bool is_zmap_field(sv n) {
  static constexpr std::array<sv, 44> kFields{
      "saddr", "saddr_raw", "daddr", "daddr_raw", "ipid", "ttl", "sport", "dport", "seqnum", "acknum", "window",
      "tcpopt_mss", "tcpopt_wscale", "tcpopt_sack_perm", "tcpopt_ts_val", "tcpopt_ts_ecr", "classification",
      "success", "icmp_responder", "icmp_type", "icmp_code", "icmp_unreach_str", "repeat", "cooldown",
      "timestamp_str", "timestamp_ts", "timestamp_us", "type", "code", "icmp_id", "seq", "udp_pkt_size", "data",
      "ipid_raw", "content_length", "sent_timestamp_ts", "sent_timestamp_us", "dst_raw", "length", "options",
      "tcpopt_nop", "ttl_raw", "ip_id", "app_success"};
  for (sv f : kFields)
    if (same_name(n, f)) return true;
  return false;
}

sv first_line(sv head) { return strip(head.substr(0, head.find('\n'))); }

// Splits a ZMap CSV row: fields are raw, and quoted only when they hold a
// comma (module_csv.c writes embedded quotes unescaped).
void split_csv(sv line, std::vector<sv>& out) {
  out.clear();
  size_t i = 0;
  while (true) {
    if (i < line.size() && line[i] == '"') {
      size_t close = line.find("\",", i + 1);
      if (close == sv::npos) {
        const size_t end = line.size() >= 2 && line.back() == '"' ? line.size() - 1 : line.size();
        out.push_back(line.substr(i + 1, end - (i + 1)));
        return;
      }
      out.push_back(line.substr(i + 1, close - (i + 1)));
      i = close + 2;
      continue;
    }
    const size_t comma = line.find(',', i);
    if (comma == sv::npos) {
      out.push_back(line.substr(i));
      return;
    }
    out.push_back(line.substr(i, comma - i));
    i = comma + 1;
  }
}

bool header_row(sv line) {
  std::vector<sv> names;
  split_csv(strip(line), names);
  bool saddr = false;
  for (sv n : names) {
    if (!is_zmap_field(strip(n))) return false;
    saddr |= column_of(n) == Column::saddr;
  }
  return saddr;
}

bool bare_saddr_row(sv line) {  // ZMap's default output: "1.2.3.4" or "1.2.3.4,443"
  const size_t comma = line.find(',');
  if (!parse_ipv4(strip(line.substr(0, comma)))) return false;
  if (comma == sv::npos) return true;
  const sv port = strip(line.substr(comma + 1));
  unsigned v = 0;
  auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), v);
  return ec == std::errc() && p == port.data() + port.size() && v <= 65535;
}

bool parse_u64(sv s, uint64_t max, uint64_t& out) {
  s = strip(s);
  if (s.empty()) return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && p == s.data() + s.size() && out <= max;
}

// What one row or object said, before it becomes an observation.
struct ZmapRecord {
  uint32_t ip = 0;
  bool has_ip = false;
  int port = -1;
  int success = -1;         // 1, 0, or -1: absent
  int synack = -1;          // classification: 1 synack, 0 another (rst, icmp), -1 absent
  int ttl = -1;
  int64_t ts = -1;
};

// The observation, or the cause of its rejection.
std::string commit(const ZmapRecord& z, const LineContext& ctx, ParseSink& sink) {
  if (!z.has_ip) return "record without saddr";
  StatusRow r;
  r.ip = z.ip;
  if (z.port >= 0) r.port = uint16_t(z.port);
  else if (ctx.default_port >= 0) r.port = uint16_t(ctx.default_port);
  else return "no port: the record has no sport; give the scanned port with --port N (ZMap's -p)";
  r.proto = ctx.default_proto;
  if (z.success >= 0) r.status = uint8_t(z.success ? Status::open : Status::closed);
  else if (z.synack >= 0) r.status = uint8_t(z.synack ? Status::open : Status::closed);
  else r.status = uint8_t(Status::open);  // default output: successes only
  if (z.ttl >= 0) {
    r.ttl = uint8_t(z.ttl);
    r.known |= kKnownTtl;
  }
  if (z.ts >= 0) {
    r.ts = uint32_t(z.ts);
    r.known |= kKnownTs;
  }
  sink.status.push_back(r);
  sink.used_status(1);
  return {};
}

class ZmapCsvLines final : public LineRecordParser {
 public:
  explicit ZmapCsvLines(const LineContext& ctx) : ctx_(ctx) {
    if (!ctx.header.empty()) set_header(ctx.header);
  }

  void parse(sv line, uint32_t file, uint64_t offset, ParseSink& sink) override {
    line = strip(line);
    if (line.empty()) return;
    if (!has_header_) {  // a stream read from its start: the first line says
      if (header_row(line)) {
        set_header(line);
        return;
      }
      set_header(line.find(',') == sv::npos ? "saddr" : "saddr,sport");
    }
    if (line == header_text_) return;  // the header row (read by the rank whose range starts the file)
    auto reject = [&](const std::string& cause) { sink.reject(file, offset, "zmap-csv: " + cause); };
    split_csv(line, fields_);
    if (fields_.size() != columns_.size())
      return reject(std::to_string(fields_.size()) + " fields where the header names " +
                    std::to_string(columns_.size()));
    ZmapRecord z;
    uint64_t v = 0;
    for (size_t i = 0; i < fields_.size(); ++i) {
      const sv f = strip(fields_[i]);
      switch (columns_[i]) {
        case Column::saddr:
          if (auto ip = parse_ipv4(f)) {
            z.ip = *ip;
            z.has_ip = true;
          } else {
            return reject("saddr is not an IPv4 address: " + json_values::quoted(f));
          }
          break;
        case Column::sport:
          if (!parse_u64(f, 65535, v)) return reject("bad sport " + json_values::quoted(f));
          z.port = int(v);
          break;
        case Column::ttl:
          if (f.empty()) break;  // null
          if (!parse_u64(f, 255, v)) return reject("bad ttl " + json_values::quoted(f));
          z.ttl = int(v);
          break;
        case Column::success:
          if (f != "0" && f != "1") return reject("bad success " + json_values::quoted(f) + " (0 or 1)");
          z.success = f == "1";
          break;
        case Column::classification:
          z.synack = f == "synack";
          break;
        case Column::timestamp_ts:
          if (f.empty()) break;
          if (!parse_u64(f, 0xFFFFFFFFull, v)) return reject("bad timestamp_ts " + json_values::quoted(f));
          z.ts = int64_t(v);
          break;
        case Column::other:
          break;
      }
    }
    if (auto why = commit(z, ctx_, sink); !why.empty()) reject(why);
  }

 private:
  void set_header(sv header) {
    header_text_ = std::string(strip(header));
    std::vector<sv> names;
    split_csv(header_text_, names);
    columns_.clear();
    for (sv n : names) columns_.push_back(column_of(n));
    has_header_ = true;
  }

  LineContext ctx_;
  bool has_header_ = false;
  std::string header_text_;
  std::vector<Column> columns_;
  std::vector<sv> fields_;
};

class ZmapJsonLines final : public LineRecordParser {
 public:
  explicit ZmapJsonLines(const LineContext& ctx) : ctx_(ctx) {}

  void parse(sv line, uint32_t file, uint64_t offset, ParseSink& sink) override {
    namespace od = simdjson::ondemand;
    const char* end_of_line = line.data() + line.size();
    const sv s = strip(line);
    if (s.empty()) return;
    auto reject = [&](const std::string& cause) { sink.reject(file, offset, "zmap-json: " + cause); };
    if (s.front() != '{') return reject("not a JSON object");
    const size_t capacity = size_t(end_of_line - s.data()) + json_line_padding();
    od::document doc;
    if (auto err = parser_.iterate(s.data(), s.size(), capacity).get(doc))
      return reject(std::string("invalid JSON: ") + simdjson::error_message(err));
    od::object obj;
    if (auto err = doc.get_object().get(obj)) return reject(json_values::json_error(err, "not a JSON object"));
    ZmapRecord z;
    std::string why;
    for (auto field : obj) {
      sv key;
      if (auto err = field.unescaped_key().get(key)) return reject(json_values::json_error(err, "invalid key"));
      const Column column = column_of(key);
      od::value v;
      if (auto err = field.value().get(v)) return reject(json_values::json_error(err, "invalid value"));
      uint64_t n = 0;
      if (column == Column::saddr) {
        sv text;
        if (!json_values::get_str(v, text)) return reject("saddr: not a string");
        auto ip = parse_ipv4(text);
        if (!ip) return reject("saddr is not an IPv4 address: " + json_values::quoted(text));
        z.ip = *ip;
        z.has_ip = true;
      } else if (column == Column::sport) {
        if (!json_values::get_uint(v, 65535, n, why)) return reject("sport: " + why);
        z.port = int(n);
      } else if (column == Column::ttl) {
        if (!json_values::get_uint(v, 255, n, why)) return reject("ttl: " + why);
        z.ttl = int(n);
      } else if (column == Column::timestamp_ts) {
        if (!json_values::get_uint(v, 0xFFFFFFFFull, n, why)) return reject("timestamp_ts: " + why);
        z.ts = int64_t(n);
      } else if (column == Column::success) {  // 2.1.1 writes 0/1, later versions true/false
        od::json_type t;
        if (v.type().get(t)) return reject("success: unreadable value");
        if (t == od::json_type::boolean) {
          bool b = false;
          if (v.get_bool().get(b)) return reject("success: not a boolean");
          z.success = b;
        } else {
          if (!json_values::get_uint(v, 1, n, why)) return reject("success: " + why);
          z.success = int(n);
        }
      } else if (column == Column::classification) {
        sv text;
        if (!json_values::get_str(v, text)) return reject("classification: not a string");
        z.synack = text == "synack";
      } else if (auto err = json_values::check_value(v)) {
        return reject(json_values::json_error(err, "invalid value"));
      }
    }
    if (doc.current_location().error() != simdjson::OUT_OF_BOUNDS) return reject("trailing content after the record");
    if (auto cause = commit(z, ctx_, sink); !cause.empty()) reject(cause);
  }

 private:
  LineContext ctx_;
  simdjson::ondemand::parser parser_;
};

}  // namespace

bool is_zmap_csv(sv head) {
  const sv line = first_line(head);
  return !line.empty() && (header_row(line) || bare_saddr_row(line));
}

bool is_zmap_json(sv head) {
  const sv line = first_line(head);
  auto has = [&](sv key) { return line.find(key) != sv::npos; };
  return !line.empty() && line.front() == '{' && has("\"saddr\"") &&
         (has("\"classification\"") || has("\"success\"")) && !has("\"fingerprint\"");
}

std::string zmap_csv_header(sv head) {
  const sv line = first_line(head);
  if (header_row(line)) return std::string(line);
  return line.find(',') == sv::npos ? "saddr" : "saddr,sport";
}

std::unique_ptr<LineRecordParser> make_zmap_csv_parser(const LineContext& context) {
  return std::make_unique<ZmapCsvLines>(context);
}
std::unique_ptr<LineRecordParser> make_zmap_json_parser(const LineContext& context) {
  return std::make_unique<ZmapJsonLines>(context);
}

}  // namespace scanhpc
