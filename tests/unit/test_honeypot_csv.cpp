// Honeypot CSV reader: the hand-made defect files in tests/data/honeypot
// (expected values written by hand; times from Python's calendar.timegm),
// splitting at every byte, file ranges and threads, the column mapping,
// the error cap, and a timing.
#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "scanhpc/ports/honeypot_csv.hpp"
#include "scanhpc/ports/synth_honeypot.hpp"

using namespace scanhpc::ports;

namespace {

std::string data_path(const char* name) { return std::string(SCANHPC_TEST_INPUTS) + "/honeypot/" + name; }

std::string slurp(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

constexpr uint32_t ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return a << 24 | b << 16 | c << 8 | d; }

struct Row {
  uint32_t time;
  std::string sensor;
  uint32_t src;
  uint8_t proto;
  uint32_t dport;  // the source port is checked by the parser, not kept
  bool operator==(const Row&) const = default;
};

std::vector<Row> rows_of(const EventColumns& e) {
  std::vector<Row> out;
  for (size_t i = 0; i < e.size(); ++i)
    out.push_back({e.time[i], e.sensors[e.sensor[i]], e.src[i], e.proto[i], e.dst_port[i]});
  return out;
}

// The offset of the line that starts with `prefix` (searched at line starts only).
uint64_t line_offset(const std::string& text, const std::string& needle) {
  size_t p = text.find(needle);
  REQUIRE(p != std::string::npos);
  REQUIRE((p == 0 || text[p - 1] == '\n'));
  return p;
}

}  // namespace

TEST_CASE("honeypot csv: every row of the defect file is read or rejected", "[honeypot]") {
  const std::string text = slurp(data_path("marx_defects.csv"));
  REQUIRE(!text.empty());
  EventColumns ev;
  CsvCounts counts;
  parse_honeypot_csv_buffer(text, ColumnMapping{}, ev, counts);

  const std::vector<Row> expected = {
      {1362347639, "groucho-oregon", 1032051418, 6, 1433},
      {1362347821, "groucho-oregon", 1347834426, 17, 5060},
      {1362351705, "groucho-eu", 2148114514u, 1, kNoPort},
      {1362347639, "groucho-oregon", 1032051418, 6, 1433},  // exact duplicate: kept
      {1362355200, "groucho-tokyo", ip(61, 131, 218, 218), 6, 22},  // CRLF, dotted quad, "tcp"
      {1362355201, "groucho-\"quoted\"", ip(1, 2, 3, 4), 17, 53},  // quoted fields
      {1362479400, "zeppo-norcal", 7, 47, kNoPort},  // GRE without ports
      {1362527999, "groucho-sa", ip(192, 168, 1, 1), 1, kNoPort},  // no final newline
  };
  CHECK(rows_of(ev) == expected);
  CHECK(ev.sensors.size() == 6);

  CHECK(counts.records_read == 17);
  CHECK(counts.records_used == 8);
  CHECK(counts.records_rejected == 9);
  CHECK(counts.records_read == counts.records_used + counts.records_rejected);
  CHECK(counts.rows_repaired == 0);
  CHECK(counts.blank_lines == 2);

  const std::vector<std::pair<std::string, std::string>> rejected = {
      {"2013-02-30 10:00:00", "bad datetime"},
      {"2013-03-05 10:00:00,groucho-eu,1.2.3.256", "bad source address"},
      {"2013-03-05 10:00:00,groucho-eu,4294967296", "bad source address"},
      {"2013-03-05 10:00:00,groucho-eu,5,TCP,,1,65536", "bad destination port"},
      {"2013-03-05 10:00:00,groucho-eu,5,SCTP", "unknown protocol"},
      {"2013-03-05 10:00:00,groucho-eu,5,TCP\n", "4 fields, the header has 7"},
      {"2013-03-05 10:00:00,groucho-eu,5,TCP,,1234,\n", "TCP row without a destination port"},
      {"2013-03-05 10:00:00,groucho-eu,5,TCP,,1,80,extra", "8 fields, the header has 7"},
      {"\"2013-03-05 10:00:00,groucho-eu", "unterminated quote"},
  };
  REQUIRE(counts.errors.size() == rejected.size());
  for (size_t i = 0; i < rejected.size(); ++i) {
    INFO(rejected[i].first);
    CHECK(counts.sorted_errors()[i].offset == line_offset(text, rejected[i].first));
    CHECK(counts.sorted_errors()[i].cause.find(rejected[i].second) != std::string::npos);
  }
}

