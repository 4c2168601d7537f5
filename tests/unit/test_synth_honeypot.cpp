// Synthetic honeypot logs: determinism, every row readable, and the planted
// structure visible in counts made here from the parsed rows or raw lines.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "scanhpc/ports/honeypot_csv.hpp"
#include "scanhpc/ports/synth_honeypot.hpp"

using namespace scanhpc::ports;

namespace {

std::string generate(const SynthHoneypotOptions& o, SynthHoneypotTruth* truth = nullptr) {
  std::string out;
  SynthHoneypotTruth t = write_synth_honeypot(o, [&](std::string_view s) { out.append(s); });
  if (truth) *truth = t;
  return out;
}

std::vector<std::string_view> data_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  size_t p = text.find('\n') + 1;  // after the header
  while (p < text.size()) {
    size_t nl = text.find('\n', p);
    lines.push_back(text.substr(p, nl - p));
    p = nl + 1;
  }
  return lines;
}

}  // namespace

TEST_CASE("synth honeypot: the bytes depend only on the options", "[honeypot]") {
  SynthHoneypotOptions o;
  o.days = 5;
  o.events_per_day = 500;
  const std::string a = generate(o), b = generate(o);
  CHECK(a == b);
  CHECK(a.rfind("datetime,host,src,proto,type,spt,dpt\n2013-03-03 ", 0) == 0);
  o.seed = 2;
  CHECK(generate(o) != a);
  o.seed = 1;

  std::FILE* f = std::tmpfile();
  REQUIRE(f);
  write_synth_honeypot(o, f);
  std::string back(size_t(std::ftell(f)), '\0');
  std::rewind(f);
  CHECK(std::fread(back.data(), 1, back.size(), f) == back.size());
  std::fclose(f);
  CHECK(back == a);
}

TEST_CASE("synth honeypot: the reader takes every row, plain and geo", "[honeypot]") {
  for (bool geo : {false, true}) {
    SynthHoneypotOptions o;
    o.seed = 7;
    o.days = 20;
    o.sensors = 11;  // two beyond marx's names
    o.events_per_day = 1500;
    o.geo = geo;
    SynthHoneypotTruth truth;
    const std::string text = generate(o, &truth);
    const auto lines = data_lines(text);
    EventColumns ev;
    CsvCounts counts;
    parse_honeypot_csv_buffer(text, ColumnMapping{}, ev, counts);
    INFO("geo " << geo);
    CHECK(counts.records_rejected == 0);
    CHECK(counts.records_read == lines.size());
    CHECK(ev.size() == truth.rows);
    CHECK(ev.sensors.size() == 11);
    uint64_t tcp = 0, udp = 0, icmp = 0, icmp_with_port = 0;
    for (size_t i = 0; i < ev.size(); ++i) {
      tcp += ev.proto[i] == 6;
      udp += ev.proto[i] == 17;
      icmp += ev.proto[i] == 1;
      icmp_with_port += ev.proto[i] == 1 && ev.dst_port[i] != kNoPort;
    }
    CHECK(tcp == truth.tcp_rows);
    CHECK(udp == truth.udp_rows);
    CHECK(icmp == truth.icmp_rows);
    CHECK(icmp_with_port == 0);
    CHECK(tcp > udp);
    CHECK(udp > icmp);
    CHECK(icmp > 0);
    // Rows are in time order.
    CHECK(std::is_sorted(ev.time.begin(), ev.time.end()));
    CHECK(ev.time.front() >= 15767u * 86400);
    CHECK(ev.time.back() < (15767u + 20) * 86400);
    if (geo) {
      // Lines with more than 15 fields, counted on the raw text.
      uint64_t long_lines = 0;
      for (auto l : lines) long_lines += std::count(l.begin(), l.end(), ',') > 14;
      CHECK(long_lines > 0);
      CHECK(truth.comma_locale_rows > 0);
      CHECK(truth.failed_geo_rows > 0);
      CHECK(long_lines == truth.comma_locale_rows + truth.failed_geo_rows);
      CHECK(counts.rows_repaired == long_lines);
    }
  }
}

