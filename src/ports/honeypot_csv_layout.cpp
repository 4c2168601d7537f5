// Honeypot CSV reader, the cold parts: column mapping, header, counters,
// line-range splitting and reading byte ranges of a file.
#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <type_traits>
#include <unordered_map>

#include "scanhpc/ports/honeypot_csv.hpp"

namespace scanhpc::ports {
namespace {

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '\r' || s.front() == '\n')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '\r' || s.back() == '\n')) s.remove_suffix(1);
  return s;
}

bool equal_nocase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower((unsigned char)a[i]) != std::tolower((unsigned char)b[i])) return false;
  return true;
}

// Header names: split at commas outside quotes, quotes removed.
std::vector<std::string> header_names(std::string_view line) {
  std::vector<std::string> names(1);
  bool quoted = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == '"') {
      if (quoted && i + 1 < line.size() && line[i + 1] == '"') names.back().push_back(line[++i]);
      else quoted = !quoted;
    } else if (c == ',' && !quoted) {
      names.emplace_back();
    } else {
      names.back().push_back(c);
    }
  }
  for (auto& n : names) n = std::string(trim(n));
  return names;
}

struct FilePtr {
  std::FILE* f;
  explicit FilePtr(const std::string& path) : f(std::fopen(path.c_str(), "rb")) {
    if (!f) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  }
  ~FilePtr() { std::fclose(f); }
  FilePtr(const FilePtr&) = delete;
  FilePtr& operator=(const FilePtr&) = delete;
};

// Reads up to n bytes at `offset` into `buf` (resized to what was read).
void read_at(std::FILE* f, const std::string& path, uint64_t offset, size_t n, std::string& buf) {
  buf.resize(n);
  if (fseeko(f, off_t(offset), SEEK_SET) != 0) throw std::runtime_error("cannot seek in " + path);
  size_t got = std::fread(buf.data(), 1, n, f);
  if (got < n && std::ferror(f)) throw std::runtime_error("cannot read " + path);
  buf.resize(got);
}

}  // namespace

ColumnMapping parse_column_mapping(std::string_view spec) {
  ColumnMapping m;
  while (!spec.empty()) {
    size_t comma = spec.find(',');
    std::string_view pair = trim(spec.substr(0, comma));
    spec = comma == std::string_view::npos ? std::string_view() : spec.substr(comma + 1);
    if (pair.empty()) continue;
    size_t eq = pair.find('=');
    if (eq == std::string_view::npos) throw std::invalid_argument("column mapping '" + std::string(pair) + "' lacks '='");
    std::string_view key = trim(pair.substr(0, eq));
    std::string value(trim(pair.substr(eq + 1)));
    if (key == "time") m.time = value;
    else if (key == "sensor") m.sensor = value;
    else if (key == "src") m.src = value;
    else if (key == "proto") m.proto = value;
    else if (key == "icmp_type") m.icmp_type = value;
    else if (key == "src_port") m.src_port = value;
    else if (key == "dst_port") m.dst_port = value;
    else
      throw std::invalid_argument("unknown field '" + std::string(key) +
                                  "' (time, sensor, src, proto, icmp_type, src_port, dst_port)");
  }
  return m;
}