TEST_CASE("honeypot csv: geo form with unquoted commas in locales", "[honeypot]") {
  const std::string text = slurp(data_path("marx_geo_defects.csv"));
  EventColumns ev;
  CsvCounts counts;
  CsvLayout layout = parse_honeypot_csv_buffer(text, ColumnMapping{}, ev, counts);
  CHECK(layout.columns.size() == 15);
  CHECK(layout.needed_columns == 7);
  CHECK(layout.extra_fields_repairable);
  const std::vector<Row> expected = {
      {1362347639, "groucho-oregon", 1032051418, 6, 1433},
      {1365580800, "groucho-us-east", 1249767203, 6, 3389},  // Washington, D.C. unquoted
      {1365580800, "groucho-us-east", 1249767203, 6, 3389},  // quoted: 15 fields
      {1365580801, "groucho-us-east", 1249767203, 17, 1434},  // IP + 8 empty fields
      {1367409600, "groucho-eu", 1358954497, 6, 23},  // two commas in the locale
  };
  CHECK(rows_of(ev) == expected);
  CHECK(counts.records_read == 6);
  CHECK(counts.records_used == 5);
  CHECK(counts.rows_repaired == 3);
  REQUIRE(counts.records_rejected == 1);
  CHECK(counts.sorted_errors()[0].offset == line_offset(text, "2013-05-01 12:00:01"));
  CHECK(counts.sorted_errors()[0].cause == "7 fields, the header has 15");
}

TEST_CASE("honeypot csv: splitting at every byte gives the same events", "[honeypot]") {
  for (const char* name : {"marx_defects.csv", "marx_geo_defects.csv"}) {
    const std::string text = slurp(data_path(name));
    EventColumns whole;
    CsvCounts whole_counts;
    const CsvLayout layout = parse_honeypot_csv_buffer(text, ColumnMapping{}, whole, whole_counts);
    const CsvHeaderSpan h = find_csv_header(text);
    const std::string_view all(text);
    const uint64_t n = text.size();
    // Two cut points a <= b give three ranges; a == b covers two ranges.
    for (uint64_t a = h.data_begin; a <= n; ++a) {
      for (uint64_t b = a; b <= n; b += (b - a < 3 || n - b < 3) ? 1 : 7) {
        const uint64_t cuts[4] = {h.data_begin, next_line_start(all, a), next_line_start(all, b), n};
        EventColumns merged;
        CsvCounts merged_counts;
        for (int r = 0; r < 3; ++r) {
          EventColumns part;
          CsvCounts part_counts;
          parse_honeypot_csv(all.substr(cuts[r], cuts[r + 1] - cuts[r]), cuts[r], layout, part, part_counts);
          append_events(merged, part);
          merged_counts.merge(std::move(part_counts));
        }
        INFO(name << " cuts at " << a << ", " << b);
        REQUIRE(rows_of(merged) == rows_of(whole));
        REQUIRE(merged_counts.records_read == whole_counts.records_read);
        REQUIRE(merged_counts.records_rejected == whole_counts.records_rejected);
        REQUIRE(merged_counts.blank_lines == whole_counts.blank_lines);
        REQUIRE(merged_counts.errors.size() == whole_counts.errors.size());
        for (size_t i = 0; i < merged_counts.errors.size(); ++i)
          REQUIRE(merged_counts.sorted_errors()[i].offset == whole_counts.sorted_errors()[i].offset);
      }
    }
  }
}

TEST_CASE("honeypot csv: byte ranges of a file, small blocks", "[honeypot]") {
  const std::string path = data_path("marx_defects.csv");
  const std::string text = slurp(path);
  EventColumns whole;
  CsvCounts whole_counts;
  parse_honeypot_csv_buffer(text, ColumnMapping{}, whole, whole_counts);
  const CsvFileHeader header = read_csv_file_header(path);
  CHECK(header.line == "datetime,host,src,proto,type,spt,dpt");
  CHECK(header.file_size == text.size());
  const CsvLayout layout = layout_from_header(header.line);
  for (uint64_t cut = header.data_begin; cut <= header.file_size; ++cut) {
    for (size_t block : {size_t(5), size_t(64), size_t(1) << 20}) {
      EventColumns a, b;
      CsvCounts ca, cb;
      read_honeypot_csv_range(path, header.data_begin, cut, layout, a, ca, block);
      read_honeypot_csv_range(path, cut, header.file_size, layout, b, cb, block);
      append_events(a, b);
      ca.merge(std::move(cb));
      INFO("cut " << cut << " block " << block);
      REQUIRE(rows_of(a) == rows_of(whole));
      REQUIRE(ca.records_read == whole_counts.records_read);
      REQUIRE(ca.blank_lines == whole_counts.blank_lines);
    }
  }
}

