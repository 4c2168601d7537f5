// The hot path of the honeypot CSV reader: one pass per line, fields as
// pointer spans, values parsed in place (no std::string per field).
#include "scanhpc/ports/honeypot_csv.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <unordered_map>

#include "scanhpc/core/ipv4.hpp"

namespace scanhpc::ports {
namespace {

struct Span {
  const char* b;
  const char* e;
  bool escaped;  // quoted with "" inside: needs unescaping
  size_t size() const { return size_t(e - b); }
  bool empty() const { return b == e; }
  std::string_view view() const { return {b, size()}; }
};

inline bool is_space(char c) { return c == ' ' || c == '\t'; }

// Splits [p, e) at commas outside quotes. Fills the first `want` spans and
// returns the total field count, or -1 with `cause` set.
long split_fields(const char* p, const char* e, Span* out, size_t want, const char*& cause) {
  size_t n = 0;
  for (;;) {
    Span s;
    if (p < e && *p == '"') {
      const char* q = p + 1;
      bool escaped = false;
      for (;;) {
        q = static_cast<const char*>(std::memchr(q, '"', size_t(e - q)));
        if (!q) {
          cause = "unterminated quote (quoted fields cannot span lines)";
          return -1;
        }
        if (q + 1 < e && q[1] == '"') {
          escaped = true;
          q += 2;
          continue;
        }
        break;
      }
      s = {p + 1, q, escaped};
      p = q + 1;
      if (p < e && *p != ',') {
        cause = "text after a closing quote";
        return -1;
      }
    } else {
      const char* q = p;
      while (q < e && *q != ',') ++q;
      s = {p, q, false};
      while (s.b < s.e && is_space(*s.b)) ++s.b;  // "a, b" as other tools write it
      while (s.e > s.b && is_space(s.e[-1])) --s.e;
      p = q;
    }
    if (n < want) out[n] = s;
    ++n;
    if (p >= e) return long(n);
    ++p;  // the comma
  }
}

// Decimal 0..max, at most 10 digits, nothing else.
inline bool parse_uint(Span s, uint64_t max, uint64_t& out) {
  size_t n = s.size();
  if (n == 0 || n > 10) return false;
  uint64_t v = 0;
  for (const char* p = s.b; p < s.e; ++p) {
    unsigned d = unsigned(*p) - '0';
    if (d > 9) return false;
    v = v * 10 + d;
  }
  if (v > max) return false;
  out = v;
  return true;
}

inline bool two_digits(const char* p, unsigned& v) {
  unsigned a = unsigned(p[0]) - '0', b = unsigned(p[1]) - '0';
  if (a > 9 || b > 9) return false;
  v = a * 10 + b;
  return true;
}

// Days since 1970-01-01 (H. Hinnant's days_from_civil).
int64_t days_from_civil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = unsigned(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return int64_t(era) * 146097 + int64_t(doe) - 719468;
}

bool valid_date(unsigned y, unsigned m, unsigned d) {
  static constexpr unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (y < 1970 || y > 2105 || m < 1 || m > 12 || d < 1) return false;
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return d <= kDays[m - 1] + (m == 2 && leap);
}

// Dates repeat row after row: the day of the last date text is kept.
struct DayCache {
  char text[10] = {};
  int64_t days = -1;
};

// "YYYY-MM-DD HH:MM:SS" (or 'T') and "dd/MM/yyyy HH:mm[:ss]", UTC.
bool parse_datetime(Span s, DayCache& cache, uint32_t& out) {
  const char* p = s.b;
  size_t n = s.size();
  if (n < 16) return false;
  const bool iso = p[4] == '-';
  if (iso ? (n != 19 || p[7] != '-' || (p[10] != ' ' && p[10] != 'T') || p[13] != ':' || p[16] != ':')
          : (p[2] != '/' || p[5] != '/' || p[10] != ' ' || p[13] != ':' || (n != 16 && (n != 19 || p[16] != ':'))))
    return false;
  if (cache.days < 0 || std::memcmp(cache.text, p, 10) != 0) {
    unsigned y1, y2, m, d;
    bool ok = iso ? two_digits(p, y1) && two_digits(p + 2, y2) && two_digits(p + 5, m) && two_digits(p + 8, d)
                  : two_digits(p, d) && two_digits(p + 3, m) && two_digits(p + 6, y1) && two_digits(p + 8, y2);
    if (!ok || !valid_date(y1 * 100 + y2, m, d)) return false;
    std::memcpy(cache.text, p, 10);
    cache.days = days_from_civil(int(y1 * 100 + y2), m, d);
  }
  unsigned hh, mm, ss = 0;
  if (!two_digits(p + 11, hh) || !two_digits(p + 14, mm) || hh > 23 || mm > 59) return false;
  if (n == 19 && (!two_digits(p + 17, ss) || ss > 59)) return false;
  uint64_t t = uint64_t(cache.days) * 86400 + hh * 3600 + mm * 60 + ss;
  if (t > 0xFFFFFFFFull) return false;
  out = uint32_t(t);
  return true;
}

// An unsigned 32-bit decimal (as marx writes it) or a dotted quad.
bool parse_source(Span s, uint32_t& out) {
  if (std::memchr(s.b, '.', s.size())) {
    auto ip = scanhpc::parse_ipv4(s.view());
    if (!ip) return false;
    out = *ip;
    return true;
  }
  uint64_t v;
  if (!parse_uint(s, 0xFFFFFFFFull, v)) return false;
  out = uint32_t(v);
  return true;
}

// TCP/UDP/ICMP in any case, or a protocol number 0..255.
bool parse_proto(Span s, uint8_t& out) {
  uint64_t v;
  if (parse_uint(s, 255, v)) {
    out = uint8_t(v);
    return true;
  }
  char low[4];
  size_t n = s.size();
  if (n < 3 || n > 4) return false;
  for (size_t i = 0; i < n; ++i) low[i] = char(s.b[i] | 0x20);
  std::string_view w(low, n);
  if (w == "tcp") out = uint8_t(Proto::tcp);
  else if (w == "udp") out = uint8_t(Proto::udp);
  else if (w == "icmp") out = uint8_t(Proto::icmp);
  else return false;
  return true;
}

struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

// Sensor name -> id, seeded from the names `events` already has.
class SensorLookup {
 public:
  explicit SensorLookup(EventColumns& events) : events_(events) {
    for (size_t i = 0; i < events.sensors.size(); ++i) ids_.emplace(events.sensors[i], uint32_t(i));
  }
  uint32_t id(std::string_view name) {
    if (last_ != ~0u && name == events_.sensors[last_]) return last_;
    auto it = ids_.find(name);
    if (it == ids_.end()) {
      events_.sensors.emplace_back(name);
      it = ids_.emplace(events_.sensors.back(), uint32_t(events_.sensors.size() - 1)).first;
    }
    return last_ = it->second;
  }