CsvLayout layout_from_header(std::string_view header_line, const ColumnMapping& mapping) {
  if (header_line.substr(0, 3) == "\xEF\xBB\xBF") header_line.remove_prefix(3);
  const std::vector<std::string> names = header_names(header_line);
  CsvLayout layout;
  layout.columns.assign(names.size(), CsvField::ignored);
  const std::pair<CsvField, const std::string*> wanted[] = {
      {CsvField::time, &mapping.time},         {CsvField::sensor, &mapping.sensor},
      {CsvField::src, &mapping.src},           {CsvField::proto, &mapping.proto},
      {CsvField::icmp_type, &mapping.icmp_type}, {CsvField::src_port, &mapping.src_port},
      {CsvField::dst_port, &mapping.dst_port}};
  std::string missing;
  for (const auto& [field, name_ptr] : wanted) {
    const std::string* name = name_ptr;  // a plain variable: clang 14 cannot capture a structured binding
    bool optional = field == CsvField::icmp_type || field == CsvField::src_port;
    if (name->empty() && optional) continue;
    auto it = std::find_if(names.begin(), names.end(), [&](const std::string& n) { return equal_nocase(n, *name); });
    size_t i = size_t(it - names.begin());
    if (it != names.end() && layout.columns[i] != CsvField::ignored)
      throw std::runtime_error("column '" + *name + "' is mapped to two fields");
    if (it != names.end()) layout.columns[i] = field;
    else if (!optional) missing += (missing.empty() ? "" : ", ") + *name;
  }
  if (!missing.empty()) throw std::runtime_error("CSV header lacks column(s): " + missing);
  size_t last_mapped = 0, first_ignored = names.size();
  for (size_t i = 0; i < names.size(); ++i) {
    if (layout.columns[i] != CsvField::ignored) last_mapped = i;
    else first_ignored = std::min(first_ignored, i);
  }
  layout.needed_columns = last_mapped + 1;
  layout.extra_fields_repairable = first_ignored < names.size() && first_ignored > last_mapped;
  return layout;
}

void CsvCounts::merge(CsvCounts&& o) {
  rows_repaired += o.rows_repaired;
  blank_lines += o.blank_lines;
  ReadSummary::merge(std::move(o));
}

uint64_t next_line_start(std::string_view text, uint64_t pos) {
  if (pos == 0) return 0;
  if (pos >= text.size()) return text.size();
  if (text[pos - 1] == '\n') return pos;
  size_t nl = text.find('\n', pos);
  return nl == std::string_view::npos ? text.size() : nl + 1;
}

CsvHeaderSpan find_csv_header(std::string_view text) {
  uint64_t p = text.substr(0, 3) == "\xEF\xBB\xBF" ? 3 : 0;
  while (p < text.size()) {
    size_t nl = text.find('\n', p);
    size_t e = nl == std::string_view::npos ? text.size() : nl;
    uint64_t next = nl == std::string_view::npos ? text.size() : nl + 1;
    if (!trim(text.substr(p, e - p)).empty()) return {p, next};
    p = next;
  }
  return {text.size(), text.size()};
}

CsvLayout parse_honeypot_csv_buffer(std::string_view text, const ColumnMapping& mapping, EventColumns& events,
                                    CsvCounts& counts) {
  CsvHeaderSpan h = find_csv_header(text);
  if (h.header_begin >= text.size()) throw std::runtime_error("CSV without a header line");
  CsvLayout layout = layout_from_header(text.substr(h.header_begin, h.data_begin - h.header_begin), mapping);
  layout.date_form = detect_date_form(text.substr(h.data_begin), layout);  // returned: ranges parse in this form
  parse_honeypot_csv(text.substr(h.data_begin), h.data_begin, layout, events, counts);
  return layout;
}

CsvFileHeader read_csv_file_header(const std::string& path) {
  FilePtr f(path);
  if (fseeko(f.f, 0, SEEK_END) != 0) throw std::runtime_error("cannot seek in " + path);
  CsvFileHeader out;
  out.file_size = uint64_t(ftello(f.f));
  std::string buf;
  for (size_t n = 64 << 10;; n *= 2) {  // grow until the header line is complete
    read_at(f.f, path, 0, n, buf);
    CsvHeaderSpan h = find_csv_header(buf);
    bool complete = h.data_begin < buf.size() || buf.size() < n;
    if (h.header_begin < buf.size() && complete) {
      out.line = std::string(trim(std::string_view(buf).substr(h.header_begin, h.data_begin - h.header_begin)));
      out.data_begin = h.data_begin;
      out.sample = buf.substr(std::min<size_t>(h.data_begin, buf.size()));
      return out;
    }
    if (buf.size() < n) throw std::runtime_error(path + ": CSV without a header line");
  }
}