TEST_CASE("honeypot csv: column mapping reads other layouts", "[honeypot]") {
  ColumnMapping m = parse_column_mapping("dst_port=dest_port, src=source_ip,time=ts,sensor=sensor,proto=protocol,"
                                         "src_port=,icmp_type=");
  CHECK(m.dst_port == "dest_port");
  CHECK(m.src == "source_ip");
  CHECK(m.src_port.empty());
  CHECK_THROWS_AS(parse_column_mapping("port=dpt"), std::invalid_argument);
  CHECK_THROWS_AS(parse_column_mapping("dst_port"), std::invalid_argument);

  // Columns in another order, an unknown extra column in the middle, BOM.
  const std::string text =
      "\xEF\xBB\xBF" "protocol,dest_port,note,source_ip,sensor,ts\n"
      "udp,53,\"hello, world\",10.0.0.1,s1,2013-03-04 00:00:00\n"
      "ICMP,,x,10.0.0.2,s2,2013-03-04 00:00:01\n";
  EventColumns ev;
  CsvCounts counts;
  CsvLayout layout = parse_honeypot_csv_buffer(text, m, ev, counts);
  CHECK_FALSE(layout.extra_fields_repairable);  // an ignored column sits among mapped ones
  const std::vector<Row> expected = {{1362355200, "s1", ip(10, 0, 0, 1), 17, 53},
                                     {1362355201, "s2", ip(10, 0, 0, 2), 1, kNoPort}};
  CHECK(rows_of(ev) == expected);
  CHECK(counts.records_rejected == 0);

  CHECK_THROWS_AS(layout_from_header("datetime,host,src,proto,type,spt"), std::runtime_error);  // no dpt
  CsvLayout no_optional = layout_from_header("DateTime,Host,src,proto,dpt");  // case-insensitive
  CHECK(no_optional.needed_columns == 5);
}

TEST_CASE("honeypot csv: parse speed on the plain form (printed, not asserted)", "[honeypot]") {
  static const char* kHosts[] = {"groucho-eu", "groucho-norcal", "groucho-oregon", "groucho-sa", "groucho-singapore",
                                 "groucho-sydney", "groucho-tokyo", "groucho-us-east", "zeppo-norcal"};
  std::string text;
  text.reserve(60u << 20);
  char line[128];
  uint64_t rows = 0;
  for (uint32_t i = 0; text.size() < (50u << 20); ++i, ++rows) {
    uint32_t sec = i / 4;
    int n = std::snprintf(line, sizeof line, "2013-%02u-%02u %02u:%02u:%02u,%s,%u,%s,,%u,%u\n", 3 + sec / 2419200 % 6,
                          1 + sec / 86400 % 28, sec / 3600 % 24, sec / 60 % 60, sec % 60, kHosts[i % 9],
                          i * 2654435761u, i % 5 ? "TCP" : "UDP", 1024 + i % 60000, i % 7 ? 1433 : 445);
    text.append(line, size_t(n));
  }
  CsvLayout layout = layout_from_header("datetime,host,src,proto,type,spt,dpt");
  EventColumns ev;
  CsvCounts counts;
  auto t0 = std::chrono::steady_clock::now();
  parse_honeypot_csv(text, 0, layout, ev, counts);
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  CHECK(counts.records_used == rows);
  CHECK(counts.records_rejected == 0);
  WARN("honeypot csv plain form: " << text.size() / 1e6 << " MB, " << rows << " rows in " << s << " s = "
                                   << text.size() / 1e6 / s << " MB/s");
}

TEST_CASE("honeypot csv: the first 100 errors by offset survive merging ranges", "[honeypot]") {
  // 300 rows: every third has a port above 65535.
  std::string text;
  std::vector<uint64_t> bad_offsets;
  for (int i = 0; i < 300; ++i) {
    if (i % 3 == 1) bad_offsets.push_back(text.size());
    text += "2013-03-03 00:00:00,s,1,TCP,,1," + std::to_string(i % 3 == 1 ? 70000 : 80) + "\n";
  }
  const CsvLayout layout = layout_from_header("datetime,host,src,proto,type,spt,dpt");
  const std::string_view all(text);
  const uint64_t mid = next_line_start(all, text.size() / 2);
  // Parse the second half first: merging must still keep the smallest offsets.
  CsvCounts second, first;
  first.file = second.file = 4;
  EventColumns ev;
  parse_honeypot_csv(all.substr(mid), mid, layout, ev, second);
  parse_honeypot_csv(all.substr(0, mid), 0, layout, ev, first);
  second.merge(std::move(first));
  CHECK(second.records_read == 300);
  CHECK(second.records_used == 200);
  CHECK(second.records_rejected == 100);
  REQUIRE(second.errors.size() == 100);
  for (size_t i = 0; i < 100; ++i) {
    CHECK(second.sorted_errors()[i].offset == bad_offsets[i]);
    CHECK(second.sorted_errors()[i].file == 4);
  }
  // More rejects than kept: the cap holds and the smallest stay.
  CsvCounts one;
  one.errors_kept = 10;
  EventColumns ev2;
  parse_honeypot_csv(all, 0, layout, ev2, one);
  CHECK(one.records_rejected == 100);
  REQUIRE(one.errors.size() == 10);
  CHECK(one.sorted_errors().back().offset == bad_offsets[9]);
}

