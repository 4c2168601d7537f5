// Synthetic FT3 telescope traffic: determinism, FT3 invariants, and the
// planted profiles (checked on the generator's output and after conversion).
#include <catch2/catch.hpp>
#include <chrono>
#include <iostream>
#include <map>
#include <set>
#include <tuple>

#include "flow_test_support.hpp"
#include "scanhpc/flow/convert.hpp"
#include "scanhpc/flow/synth_flowtuple.hpp"

using namespace scanhpc::flow;
using namespace flowtest;

namespace {

Ft3Columns generate_all(const SynthFlowOptions& opt, std::vector<uint32_t>* minute_starts = nullptr,
                        std::vector<size_t>* minute_sizes = nullptr) {
  Ft3Columns all;
  generate_ft3(opt, [&](uint32_t t, const Ft3Columns& m) {
    if (minute_starts) minute_starts->push_back(t);
    if (minute_sizes) minute_sizes->push_back(m.size());
    all.append(m);
  });
  return all;
}

SynthFlowOptions small(uint64_t seed = 7) {
  SynthFlowOptions o;
  o.seed = seed;
  o.minutes = 3;
  o.records_per_minute = 4000;
  o.sweep_per_minute = 200;
  return o;
}

bool same(const Ft3Columns& a, const Ft3Columns& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    if (!(a.row(i) == b.row(i))) return false;
  }
  return true;
}

// The reference's is_spoofed rules, written again here from flowtuple.md.
bool expect_spoofed(const Ft3Record& r, bool masscan) {
  const bool tcp = r.protocol == 6, udp = r.protocol == 17;
  const std::set<int> ok_flags = {0x02, 0x10, 0x04, 0x01, 0x03, 0x12, 0x11, 0x18, 0x19};
  return (!tcp && !udp && r.protocol != 1 && r.protocol != 41) || (tcp && !ok_flags.count(r.tcp_flags)) ||
         (r.ttl >= 200 && r.protocol != 1 && !masscan) || (r.src_ip & 0xFF) == 0 || (r.src_ip & 0xFF) == 255 ||
         r.src_ip == r.dst_ip || ((tcp || udp) && (r.src_port == 0 || r.dst_port == 0)) || (udp && r.dst_port == 80);
}

bool is_letter_code(Code2 c) {
  const std::string s = code2_text(c);
  return (s == "??") || (s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z');
}

}  // namespace

TEST_CASE("flow synth: deterministic in the options", "[flow-synth]") {
  const Ft3Columns a = generate_all(small(7)), b = generate_all(small(7));
  CHECK(a.size() > 10000);
  CHECK(same(a, b));
  CHECK_FALSE(same(a, generate_all(small(8))));
  SynthFlowOptions later = small(7);
  later.start_time += 60;
  CHECK_FALSE(same(a, generate_all(later)));
  CHECK(planted_sweepers(small(7)).size() == 6);
  SynthFlowOptions bad = small(7);
  bad.telescope_prefix_len = 20;
  CHECK_THROWS_AS(generate_all(bad), std::invalid_argument);
}