TEST_CASE("synth honeypot: planted structure is visible", "[honeypot]") {
  SynthHoneypotOptions o;
  o.seed = 3;
  o.days = 120;
  o.events_per_day = 1200;
  SynthHoneypotTruth truth;
  const std::string text = generate(o, &truth);
  EventColumns ev;
  CsvCounts counts;
  parse_honeypot_csv_buffer(text, ColumnMapping{}, ev, counts);
  REQUIRE(counts.records_rejected == 0);

  SECTION("exact duplicate lines") {
    const auto lines = data_lines(text);
    uint64_t adjacent_dups = 0;
    for (size_t i = 1; i < lines.size(); ++i) adjacent_dups += lines[i] == lines[i - 1];
    CHECK(truth.duplicate_rows > 0);
    CHECK(adjacent_dups >= truth.duplicate_rows);
    CHECK(adjacent_dups < lines.size() / 50);  // a small rate
  }
  SECTION("bursts stand out in per-day counts at their sensor") {
    REQUIRE(!truth.bursts.empty());
    for (const HoneypotBurst& b : truth.bursts) {
      std::map<uint32_t, uint64_t> per_day;
      uint32_t sensor = uint32_t(std::find(ev.sensors.begin(), ev.sensors.end(), truth.sensors[b.sensor]) -
                                 ev.sensors.begin());
      for (size_t i = 0; i < ev.size(); ++i)
        if (ev.sensor[i] == sensor && ev.proto[i] == b.proto && ev.dst_port[i] == b.port)
          ++per_day[ev.time[i] / 86400 - o.start_day];
      uint64_t others = 0;
      for (auto [d, n] : per_day)
        if (d != b.day) others = std::max(others, n);
      INFO("burst sensor " << b.sensor << " day " << b.day << " port " << b.port);
      CHECK(per_day[b.day] >= b.rows);
      CHECK(per_day[b.day] > 3 * others);
    }
  }
  SECTION("port ranking, TCP and UDP versions of a number") {
    std::map<std::pair<uint8_t, uint32_t>, uint64_t> by_port;
    for (size_t i = 0; i < ev.size(); ++i) ++by_port[{ev.proto[i], ev.dst_port[i]}];
    uint64_t top_tcp = 0;
    for (auto& [k, n] : by_port)
      if (k.first == 6 && k.second != 1433) top_tcp = std::max(top_tcp, n);
    CHECK(by_port[{6, 1433}] > 2 * top_tcp);  // 1433 far ahead, as in seed 003
    CHECK(by_port[{17, 1434}] > 4 * by_port[{6, 1434}]);  // TCP 1434 only from neighbour probes
    CHECK(by_port[{6, 1434}] > 0);
    CHECK(by_port[{17, 5060}] > by_port[{17, 53}]);
  }
  SECTION("sources repeat: unique sources per sensor, day and port < rows") {
    std::set<std::tuple<uint32_t, uint32_t, uint8_t, uint32_t, uint32_t>> unique;
    for (size_t i = 0; i < ev.size(); ++i)
      unique.insert({ev.time[i] / 86400, ev.sensor[i], ev.proto[i], ev.dst_port[i], ev.src[i]});
    CHECK(unique.size() < ev.size() * 9 / 10);
    std::set<uint32_t> sources(ev.src.begin(), ev.src.end());
    CHECK(sources.size() < ev.size() / 2);
  }
  SECTION("TCP 23 rises month by month") {
    uint64_t first = 0, last = 0, first_all = 0, last_all = 0;
    for (size_t i = 0; i < ev.size(); ++i) {
      uint32_t day = ev.time[i] / 86400 - o.start_day;
      bool tcp23 = ev.proto[i] == 6 && ev.dst_port[i] == truth.rising_tcp_port;
      if (day < 30) first += tcp23, ++first_all;
      if (day >= 90) last += tcp23, ++last_all;
    }
    // share in the last month > twice the share in the first
    CHECK(last * first_all > 2 * first * last_all);
  }
  SECTION("neighbour probing: sources on TCP 1433 that then try 1434") {
    std::set<std::tuple<uint32_t, uint32_t, uint32_t>> on_1433;  // day, sensor, source
    for (size_t i = 0; i < ev.size(); ++i)
      if (ev.proto[i] == 6 && ev.dst_port[i] == 1433) on_1433.insert({ev.time[i] / 86400, ev.sensor[i], ev.src[i]});
    uint64_t followed = 0;
    for (size_t i = 0; i < ev.size(); ++i)
      if (ev.proto[i] == 6 && ev.dst_port[i] == 1434) followed += on_1433.count({ev.time[i] / 86400, ev.sensor[i], ev.src[i]});
    CHECK(truth.neighbour_probes > 0);
    CHECK(followed > 0);
  }
  SECTION("sensors have different base rates") {
    std::vector<uint64_t> per_sensor(ev.sensors.size());
    for (uint32_t s : ev.sensor) ++per_sensor[s];
    auto [lo, hi] = std::minmax_element(per_sensor.begin(), per_sensor.end());
    CHECK(*hi > 3 * *lo);  // us-east (16) vs zeppo-norcal (4)
  }
}

TEST_CASE("synth honeypot: tiny and invalid options", "[honeypot]") {
  SynthHoneypotOptions o;
  o.sensors = 1;
  o.days = 1;
  o.events_per_day = 0;  // only the planted burst remains
  SynthHoneypotTruth truth;
  const std::string text = generate(o, &truth);
  REQUIRE(truth.bursts.size() == 1);
  CHECK(truth.bursts[0].rows == 40);
  CHECK(truth.rows == 40 + truth.duplicate_rows);
  EventColumns ev;
  CsvCounts counts;
  parse_honeypot_csv_buffer(text, ColumnMapping{}, ev, counts);
  CHECK(counts.records_rejected == 0);
  CHECK(ev.size() == truth.rows);
  o.days = 0;
  CHECK_THROWS_AS(plan_synth_honeypot(o), std::invalid_argument);
}
