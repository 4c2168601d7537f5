// The hot path of the honeypot CSV reader: one pass per line, fields as
// pointer spans, values parsed in place (no std::string per field).
#include "scanhpc/ports/honeypot_csv.hpp"

#include <emmintrin.h>

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
long split_fields_any(const char* p, const char* e, Span* out, size_t want, const char*& cause);

// The common line without quotes: its commas found 16 bytes at a time (SSE2),
// the fields trimmed as split_fields_any trims unquoted fields. A line with a
// quote goes to split_fields_any.
long split_fields(const char* p, const char* e, Span* out, size_t want, const char*& cause) {
  size_t n = 0;
  const char* start = p;
  auto emit = [&](const char* f) {
    if (n < want) {
      Span s{start, f, false};
      while (s.b < s.e && is_space(*s.b)) ++s.b;
      while (s.e > s.b && is_space(s.e[-1])) --s.e;
      out[n] = s;
    }
    ++n;
    start = f + 1;
  };
  const __m128i comma = _mm_set1_epi8(','), quote = _mm_set1_epi8('"');
  const char* c = p;
  for (; e - c >= 16; c += 16) {
    const __m128i v = _mm_loadu_si128(reinterpret_cast<const __m128i*>(c));
    if (_mm_movemask_epi8(_mm_cmpeq_epi8(v, quote))) return split_fields_any(p, e, out, want, cause);
    for (unsigned m = unsigned(_mm_movemask_epi8(_mm_cmpeq_epi8(v, comma))); m; m &= m - 1)
      emit(c + __builtin_ctz(m));
  }
  for (; c < e; ++c) {
    if (*c == '"') return split_fields_any(p, e, out, want, cause);
    if (*c == ',') emit(c);
  }
  emit(e);
  return long(n);
}