TEST_CASE("honeypot csv: a whole file read by 1-3 threads equals the buffer parse", "[honeypot]") {
  SynthHoneypotOptions o;
  o.days = 40;
  o.events_per_day = 3000;  // about 7 MB: several 1 MiB ranges
  o.geo = true;
  std::string text;
  write_synth_honeypot(o, [&](std::string_view s) { text.append(s); });
  char path[] = "/tmp/scanhpc_honeypot_XXXXXX";
  int fd = mkstemp(path);
  REQUIRE(fd >= 0);
  std::FILE* f = fdopen(fd, "wb");
  REQUIRE(std::fwrite(text.data(), 1, text.size(), f) == text.size());
  std::fclose(f);
  EventColumns whole;
  CsvCounts whole_counts;
  parse_honeypot_csv_buffer(text, ColumnMapping{}, whole, whole_counts);
  for (int threads : {1, 2, 3}) {
    EventColumns ev;
    CsvCounts counts;
    read_honeypot_csv_file(path, ColumnMapping{}, ev, counts, threads);
    INFO("threads " << threads);
    CHECK(counts.records_read == whole_counts.records_read);
    CHECK(counts.rows_repaired == whole_counts.rows_repaired);
    CHECK(counts.records_rejected == 0);
    CHECK(rows_of(ev) == rows_of(whole));
  }
  std::remove(path);
}

TEST_CASE("honeypot csv: many parts appended column by column = one by one", "[honeypot]") {
  // Parts numbering their sensors independently, names shared across parts.
  const std::vector<std::string> names = {"groucho-sydney", "zeppo-norc", "groucho-oregon", "harpo-tokyo"};
  std::vector<EventColumns> parts(4);
  for (size_t p = 0; p < parts.size(); ++p)
    for (uint32_t i = 0; i < 50 + 13 * p; ++i)
      parts[p].push_back(1000 + i, parts[p].sensor_id(names[(i * 7 + p) % names.size()]), 0x0a000000 + i, 6,
                         i % 1024);
  for (bool into_empty : {true, false}) {
    EventColumns one_by_one, by_columns;
    if (!into_empty)
      for (auto* e : {&one_by_one, &by_columns}) e->push_back(1, e->sensor_id("zeppo-norc"), 1, 17, 53);
    auto copy = parts;
    for (const auto& p : parts) append_events(one_by_one, p);
    append_all_events(by_columns, copy);
    INFO("into empty: " << into_empty);
    CHECK(rows_of(by_columns) == rows_of(one_by_one));
    CHECK(by_columns.sensors == one_by_one.sensors);
    for (const auto& p : copy) CHECK(p.size() == 0);
  }
}