TEST_CASE("flow synth: FT3 invariants per minute", "[flow-synth]") {
  SynthFlowOptions opt = small(11);
  opt.start_time = 1612130111;  // rounded down to 1612130100
  std::vector<uint32_t> starts;
  uint64_t rows = 0, masscan = 0, spoofed = 0;
  generate_ft3(opt, [&](uint32_t t, const Ft3Columns& m) {
    starts.push_back(t);
    std::set<std::tuple<uint32_t, uint32_t, uint16_t, uint16_t, uint8_t, uint8_t, uint8_t, uint16_t>> keys;
    for (size_t i = 0; i < m.size(); ++i) {
      const Ft3Record r = m.row(i);
      ++rows;
      INFO("row " << i << " proto " << int(r.protocol) << " src " << r.src_ip);
      keys.insert({r.src_ip, r.dst_ip, r.src_port, r.dst_port, r.protocol, r.ttl, r.tcp_flags, r.ip_len});
      REQUIRE(r.time == t);
      REQUIRE(r.packet_cnt >= 1);
      REQUIRE((r.dst_ip >> 24) == 44);  // inside 44.0.0.0/8
      REQUIRE((r.src_ip >> 24) != 44);
      if (r.protocol == 1) {  // ICMP: type in src_port (8 echo, 3 unreachable), code in dst_port
        REQUIRE((r.src_port == 8 || r.src_port == 3));
        REQUIRE(r.dst_port < 256);
        REQUIRE((r.src_port == 3 || r.dst_port == 0));
      }
      if (r.protocol != 6) REQUIRE(r.tcp_flags == 0);
      // SYN length and window only for pure SYNs
      if (r.tcp_flags != 0x02) REQUIRE((r.tcp_synlen == 0 && r.tcp_synwinlen == 0));
      const bool masscan_expected = r.protocol == 6 && r.tcp_flags == 0x02 && r.tcp_synlen == 20 && r.ttl >= 200 &&
                                    r.tcp_synwinlen == 1024;
      REQUIRE(bool(r.is_masscan) == masscan_expected);
      REQUIRE(bool(r.is_spoofed) == expect_spoofed(r, masscan_expected));
      masscan += r.is_masscan;
      spoofed += r.is_spoofed;
      REQUIRE(is_letter_code(r.netacq_country));
      REQUIRE(is_letter_code(r.maxmind_country));
      REQUIRE(is_letter_code(r.netacq_continent));
      REQUIRE(is_letter_code(r.maxmind_continent));
      if (i > 0) {  // sorted by the FT3 key
        const Ft3Record p = m.row(i - 1);
        REQUIRE(std::tie(p.src_ip, p.dst_ip, p.src_port, p.dst_port, p.protocol, p.ttl, p.tcp_flags, p.ip_len) <
                std::tie(r.src_ip, r.dst_ip, r.src_port, r.dst_port, r.protocol, r.ttl, r.tcp_flags, r.ip_len));
      }
    }
    CHECK(keys.size() == m.size());  // unique on the FT3 key
  });
  CHECK(starts == std::vector<uint32_t>{1612130100, 1612130160, 1612130220});
  CHECK(masscan > 0);
  CHECK(spoofed > 0);
  CHECK(spoofed < rows / 2);
}

TEST_CASE("flow synth: geo tags per source /16, continents consistent", "[flow-synth]") {
  const Ft3Columns all = generate_all(small(3));
  const std::map<std::string, std::string> continent = {{"CN", "AS"}, {"US", "NA"}, {"RU", "EU"}, {"BR", "SA"},
                                                        {"IN", "AS"}, {"NL", "EU"}, {"SC", "AF"}, {"DE", "EU"}};
  std::map<uint32_t, std::tuple<Code2, Code2, uint32_t>> per16;
  size_t agree = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const auto tags = std::make_tuple(all.netacq_country[i], all.maxmind_country[i], all.prefix2asn[i]);
    auto [it, fresh] = per16.try_emplace(all.src_ip[i] >> 16, tags);
    REQUIRE(it->second == tags);  // stable per source /16
    const auto c = continent.find(code2_text(all.netacq_country[i]));
    if (c != continent.end()) REQUIRE(code2_text(all.netacq_continent[i]) == c->second);
    agree += all.netacq_country[i] == all.maxmind_country[i];
  }
  CHECK(agree * 100 > all.size() * 90);  // mostly agreeing
  CHECK(agree < all.size());            // but not always
}