long split_fields_any(const char* p, const char* e, Span* out, size_t want, const char*& cause) {
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

// 1 or 2 digits at p (up to e); advances p.
inline bool short_number(const char*& p, const char* e, unsigned& v) {
  unsigned a = p < e ? unsigned(*p) - '0' : 10;
  if (a > 9) return false;
  ++p;
  v = a;
  unsigned b = p < e ? unsigned(*p) - '0' : 10;
  if (b <= 9) {
    v = v * 10 + b;
    ++p;
  }
  return true;
}

inline bool finish_time(int64_t days, unsigned hh, unsigned mm, unsigned ss, int64_t zone, uint32_t& out) {
  if (hh > 23 || mm > 59 || ss > 59) return false;
  const int64_t t = days * 86400 + hh * 3600 + mm * 60 + ss - zone;
  if (t < 0 || t > int64_t(0xFFFFFFFFll)) return false;
  out = uint32_t(t);
  return true;
}

// iso: YYYY-MM-DD[ T]HH:MM:SS[.frac][Z|+HH:MM|+HHMM]; dmy: dd/MM/yyyy HH:mm[:ss].
bool parse_fixed(const char* p, size_t n, DateForm form, DayCache& cache, uint32_t& out) {
  if (n < 16) return false;
  const bool iso = form == DateForm::iso;
  if (iso ? (n < 19 || p[4] != '-' || p[7] != '-' || (p[10] != ' ' && p[10] != 'T') || p[13] != ':' || p[16] != ':')
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
  if (!two_digits(p + 11, hh) || !two_digits(p + 14, mm)) return false;
  if (n >= 19 && !two_digits(p + 17, ss)) return false;
  int64_t zone = 0;  // seconds east of UTC
  if (iso && n > 19) {
    const char* q = p + 19;
    const char* e = p + n;
    if (*q == '.' || *q == ',') {  // fractional seconds: dropped, as times are whole seconds
      const char* digits = ++q;
      while (q < e && unsigned(*q) - '0' <= 9) ++q;
      if (q == digits) return false;
    }
    if (q < e && (*q == 'Z' || *q == 'z')) {
      ++q;
    } else if (q < e && (*q == '+' || *q == '-')) {
      const int sign = *q == '-' ? -1 : 1;
      unsigned zh, zm;
      ++q;
      if (e - q < 4 || !two_digits(q, zh)) return false;
      q += 2;
      if (*q == ':') ++q;
      if (e - q < 2 || !two_digits(q, zm) || zh > 23 || zm > 59) return false;
      q += 2;
      zone = sign * int64_t(zh * 3600 + zm * 60);
    }
    if (q != e) return false;
  }
  return finish_time(cache.days, hh, mm, ss, zone, out);
}

// mdy: M/D/YY or M/D/YYYY, a space, H:MM[:SS]; fields may be unpadded.
bool parse_mdy(const char* p, size_t n, uint32_t& out) {
  const char* e = p + n;
  unsigned m, d, y, hh, mm, ss = 0;
  if (!short_number(p, e, m) || p == e || *p++ != '/' || !short_number(p, e, d) || p == e || *p++ != '/')
    return false;
  const char* ys = p;
  while (p < e && unsigned(*p) - '0' <= 9) ++p;
  if (p - ys == 2) {
    y = unsigned(ys[0] - '0') * 10 + unsigned(ys[1] - '0');
    y += y < 69 ? 2000 : 1900;  // the POSIX %y pivot
  } else if (p - ys == 4) {
    y = unsigned(ys[0] - '0') * 1000 + unsigned(ys[1] - '0') * 100 + unsigned(ys[2] - '0') * 10 + unsigned(ys[3] - '0');
  } else {
    return false;
  }
  if (p == e || *p++ != ' ' || !short_number(p, e, hh) || p == e || *p++ != ':') return false;
  if (e - p < 2 || !two_digits(p, mm)) return false;
  p += 2;
  if (p < e) {
    if (*p++ != ':' || e - p != 2 || !two_digits(p, ss)) return false;
  }
  if (!valid_date(y, m, d)) return false;
  return finish_time(days_from_civil(int(y), m, d), hh, mm, ss, 0, out);
}

bool parse_datetime(Span s, DateForm form, DayCache& cache, uint32_t& out) {
  if (form == DateForm::mdy) return parse_mdy(s.b, s.size(), out);
  return parse_fixed(s.b, s.size(), form, cache, out);
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
    // Rows interleave a few sensors: a small direct-mapped cache of names
    // (checked against the name) before the hash map.
    const size_t n = name.size();
    const size_t slot = n ? (n * 31 + size_t(uint8_t(name[0])) + size_t(uint8_t(name[n - 1])) * 7 +
                             size_t(uint8_t(name[n / 2])) * 13) & (kCache - 1)
                          : 0;
    const uint32_t c = cache_[slot];
    if (c != ~0u && name == events_.sensors[c]) return last_ = c;
    auto it = ids_.find(name);
    if (it == ids_.end()) {
      events_.sensors.emplace_back(name);
      it = ids_.emplace(events_.sensors.back(), uint32_t(events_.sensors.size() - 1)).first;
    }
    return last_ = cache_[slot] = it->second;
  }

 private:
  static constexpr size_t kCache = 64;
  EventColumns& events_;
  std::unordered_map<std::string, uint32_t, StringHash, std::equal_to<>> ids_;
  uint32_t last_ = ~0u;
  std::array<uint32_t, kCache> cache_ = make_empty_cache();
  static std::array<uint32_t, kCache> make_empty_cache() {
    std::array<uint32_t, kCache> a;
    a.fill(~0u);
    return a;
  }
};

std::string quoted_sample(Span s) {
  std::string t(s.b, std::min<size_t>(s.size(), 40));
  return "'" + t + (s.size() > 40 ? "...'" : "'");
}

// Grows all columns geometrically ahead of a buffer's rows.
void reserve_for(EventColumns& ev, size_t extra_rows) {
  size_t want = ev.size() + extra_rows;
  if (ev.time.capacity() >= want) return;
  ev.reserve(std::max(want, ev.time.capacity() * 2));
}

// Decimal digits at p up to `stop`, 1..10 of them, value <= max; p moves
// past them. False (p anywhere) for anything else, empty included.
inline bool fast_uint(const char*& p, const char* e, char stop, uint64_t max, uint64_t& out) {
  const char* b = p;
  uint64_t v = 0;
  for (;;) {
    if (p == e) return false;
    const unsigned d = unsigned(*p) - '0';
    if (d > 9) break;
    v = v * 10 + d;
    ++p;
  }
  if (*p != stop || p == b || p - b > 10 || v > max) return false;
  out = v;
  return true;
}

// The marx line as the synthesiser and the public logs write it:
// YYYY-MM-DD HH:MM:SS,sensor,decimal source,TCP|UDP|ICMP,[type],[sport],[dport]
// with no quotes, no padding and a port on TCP and UDP rows. Parses it in
// one pass and returns the start of the next line, or nullptr for any other
// line (a quote, spaces, a dotted source, a bad or missing value, another
// field count...), which the general path then reads (and rejects with its
// message where it must): the events and counts are the same either way.
struct FastRow {
  uint32_t time, source, dport;  // the source port is checked, not kept
  uint8_t proto;
  std::string_view sensor;
};
inline const char* fast_marx_line(const char* p, const char* end, DayCache& day, FastRow& r) {
  if (end - p < 20 || p[4] != '-' || p[7] != '-' || p[10] != ' ' || p[13] != ':' || p[16] != ':' || p[19] != ',')
    return nullptr;
  if (day.days >= 0 && std::memcmp(day.text, p, 10) == 0) {
    unsigned hh, mm, ss;
    if (!two_digits(p + 11, hh) || !two_digits(p + 14, mm) || !two_digits(p + 17, ss) ||
        !finish_time(day.days, hh, mm, ss, 0, r.time))
      return nullptr;
  } else if (!parse_fixed(p, 19, DateForm::iso, day, r.time)) {
    return nullptr;
  }
  const char* q = p + 20;
  const char* s = q;
  while (q < end && *q != ',' && *q != '\n' && *q != '"') ++q;
  if (q == end || *q != ',' || q == s || is_space(*s) || is_space(q[-1])) return nullptr;
  r.sensor = std::string_view(s, size_t(q - s));
  ++q;
  uint64_t v;
  if (!fast_uint(q, end, ',', 0xFFFFFFFFull, v)) return nullptr;
  r.source = uint32_t(v);
  ++q;
  if (end - q < 5) return nullptr;
  bool ported = true;
  if (std::memcmp(q, "TCP,", 4) == 0) {
    r.proto = uint8_t(Proto::tcp);
    q += 4;
  } else if (std::memcmp(q, "UDP,", 4) == 0) {
    r.proto = uint8_t(Proto::udp);
    q += 4;
  } else if (end - q >= 6 && std::memcmp(q, "ICMP,", 5) == 0) {
    r.proto = uint8_t(Proto::icmp);
    ported = false;
    q += 5;
  } else {
    return nullptr;
  }
  if (q < end && *q == ',') ++q;  // no ICMP type
  else if (!fast_uint(q, end, ',', 255, v)) return nullptr;
  else ++q;
  if (q < end && *q == ',') ++q;  // no source port
  else if (!fast_uint(q, end, ',', 65535, v)) return nullptr;
  else ++q;
  // The destination port, then the end of the line.
  const char* b = q;
  v = 0;
  while (q < end && unsigned(*q) - '0' <= 9) v = v * 10 + (unsigned(*q++) - '0');
  if (q - b > 10 || v > 65535) return nullptr;
  if (q == b) {
    if (ported) return nullptr;  // the general path rejects it
    r.dport = kNoPort;
  } else {
    r.dport = uint32_t(v);
  }
  if (q == end) return q;
  if (*q == '\r') ++q;
  if (q < end && *q == '\n') return q + 1;
  return nullptr;
}

bool is_marx_layout(const CsvLayout& layout) {
  static constexpr CsvField kMarx[] = {CsvField::time,      CsvField::sensor,   CsvField::src,     CsvField::proto,
                                       CsvField::icmp_type, CsvField::src_port, CsvField::dst_port};
  return layout.columns.size() == 7 && std::equal(layout.columns.begin(), layout.columns.end(), kMarx);
}

}  // namespace