// The one-pass marx line (honeypot_csv.cpp, fast_marx_line) against the
// general path as the oracle: the same rows with their fields in reverse
// order under a reversed header take the general path only, and every
// line keeps its length, so events, counts and errors (offsets included)
// must be the same. Rows mutated one way each: spaces, quotes, dotted and
// out-of-range sources, bad times and dates, other protocols, bad and
// missing ports, ICMP types, \r\n, blank lines, field counts, a last line
// without '\n'; several parts as ranks and threads split a file.
TEST_CASE("honeypot csv: the one-pass marx line equals the general path", "[honeypot]") {
  uint64_t state = 42;
  auto next = [&] {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return uint32_t(state >> 33);
  };
  const char* sensors[] = {"groucho-oregon", "zeppo-norcal", "groucho-eu", "a", "tokyo"};
  const char* protos[] = {"TCP", "UDP", "ICMP"};
  std::vector<std::vector<std::string>> rows;
  for (int i = 0; i < 20000; ++i) {
    char date[32];
    const unsigned day = 1 + next() % 28, hour = next() % 24, minute = next() % 60, second = next() % 60;
    std::snprintf(date, sizeof date, "2013-0%u-%02u %02u:%02u:%02u", 3 + next() % 2, day, hour, minute, second);
    const std::string proto = protos[next() % 3];
    std::vector<std::string> f = {date, sensors[next() % 5], std::to_string(next() % 4000000000u), proto,
                                  proto == "ICMP" ? std::to_string(next() % 20) : "",
                                  proto == "ICMP" ? "" : std::to_string(next() % 65536),
                                  proto == "ICMP" ? "" : std::to_string(next() % 65536)};
    if (next() % 3 == 0) {  // one mutation
      const size_t c = next() % 7;
      switch (next() % 16) {
        case 0: f[c] = " " + f[c]; break;
        case 1: f[c] += " "; break;
        case 2: f[c] = "\"" + f[c] + "\""; break;
        case 3: f[2] = "10.1.2." + std::to_string(next() % 300); break;
        case 4: f[2] = std::to_string(4294967290ull + next() % 10); break;
        case 5: f[0][9] = char('0' + next() % 10); f[0][8] = char('0' + next() % 4); break;
        case 6: f[0][11 + next() % 8] = char('0' + next() % 10); break;
        case 7: f[3] = next() % 2 ? "tcp" : "6"; break;
        case 8: f[6] = next() % 2 ? "" : std::to_string(65530 + next() % 10); break;
        case 9: f[5] = std::to_string(65530 + next() % 10); break;
        case 10: f[4] = std::to_string(250 + next() % 10); break;
        case 11: f[1] = ""; break;
        case 12: f.push_back("x"); break;
        case 13: f.pop_back(); break;
        case 14: f[c] = "0000000000" + f[c]; break;
        case 15: f[0][10] = 'T'; break;
      }
    }
    rows.push_back(std::move(f));
  }
  auto text = [&](bool reversed) {
    std::string t = reversed ? "dpt,spt,type,proto,src,host,datetime\n" : "datetime,host,src,proto,type,spt,dpt\n";
    for (size_t i = 0; i < rows.size(); ++i) {
      auto f = rows[i];
      if (reversed) std::reverse(f.begin(), f.end());
      for (size_t j = 0; j < f.size(); ++j) t += (j ? "," : "") + f[j];
      if (i % 97 == 5) t += "\r";
      if (i + 1 < rows.size()) t += i % 89 == 7 ? "\n  \n" : "\n";  // no '\n' after the last row
    }
    return t;
  };
  const std::string marx = text(false), general = text(true);
  REQUIRE(marx.size() == general.size());
  auto errors = [](const CsvCounts& c) {
    std::vector<std::pair<uint64_t, std::string>> out;
    for (const auto& e : c.errors) out.emplace_back(e.offset, e.cause);
    std::sort(out.begin(), out.end());
    return out;
  };
  for (size_t parts : {size_t(1), size_t(3), size_t(7)}) {
    EventColumns a, b;
    CsvCounts ca, cb;
    ca.errors_kept = cb.errors_kept = 100000;
    CsvLayout layout_a = layout_from_header("datetime,host,src,proto,type,spt,dpt");
    CsvLayout layout_b = layout_from_header("dpt,spt,type,proto,src,host,datetime");
    layout_a.date_form = layout_b.date_form = DateForm::iso;
    const size_t begin = marx.find('\n') + 1;
    for (size_t p = 0; p < parts; ++p) {  // cut at line starts, as the range readers do
      size_t lo = begin + (marx.size() - begin) * p / parts, hi = begin + (marx.size() - begin) * (p + 1) / parts;
      if (p > 0) lo = marx.find('\n', lo - 1) + 1;
      if (p + 1 < parts) hi = marx.find('\n', hi - 1) + 1;
      parse_honeypot_csv(std::string_view(marx).substr(lo, hi - lo), lo, layout_a, a, ca);
      parse_honeypot_csv(std::string_view(general).substr(lo, hi - lo), lo, layout_b, b, cb);
    }
    CHECK(rows_of(a) == rows_of(b));
    CHECK(ca.records_read == cb.records_read);
    CHECK(ca.records_used == cb.records_used);
    CHECK(ca.records_rejected == cb.records_rejected);
    CHECK(ca.blank_lines == cb.blank_lines);
    CHECK(ca.rows_repaired == cb.rows_repaired);
    CHECK(errors(ca) == errors(cb));
    CHECK(ca.records_rejected > 1000);  // the mutations were seen
    CHECK(ca.records_used > 10000);
  }
}