TEST_CASE("flow synth: planted profiles", "[flow-synth]") {
  SynthFlowOptions opt = small(5);
  opt.minutes = 10;
  opt.records_per_minute = 20000;
  std::vector<uint32_t> starts;
  const Ft3Columns all = generate_all(opt, &starts);
  std::map<std::string, uint64_t> high_ttl_by_country;  // FT3 records with TTL >= 200
  std::map<uint32_t, uint64_t> per_minute_130;
  uint64_t telnet = 0, tcp_syn = 0, backscatter = 0, echo = 0, unreach = 0, udp_known = 0, gre = 0;
  for (size_t i = 0; i < all.size(); ++i) {
    const Ft3Record r = all.row(i);
    if (r.ttl >= 200) ++high_ttl_by_country[code2_text(r.netacq_country)];
    if ((r.src_ip >> 24) == 130) ++per_minute_130[r.time];
    if (r.protocol == 6 && r.tcp_flags == 0x02) {
      ++tcp_syn;
      telnet += r.dst_port == 23 || r.dst_port == 2323;
    }
    const bool from_web = r.src_port == 80 || r.src_port == 443;
    backscatter += r.protocol == 6 && from_web && (r.tcp_flags == 0x12 || r.tcp_flags == 0x04);
    echo += r.protocol == 1 && r.src_port == 8;
    unreach += r.protocol == 1 && r.src_port == 3;
    udp_known += r.protocol == 17 && (r.dst_port == 53 || r.dst_port == 123 || r.dst_port == 1900);
    gre += r.protocol == 47;
  }
  const uint64_t n = all.size();
  CHECK(telnet * 100 > tcp_syn * 40);  // Mirai-style telnet is the largest SYN profile
  CHECK(backscatter * 100 > n * 10);
  CHECK(echo > 0);
  CHECK(unreach > 0);
  CHECK(udp_known > 0);
  CHECK(gre > 0);
  CHECK(gre * 100 < n * 2);
  // 130.0.0.0/8 in every minute
  CHECK(per_minute_130.size() == starts.size());
  // RU leads TTL >= 200 by FT3 records (sweepers and the high-TTL scanners)
  std::string top;
  for (const auto& [c, k] : high_ttl_by_country) {
    if (top.empty() || k > high_ttl_by_country[top]) top = c;
  }
  CHECK(top == "RU");

  // After conversion to 5-minute /16 FT4: RU also leads flows with a common TTL >= 200
  // (filterFlowtuplesByCommonValue on common_ttls, then count flows per netacq_country).
  const Ft4Columns ft4 = convert_ft3_to_ft4(all, {16, 300, QualityRule::code});
  std::map<std::string, uint64_t> flows_by_country;
  std::set<uint32_t> intervals_130;
  for (size_t i = 0; i < ft4.size(); ++i) {
    for (const auto& cv : ft4.common_ttls.row(i)) {
      if (cv.value >= 200) {
        ++flows_by_country[code2_text(ft4.netacq_country[i])];
        break;
      }
    }
    if ((ft4.src_ip[i] >> 24) == 130) intervals_130.insert(ft4.time[i]);
  }
  uint64_t best_other = 0;
  for (const auto& [c, k] : flows_by_country) {
    if (c != "RU") best_other = std::max(best_other, k);
  }
  CHECK(flows_by_country["RU"] > 2 * best_other);
  CHECK(intervals_130.size() == 2);  // 10 minutes from an aligned start: two 5-minute intervals
}

TEST_CASE("flow synth: a Russian sweeper covers >= 60,000 addresses of a /16 in an hour", "[flow-synth]") {
  SynthFlowOptions opt;
  opt.seed = 2021;
  opt.minutes = 60;
  opt.records_per_minute = 3000;  // small background; the sweepers come on top
  const Ft4Columns hour = convert_ft3_to_ft4(generate_all(opt), {16, 3600, QualityRule::code});
  const auto planted = planted_sweepers(opt);
  REQUIRE(planted.size() == 6);
  std::set<uint32_t> wide_sources;
  uint64_t ru_wide = 0, ru_flows = 0;
  for (size_t i = 0; i < hour.size(); ++i) {
    const bool ru = code2_text(hour.netacq_country[i]) == "RU";
    ru_flows += ru;
    if (hour.uniq_dst_ips[i] >= 60000) {
      wide_sources.insert(hour.src_ip[i]);
      ru_wide += ru;
    }
  }
  // exactly the planted sweepers, each with one flow; 3 of them Russian (1100 a minute: 60 * 1100 > 65536)
  std::set<uint32_t> planted_sources;
  for (const auto& s : planted) planted_sources.insert(s.src_ip);
  CHECK(wide_sources == planted_sources);
  CHECK(ru_wide == 3);
  CHECK(ru_flows > ru_wide);  // the share asked for is small but not zero
  std::cout << "synth: RU flows " << ru_flows << ", of which >= 60000 addresses: " << ru_wide << "\n";
}