void read_honeypot_csv_range(const std::string& path, uint64_t begin, uint64_t end, const CsvLayout& layout,
                             EventColumns& events, CsvCounts& counts, size_t block_bytes, std::string* buffer) {
  FilePtr f(path);
  std::string own;
  std::string& buf = buffer ? *buffer : own;  // a caller's buffer is reused: no page faults per range
  uint64_t pos = begin;
  if (pos > 0) {  // a line that starts before `begin` belongs to the previous range
    read_at(f.f, path, pos - 1, 1, buf);
    if (buf.empty()) return;
    if (buf[0] != '\n') {
      for (;;) {
        read_at(f.f, path, pos, 64 << 10, buf);
        size_t nl = buf.find('\n');
        if (nl != std::string::npos) {
          pos += nl + 1;
          break;
        }
        if (buf.empty()) return;
        pos += buf.size();
      }
    }
  }
  block_bytes = std::max<size_t>(block_bytes, 1);
  // A block reaches no further than the range's end plus the rest of the
  // line that starts before it (4 KiB covers most; a longer one doubles the
  // read): the bytes past it are the next range's.
  constexpr uint64_t kTail = 4096;
  auto block_for = [&](uint64_t at) { return size_t(std::min<uint64_t>(block_bytes, end - at + kTail)); };
  size_t n = block_for(pos);
  while (pos < end) {
    read_at(f.f, path, pos, n, buf);
    if (buf.empty()) return;
    const bool at_eof = buf.size() < n;
    size_t complete = at_eof ? buf.size() : buf.rfind('\n') + 1;  // npos + 1 == 0
    if (complete == 0) {  // a line longer than the block
      n *= 2;
      continue;
    }
    std::string_view lines(buf.data(), complete);
    uint64_t stop = pos + complete > end ? next_line_start(lines, end - pos) : complete;
    parse_honeypot_csv(lines.substr(0, stop), pos, layout, events, counts);
    pos += stop;
    if (at_eof || stop < complete) return;
    n = block_for(pos);
  }
}

void append_events(EventColumns& into, const EventColumns& from) {
  into.sensors.reserve(into.sensors.size() + from.sensors.size());  // the views below must not move
  std::unordered_map<std::string_view, uint32_t> ids;
  for (size_t i = 0; i < into.sensors.size(); ++i) ids.emplace(into.sensors[i], uint32_t(i));
  std::vector<uint32_t> remap(from.sensors.size());
  for (size_t i = 0; i < from.sensors.size(); ++i) {
    auto it = ids.find(from.sensors[i]);
    if (it != ids.end()) {
      remap[i] = it->second;
    } else {
      remap[i] = uint32_t(into.sensors.size());
      into.sensors.push_back(from.sensors[i]);
      // no insert into `ids`: from.sensors has no duplicate names
    }
  }
  for (size_t i = 0; i < from.size(); ++i)
    into.push_back(from.time[i], remap[from.sensor[i]], from.src[i], from.proto[i], from.dst_port[i]);
}

void append_all_events(EventColumns& into, std::vector<EventColumns>& parts) {
  // Sensor ids by name, in first-seen order (as append_events, part by part).
  std::unordered_map<std::string, uint32_t> ids;
  for (size_t i = 0; i < into.sensors.size(); ++i) ids.emplace(into.sensors[i], uint32_t(i));
  std::vector<std::vector<uint32_t>> remap(parts.size());
  size_t total = into.size();
  for (size_t p = 0; p < parts.size(); ++p) {
    total += parts[p].size();
    for (const auto& name : parts[p].sensors) {
      auto [it, fresh] = ids.try_emplace(name, uint32_t(into.sensors.size()));
      if (fresh) into.sensors.push_back(name);
      remap[p].push_back(it->second);
    }
  }
  auto concat = [&](auto member) {
    auto& dst = into.*member;
    dst.reserve(total);
    for (auto& part : parts) {
      auto& src = part.*member;
      dst.insert(dst.end(), src.begin(), src.end());
      std::decay_t<decltype(src)>().swap(src);
    }
  };
  concat(&EventColumns::time);
  concat(&EventColumns::src);
  concat(&EventColumns::proto);
  concat(&EventColumns::dst_port);
  into.sensor.reserve(total);
  for (size_t p = 0; p < parts.size(); ++p) {
    for (uint32_t s : parts[p].sensor) into.sensor.push_back(remap[p][s]);
    std::vector<uint32_t>().swap(parts[p].sensor);
    parts[p] = EventColumns{};
  }
}

}  // namespace scanhpc::ports