const char* date_form_name(DateForm f) {
  switch (f) {
    case DateForm::iso: return "YYYY-MM-DD HH:MM:SS";
    case DateForm::dmy: return "dd/MM/yyyy HH:mm";
    case DateForm::mdy: return "M/D/YY H:MM";
    default: return "automatic";
  }
}

bool parse_csv_time(std::string_view text, DateForm form, uint32_t& out) {
  DayCache cache;
  Span s{text.data(), text.data() + text.size(), false};
  return form != DateForm::automatic && parse_datetime(s, form, cache, out);
}

DateForm detect_date_form(std::string_view text, const CsvLayout& layout) {
  long col = -1;
  for (size_t i = 0; i < layout.columns.size() && col < 0; ++i)
    if (layout.columns[i] == CsvField::time) col = long(i);
  constexpr DateForm kForms[] = {DateForm::iso, DateForm::dmy, DateForm::mdy};
  unsigned parsed[3] = {0, 0, 0};
  if (col >= 0) {
    std::vector<Span> spans(size_t(col) + 1);
    DayCache cache[3];
    const char* p = text.data();
    const char* const end = p + text.size();
    for (int rows = 0; p < end && rows < 100;) {
      const char* nl = static_cast<const char*>(std::memchr(p, '\n', size_t(end - p)));
      const char* e = nl ? nl : end;
      const char* line = p;
      p = nl ? nl + 1 : end;
      if (e > line && e[-1] == '\r') --e;
      const char* q = line;
      while (q < e && is_space(*q)) ++q;
      if (q == e) continue;
      ++rows;
      const char* cause = nullptr;
      long n = split_fields(line, e, spans.data(), spans.size(), cause);
      if (n <= col) continue;
      uint32_t t;
      for (int f = 0; f < 3; ++f) parsed[f] += parse_datetime(spans[size_t(col)], kForms[f], cache[f], t);
    }
  }
  int best = 0;
  for (int f = 1; f < 3; ++f)
    if (parsed[f] > parsed[best]) best = f;
  return kForms[best];
}

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

  const DateForm form =
      layout.date_form == DateForm::automatic ? detect_date_form(text, layout) : layout.date_form;
  SensorLookup sensors(events);
  DayCache day;
  reserve_for(events, text.size() / 48 + 1);
  const char* const begin = text.data();
  const char* const end = begin + text.size();
  const char* p = begin;
  const bool marx = form == DateForm::iso && is_marx_layout(layout);
  FastRow row;
  while (p < end) {
    if (marx) {
      if (const char* next = fast_marx_line(p, end, day, row)) {
        events.push_back(row.time, sensors.id(row.sensor), row.source, row.proto, row.dport);
        ++counts.records_read;
        ++counts.records_used;
        p = next;
        continue;
      }
    }
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
    if (!parse_datetime(s, form, day, t)) {
      counts.reject(offset, std::string("bad datetime ") + quoted_sample(s) + " (the file's form is " +
                                date_form_name(form) + ")");
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
    uint32_t dport = kNoPort;
    s = field(CsvField::src_port);  // checked, not kept: no analysis reads it
    if (!s.empty() && !parse_uint(s, 65535, v)) {
      counts.reject(offset, "bad source port " + quoted_sample(s));
      continue;
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
    events.push_back(t, sensor, source, proto, dport);
    ++counts.records_read;
    ++counts.records_used;
    counts.rows_repaired += repaired;
  }
}

}  // namespace scanhpc::ports