 private:
  EventColumns& events_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> ids_;
  uint32_t last_ = ~0u;
};

std::string quoted_sample(Span s) {
  std::string t(s.b, std::min<size_t>(s.size(), 40));
  return "'" + t + (s.size() > 40 ? "...'" : "'");
}

// Grows all columns geometrically ahead of a buffer's rows.
void reserve_for(EventColumns& ev, size_t extra_rows) {
  size_t want = ev.size() + extra_rows;
  if (ev.time.capacity() >= want) return;
  want = std::max(want, ev.time.capacity() * 2);
  ev.time.reserve(want);
  ev.sensor.reserve(want);
  ev.src.reserve(want);
  ev.proto.reserve(want);
  ev.dst_port.reserve(want);
  ev.src_port.reserve(want);
}

}  // namespace

void parse_honeypot_csv(std::string_view text, uint64_t base_offset, const CsvLayout& layout,
                        EventColumns& events, CsvCounts& counts) {
  std::array<long, 8> col;  // column index of each CsvField, -1 when absent
  col.fill(-1);
  for (size_t i = layout.columns.size(); i-- > 0;)
    if (layout.columns[i] != CsvField::ignored) col[size_t(layout.columns[i])] = long(i);
  const size_t header_fields = layout.columns.size();
  const size_t want = layout.needed_columns;
  std::vector<Span> spans(std::max<size_t>(want, 1));
  std::string unescaped;  // scratch for a quoted field with "" inside
  auto field = [&](CsvField f) -> Span {
    long c = col[size_t(f)];
    if (c < 0) return {nullptr, nullptr, false};
    Span s = spans[size_t(c)];
    if (!s.escaped) return s;
    unescaped.clear();
    for (const char* p = s.b; p < s.e; ++p) {
      unescaped.push_back(*p);
      if (*p == '"') ++p;  // the second quote of ""
    }
    return {unescaped.data(), unescaped.data() + unescaped.size(), false};
  };

  SensorLookup sensors(events);
  DayCache day;
  reserve_for(events, text.size() / 48 + 1);
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
  while (p < end) {
    const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
    const char* e = nl ? nl : end;
    const char* next = nl ? nl + 1 : end;
    if (e > p && e[-1] == '\r') --e;
    const uint64_t offset = base_offset + uint64_t(p - begin);
    const char* line = p;
    p = next;
    const char* q = line;
    while (q < e && is_space(*q)) ++q;
    if (q == e) {
      ++counts.blank_lines;
      continue;
    }

    const char* cause = nullptr;
    long n = split_fields(line, e, spans.data(), want, cause);
    if (n < 0) {
      counts.reject(offset, cause);
      continue;
    }
    bool repaired = false;
    if (size_t(n) != header_fields) {
      if (size_t(n) < header_fields || !layout.extra_fields_repairable) {
        counts.reject(offset, std::to_string(n) + " fields, the header has " + std::to_string(header_fields));
        continue;
      }
      repaired = true;
    }

    uint32_t t;
    Span s = field(CsvField::time);
    if (!parse_datetime(s, day, t)) {
      counts.reject(offset, "bad datetime " + quoted_sample(s));
      continue;
    }
    s = field(CsvField::sensor);
    if (s.empty()) {
      counts.reject(offset, "empty sensor name");
      continue;
    }
    const uint32_t sensor = sensors.id(s.view());
    uint32_t source;
    s = field(CsvField::src);
    if (!parse_source(s, source)) {
      counts.reject(offset, "bad source address " + quoted_sample(s));
      continue;
    }
    uint8_t proto;
    s = field(CsvField::proto);
    if (!parse_proto(s, proto)) {
      counts.reject(offset, "unknown protocol " + quoted_sample(s));
      continue;
    }
    uint64_t v;
    s = field(CsvField::icmp_type);
    if (!s.empty() && !parse_uint(s, 255, v)) {
      counts.reject(offset, "bad ICMP type " + quoted_sample(s));
      continue;
    }
    uint32_t sport = kNoPort, dport = kNoPort;
    s = field(CsvField::src_port);
    if (!s.empty()) {
      if (!parse_uint(s, 65535, v)) {
        counts.reject(offset, "bad source port " + quoted_sample(s));
        continue;
      }
      sport = uint32_t(v);
    }
    s = field(CsvField::dst_port);
    if (!s.empty()) {
      if (!parse_uint(s, 65535, v)) {
        counts.reject(offset, "bad destination port " + quoted_sample(s));
        continue;
      }
      dport = uint32_t(v);
    } else if (proto == uint8_t(Proto::tcp) || proto == uint8_t(Proto::udp)) {
      counts.reject(offset, proto == uint8_t(Proto::tcp) ? "TCP row without a destination port"
                                                         : "UDP row without a destination port");
      continue;
    }
    events.push_back(t, sensor, source, proto, dport, sport);
    ++counts.records_read;
    ++counts.records_used;
    counts.rows_repaired += repaired;
  }
}

}  // namespace scanhpc::ports