TEST_CASE("flow synth: minutes streamed into 5-minute FT4 equal one conversion", "[flow-synth]") {
  SynthFlowOptions opt = small(13);
  opt.start_time = 1612130220;  // not on a 5-minute boundary: the first interval is partial
  opt.minutes = 12;
  Ft4Columns streamed;
  std::vector<uint32_t> intervals;
  Ft4IntervalStream stream({16, 300, QualityRule::code}, [&](uint32_t t, const Ft4Columns& flows) {
    intervals.push_back(t);
    streamed.append(flows);
  });
  Ft3Columns all;
  generate_ft3(opt, [&](uint32_t, const Ft3Columns& minute) {
    all.append(minute);
    stream.add(minute);
  });
  stream.finish();
  // 22:57..23:08: intervals 22:55, 23:00, 23:05
  CHECK(intervals == std::vector<uint32_t>{1612130100, 1612130400, 1612130700});
  CHECK(first_difference(texts(streamed), texts(convert_ft3_to_ft4(all))) == "");
  // a row of an interval already emitted is refused
  Ft3Columns late;
  late.push_back(all.row(0));
  CHECK_THROWS_AS(stream.add(late), std::invalid_argument);
}

TEST_CASE("flow synth: rate varies over the day, 1 M records timed", "[flow-synth]") {
  SynthFlowOptions opt = small(9);
  opt.minutes = 1;
  opt.sweepers = 0;
  opt.start_time = 1612137600;  // 00:00 UTC: the daily low
  std::vector<size_t> night, noon;
  generate_all(opt, nullptr, &night);
  opt.start_time += 720 * 60;  // 12:00 UTC: the daily high
  generate_all(opt, nullptr, &noon);
  CHECK(noon[0] * 10 > night[0] * 15);

  SynthFlowOptions big;
  big.start_time = 1612137600 + 720 * 60;  // noon: 130,000 background records a minute
  big.minutes = 8;
  big.records_per_minute = 100000;
  const auto t0 = std::chrono::steady_clock::now();
  Ft3Columns all;
  generate_ft3(big, [&](uint32_t, const Ft3Columns& m) { all.append(m); });
  const auto t1 = std::chrono::steady_clock::now();
  const Ft4Columns ft4 = convert_ft3_to_ft4(all);
  const auto t2 = std::chrono::steady_clock::now();
  CHECK(all.size() > 1000000);
  std::cout << "synth: " << all.size() << " FT3 records generated in "
            << std::chrono::duration<double>(t1 - t0).count() << " s, converted to " << ft4.size()
            << " FT4 flows (/16, 300 s) in " << std::chrono::duration<double>(t2 - t1).count() << " s\n";
}

TEST_CASE("flow synth: --source-net puts every source in one prefix, many of them", "[flow-synth]") {
  SynthFlowOptions opt = small(5);
  opt.source_net = (45u << 24) | (33u << 16);
  opt.source_prefix_len = 16;
  const Ft3Columns all = generate_all(opt);
  REQUIRE(all.size() > 10000);
  std::set<uint32_t> sources;
  for (size_t i = 0; i < all.size(); ++i) {
    REQUIRE(all.src_ip[i] >> 16 == ((45u << 8) | 33u));
    sources.insert(all.src_ip[i]);
  }
  CHECK(sources.size() > 100);  // a skewed prefix, not one source
  SynthFlowOptions bad = opt;
  bad.source_net = 10u << 24;  // private space
  CHECK_THROWS_AS(generate_all(bad), std::invalid_argument);
  bad.source_net = opt.source_net | 1;  // host bits
  CHECK_THROWS_AS(generate_all(bad), std::invalid_argument);
  bad = opt;
  bad.source_net = 0x2C000000;  // the telescope itself
  bad.source_prefix_len = 16;
  CHECK_THROWS_AS(generate_all(bad), std::invalid_argument);
}
