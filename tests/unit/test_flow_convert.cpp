// FT3 -> FT4 conversion: hand-computed cases (expected records written out
// with their arithmetic) and the exactness of the quality-ratio comparison.
// The random-input comparison with a sequential oracle is in
// test_flow_convert_oracle.cpp.
#include <catch2/catch.hpp>

#include "flow_test_support.hpp"
#include "scanhpc/core/random.hpp"
#include "scanhpc/flow/convert.hpp"

using namespace scanhpc::flow;
using namespace flowtest;

namespace {

// ftconvert's test, literally: (uint64_t)count >= QUALITY_RATIO * totalpkts in doubles.
bool ftconvert_double_test(uint64_t count, double ratio, uint64_t total) {
  volatile double r = ratio;  // keep the compiler from folding to other arithmetic
  return double(count) >= r * double(total);
}

// Eight TCP flows from 1.2.3.4 to 44.1.2.3, dst_port = flow id, varying the TTL only:
// (ttl, packets) per row; size 40, src port 1000, flags SYN are constant.
const std::vector<std::vector<std::pair<uint8_t, uint64_t>>> kTtlFlows = {
    {{50, 7}, {60, 1}, {70, 1}},                                   // 1: T=9, 3 distinct
    {{10, 3}, {20, 1}, {30, 1}, {40, 1}},                          // 2: T=6, 4 distinct
    {{10, 4}, {20, 1}, {30, 1}, {40, 1}, {50, 1}, {60, 1}},        // 3: T=9, 6 distinct
    {{10, 1}, {20, 1}, {30, 3}, {40, 1}, {50, 1}, {60, 1}, {70, 1}},  // 4: T=9, 7 distinct
    {},  // 5: T=100, 14 distinct (filled below)
    {},  // 6: T=100, 15 distinct (filled below)
    {{1, 4}, {2, 3}, {3, 3}},       // 7: T=10, 3 distinct
    {{200, 10}, {100, 7}, {150, 3}},  // 8: T=20, 3 distinct, value order != count order
};

Ft3Columns ttl_flow_rows() {
  auto flows = kTtlFlows;
  flows[4] = {{1, 33}, {2, 32}, {14, 2}};  // + 11 TTLs 3..13 with 3 packets = 33; total 100
  for (uint8_t t = 3; t <= 13; ++t) flows[4].push_back({t, 3});
  flows[5] = {{1, 20}, {2, 19}, {15, 1}};  // + 12 TTLs 3..14 with 5 packets = 60; total 100
  for (uint8_t t = 3; t <= 14; ++t) flows[5].push_back({t, 5});
  Ft3Columns in;
  for (size_t f = 0; f < flows.size(); ++f) {
    for (auto [ttl, pkts] : flows[f]) {
      in.push_back(ft3(1000, ip(1, 2, 3, 4), ip(44, 1, 2, 3), 1000, uint16_t(f + 1), 6, ttl, 2, 40, pkts));
    }
  }
  return in;
}

// The expected flow with the constant dimensions filled in: one distinct
// value each, which always qualifies (count == total).
Ft4Record ttl_flow(uint16_t port, uint64_t total, uint32_t distinct_ttls, std::vector<CommonValue> ttls) {
  Ft4Record r = ft4(900, ip(1, 2, 3, 4), ip(44, 1, 0, 0), port, 6, total, {1, 1, distinct_ttls, 1, 1});
  r.common_pktsizes = {{40, total}};
  r.common_srcports = {{1000, total}};
  r.common_tcpflags = {{2, total}};
  r.common_ttls = std::move(ttls);
  return r;
}

}  // namespace

TEST_CASE("flow convert: quality ratio tables", "[flow-convert]") {
  using R = Ratio;
  // code rule: pkts < 10 keyed on distinct values, then 0.33 / 0.2
  CHECK(quality_ratio(QualityRule::code, 3, 9) == R{1, 1});
  CHECK(quality_ratio(QualityRule::code, 4, 9) == R{1, 2});
  CHECK(quality_ratio(QualityRule::code, 6, 9) == R{1, 2});
  CHECK(quality_ratio(QualityRule::code, 7, 9) == R{33, 100});
  CHECK(quality_ratio(QualityRule::code, 1, 10) == R{33, 100});
  CHECK(quality_ratio(QualityRule::code, 14, 10) == R{33, 100});
  CHECK(quality_ratio(QualityRule::code, 15, 10) == R{1, 5});
  // doc rule: keyed on total packets only
  CHECK(quality_ratio(QualityRule::doc, 99, 4) == R{1, 1});
  CHECK(quality_ratio(QualityRule::doc, 1, 5) == R{1, 2});
  CHECK(quality_ratio(QualityRule::doc, 1, 6) == R{1, 2});
  CHECK(quality_ratio(QualityRule::doc, 1, 7) == R{33, 100});
  CHECK(quality_ratio(QualityRule::doc, 1, 14) == R{33, 100});
  CHECK(quality_ratio(QualityRule::doc, 1, 15) == R{1, 5});
}

TEST_CASE("flow convert: the exact comparison equals ftconvert's double arithmetic", "[flow-convert]") {
  struct Case {
    Ratio exact;
    double as_double;
  };
  const Case cases[] = {{{1, 1}, 1.0}, {{1, 2}, 0.5}, {{33, 100}, 0.33}, {{1, 5}, 0.2}};
  uint64_t checked = 0, mismatches = 0;
  auto check_around = [&](uint64_t total) {
    for (const auto& c : cases) {
      const uint64_t edge = uint64_t((unsigned __int128)total * c.exact.num / c.exact.den);  // floor(r * T)
      for (uint64_t count = edge > 2 ? edge - 2 : 0; count <= edge + 2; ++count) {
        ++checked;
        if (reaches_ratio(count, c.exact, total) != ftconvert_double_test(count, c.as_double, total)) ++mismatches;
      }
    }
  };
  for (uint64_t total = 0; total <= 300000; ++total) check_around(total);
  scanhpc::SplitMix64 rng{42};
  for (int i = 0; i < 200000; ++i) check_around(rng.below(uint64_t(1) << 46));
  for (uint64_t k = 1; k < 200000; ++k) check_around(k * 100);  // 0.33 * T an integer: the delicate case
  CHECK(checked > 5000000);
  CHECK(mismatches == 0);
  // The boundary cases spelled out: 33 >= 0.33 * 100 and 20 >= 0.2 * 100 hold in doubles too.
  CHECK(reaches_ratio(33, {33, 100}, 100));
  CHECK(ftconvert_double_test(33, 0.33, 100));
  CHECK_FALSE(reaches_ratio(32, {33, 100}, 100));
  CHECK(reaches_ratio(20, {1, 5}, 100));
  CHECK(ftconvert_double_test(20, 0.2, 100));
}

TEST_CASE("flow convert: common values at the ratio boundaries (code rule)", "[flow-convert]") {
  const Ft4Columns out = convert_ft3_to_ft4(ttl_flow_rows(), {16, 300, QualityRule::code});
  const std::vector<Ft4Record> want = {
      // T=9 < 10, 3 distinct -> ratio 1.0: 7 < 9, nothing qualifies
      ttl_flow(1, 9, 3, {}),
      // T=6 < 10, 4 distinct -> 0.5: 3 >= 0.5*6 = 3 (exactly at the boundary)
      ttl_flow(2, 6, 4, {{10, 3}}),
      // T=9 < 10, 6 distinct -> 0.5: 4 < 4.5
      ttl_flow(3, 9, 6, {}),
      // T=9 < 10, 7 distinct -> 0.33: 3 >= 2.97, the singles are not
      ttl_flow(4, 9, 7, {{30, 3}}),
      // T=100, 14 distinct -> 0.33: 33 >= 33 (boundary), 32 < 33
      ttl_flow(5, 100, 14, {{1, 33}}),
      // T=100, 15 distinct -> 0.2: 20 >= 20 (boundary), 19 < 20
      ttl_flow(6, 100, 15, {{1, 20}}),
      // T=10 (not < 10), 3 distinct -> 0.33: 4 >= 3.3, 3 < 3.3
      ttl_flow(7, 10, 3, {{1, 4}}),
      // T=20, 3 distinct -> 0.33: threshold 6.6; kept in ascending value order 100, 200
      ttl_flow(8, 20, 3, {{100, 7}, {200, 10}}),
  };
  CHECK(texts(out) == texts(want));
}

TEST_CASE("flow convert: common values under the web page's rule (doc)", "[flow-convert]") {
  const Ft4Columns out = convert_ft3_to_ft4(ttl_flow_rows(), {16, 300, QualityRule::doc});
  REQUIRE(out.size() == 8);
  // doc ratio by total packets: 1-4 -> 1.0, 5-6 -> 0.5, 7-14 -> 0.33, 15+ -> 0.2
  CHECK(out.common_ttls.row(0) == std::vector<CommonValue>{{50, 7}});  // T=9: 7 >= 2.97
  CHECK(out.common_ttls.row(1) == std::vector<CommonValue>{{10, 3}});  // T=6: 3 >= 3
  CHECK(out.common_ttls.row(2) == std::vector<CommonValue>{{10, 4}});  // T=9: 4 >= 2.97
  CHECK(out.common_ttls.row(3) == std::vector<CommonValue>{{30, 3}});  // T=9: 3 >= 2.97
  CHECK(out.common_ttls.row(4) == std::vector<CommonValue>{{1, 33}, {2, 32}});  // T=100: >= 20
  CHECK(out.common_ttls.row(5) == std::vector<CommonValue>{{1, 20}});  // T=100: 20 >= 20, 19 < 20
  CHECK(out.common_ttls.row(6) == std::vector<CommonValue>{{1, 4}});   // T=10: 4 >= 3.3
  CHECK(out.common_ttls.row(7) == std::vector<CommonValue>{{100, 7}, {200, 10}});  // T=20: >= 4
  // the constant dimensions qualify under both rules
  CHECK(out.common_pktsizes.row(4) == std::vector<CommonValue>{{40, 100}});
}

TEST_CASE("flow convert: at most 5 common values, the smallest ones", "[flow-convert]") {
  // With packet_cnt >= 1 at most 4 values can reach 0.2 of a 15+-value flow; only a
  // zero-packet flow (every 0 >= ratio * 0) has more than 5 candidates.
  Ft3Columns in;
  for (uint8_t ttl : {70, 10, 60, 20, 50, 30, 40}) {
    in.push_back(ft3(1000, ip(1, 1, 1, 1), ip(44, 0, 0, 1), 5, 23, 6, ttl, 2, 40, 0));
  }
  const Ft4Columns out = convert_ft3_to_ft4(in);
  REQUIRE(out.size() == 1);
  CHECK(out.uniq_ttls[0] == 7);
  CHECK(out.common_ttls.row(0) == std::vector<CommonValue>{{10, 0}, {20, 0}, {30, 0}, {40, 0}, {50, 0}});
  // find_common_values directly: six zero-packet values all qualify, five are kept.
  const std::vector<std::pair<uint32_t, uint64_t>> six = {{1, 0}, {2, 0}, {3, 0}, {4, 0}, {5, 0}, {6, 0}};
  CHECK(find_common_values(six, 0, QualityRule::code).size() == kMaxCommonValues);
}

TEST_CASE("flow convert: ICMP type/code and other protocols", "[flow-convert]") {
  Ft3Columns in;
  // ICMP: FT3 holds the type in src_port and the code in dst_port.
  in.push_back(ft3(1000, ip(5, 6, 7, 8), ip(44, 1, 2, 3), 8, 0, 1, 240, 0, 28, 2));   // echo request
  in.push_back(ft3(1010, ip(5, 6, 7, 8), ip(44, 1, 9, 9), 8, 0, 1, 240, 0, 28, 1));   // echo request
  in.push_back(ft3(1020, ip(5, 6, 7, 8), ip(44, 1, 2, 3), 3, 1, 1, 50, 0, 56, 1));    // unreachable 3/1
  // other protocols: the protocol is part of the key, dst_port is 0 whatever FT3 holds
  in.push_back(ft3(1000, ip(9, 9, 9, 9), ip(44, 2, 0, 1), 0, 77, 47, 64, 0, 100, 3));  // GRE
  in.push_back(ft3(1000, ip(9, 9, 9, 9), ip(44, 2, 0, 2), 0, 0, 47, 64, 0, 120, 1));   // GRE
  in.push_back(ft3(1000, ip(9, 9, 9, 9), ip(44, 2, 0, 1), 0, 0, 50, 64, 0, 80, 2));    // ESP
  in.push_back(ft3(1000, ip(9, 9, 9, 9), ip(44, 2, 0, 1), 5353, 53, 17, 64, 0, 70, 1));  // UDP
  in.push_back(ft3(1000, ip(10, 0, 0, 1), ip(44, 2, 0, 1), 999, 22, 6, 64, 2, 60, 1));   // TCP
  const Ft4Columns out = convert_ft3_to_ft4(in);

  std::vector<Ft4Record> want;
  // ICMP first; keys 3<<8|1 = 769 before 8<<8|0 = 2048. No src ports or flags for ICMP.
  want.push_back(ft4(900, ip(5, 6, 7, 8), ip(44, 1, 0, 0), 769, 1, 1, {1, 1, 1, 0, 0}));
  want.back().common_pktsizes = {{56, 1}};
  want.back().common_ttls = {{50, 1}};
  // echo: 3 packets to 2 addresses, one size, one TTL: both qualify with 3
  want.push_back(ft4(900, ip(5, 6, 7, 8), ip(44, 1, 0, 0), 2048, 1, 3, {2, 1, 1, 0, 0}));
  want.back().common_pktsizes = {{28, 3}};
  want.back().common_ttls = {{240, 3}};
  // then TCP (although its src_ip is the largest), then UDP, then other by protocol
  want.push_back(ft4(900, ip(10, 0, 0, 1), ip(44, 2, 0, 0), 22, 6, 1, {1, 1, 1, 1, 1}));
  want.back().common_pktsizes = {{60, 1}};
  want.back().common_ttls = {{64, 1}};
  want.back().common_srcports = {{999, 1}};
  want.back().common_tcpflags = {{2, 1}};
  want.push_back(ft4(900, ip(9, 9, 9, 9), ip(44, 2, 0, 0), 53, 17, 1, {1, 1, 1, 1, 0}));
  want.back().common_pktsizes = {{70, 1}};
  want.back().common_ttls = {{64, 1}};
  want.back().common_srcports = {{5353, 1}};
  // GRE: 4 packets, sizes 100:3 and 120:1 (T=4 < 10, 2 distinct -> 1.0: neither)
  want.push_back(ft4(900, ip(9, 9, 9, 9), ip(44, 2, 0, 0), 0, 47, 4, {2, 2, 1, 0, 0}));
  want.back().common_ttls = {{64, 4}};
  want.push_back(ft4(900, ip(9, 9, 9, 9), ip(44, 2, 0, 0), 0, 50, 2, {1, 1, 1, 0, 0}));
  want.back().common_pktsizes = {{80, 2}};
  want.back().common_ttls = {{64, 2}};
  CHECK(texts(out) == texts(want));
}

TEST_CASE("flow convert: /16 versus /24 grouping of the same rows", "[flow-convert]") {
  Ft3Columns in;
  in.push_back(ft3(1000, ip(1, 1, 1, 1), ip(44, 1, 2, 3), 7, 22, 6, 50, 2, 40, 1));
  in.push_back(ft3(1000, ip(1, 1, 1, 1), ip(44, 1, 2, 4), 7, 22, 6, 50, 2, 40, 2));
  in.push_back(ft3(1000, ip(1, 1, 1, 1), ip(44, 1, 3, 5), 7, 22, 6, 60, 2, 40, 1));
  in.push_back(ft3(1000, ip(1, 1, 1, 1), ip(44, 200, 3, 5), 7, 22, 6, 60, 2, 40, 1));
  const Ft4Columns by16 = convert_ft3_to_ft4(in, {16, 300, QualityRule::code});
  REQUIRE(by16.size() == 2);
  // 44.1/16: 3 addresses, 4 packets, TTLs 50:3 60:1 (T=4 < 10, 2 distinct -> 1.0: none)
  CHECK(by16.dst_net[0] == ip(44, 1, 0, 0));
  CHECK(by16.uniq_dst_ips[0] == 3);
  CHECK(by16.packet_cnt[0] == 4);
  CHECK(by16.common_ttls.row(0).empty());
  CHECK(by16.dst_net[1] == ip(44, 200, 0, 0));
  const Ft4Columns by24 = convert_ft3_to_ft4(in, {24, 300, QualityRule::code});
  REQUIRE(by24.size() == 3);
  CHECK(by24.dst_net == std::vector<uint32_t>{ip(44, 1, 2, 0), ip(44, 1, 3, 0), ip(44, 200, 3, 0)});
  CHECK(by24.uniq_dst_ips == std::vector<uint32_t>{2, 1, 1});
  CHECK(by24.packet_cnt == std::vector<uint64_t>{3, 1, 1});
  CHECK(by24.common_ttls.row(0) == std::vector<CommonValue>{{50, 3}});  // one TTL in 44.1.2/24
  CHECK(by24.common_ttls.row(1) == std::vector<CommonValue>{{60, 1}});
}

TEST_CASE("flow convert: two intervals, first-record fields, spoofed and masscan counts", "[flow-convert]") {
  auto tag = [](Ft3Record r, uint16_t synlen, uint16_t win, const char* cont, const char* country, uint32_t asn,
                uint8_t spoofed, uint8_t masscan) {
    r.tcp_synlen = synlen; r.tcp_synwinlen = win; r.is_spoofed = spoofed; r.is_masscan = masscan;
    r.maxmind_continent = r.netacq_continent = cc(cont);
    r.maxmind_country = r.netacq_country = cc(country);
    r.prefix2asn = asn;
    return r;
  };
  Ft3Columns in;
  // r0 is the first row of flow (3.3.3.3, 44.5/16, 80) in 900..1199: a masscan-like SYN
  in.push_back(tag(ft3(1000, ip(3, 3, 3, 3), ip(44, 5, 6, 7), 40001, 80, 6, 250, 2, 40, 5), 20, 1024, "EU", "RU",
                   1111, 0, 1));
  // another flow in between, from a smaller src_ip
  in.push_back(tag(ft3(1060, ip(2, 2, 2, 2), ip(44, 5, 1, 1), 50000, 80, 6, 60, 2, 60, 1), 40, 64240, "AS", "CN",
                   4134, 0, 0));
  // r2: same flow as r0, different everything that comes from the first record
  in.push_back(tag(ft3(1120, ip(3, 3, 3, 3), ip(44, 5, 9, 9), 40000, 80, 6, 250, 18, 44, 2), 0, 0, "NA", "US", 2222,
                   1, 0));
  // r3: the same source in the next interval
  in.push_back(tag(ft3(1200, ip(3, 3, 3, 3), ip(44, 5, 6, 7), 40001, 80, 6, 250, 2, 40, 4), 20, 1024, "EU", "RU",
                   1111, 1, 1));
  const Ft4Columns out = convert_ft3_to_ft4(in);

  std::vector<Ft4Record> want;
  // interval 900 = 1060 - 1060 % 300
  want.push_back(ft4(900, ip(2, 2, 2, 2), ip(44, 5, 0, 0), 80, 6, 1, {1, 1, 1, 1, 1}));
  want.back().first_syn_length = 40; want.back().first_tcp_rwin = 64240;
  want.back().common_pktsizes = {{60, 1}}; want.back().common_ttls = {{60, 1}};
  want.back().common_srcports = {{50000, 1}}; want.back().common_tcpflags = {{2, 1}};
  want.back().maxmind_continent = want.back().netacq_continent = cc("AS");
  want.back().maxmind_country = want.back().netacq_country = cc("CN");
  want.back().prefix2asn = 4134;
  // r0 + r2: 7 packets, 2 addresses, sizes 40:5 44:2, one TTL, ports 40000:2 40001:5, flags 2:5 18:2;
  // T=7 < 10 with 2 distinct -> 1.0: only the TTL (7 of 7) qualifies. First-record fields from r0.
  // spoofed = 2 (r2), masscan = 5 (r0).
  want.push_back(ft4(900, ip(3, 3, 3, 3), ip(44, 5, 0, 0), 80, 6, 7, {2, 2, 1, 2, 2}));
  want.back().first_syn_length = 20; want.back().first_tcp_rwin = 1024;
  want.back().common_ttls = {{250, 7}};
  want.back().maxmind_continent = want.back().netacq_continent = cc("EU");
  want.back().maxmind_country = want.back().netacq_country = cc("RU");
  want.back().prefix2asn = 1111;
  want.back().spoofed_packet_cnt = 2; want.back().masscan_packet_cnt = 5;
  // interval 1200: r3 alone, 4 packets, both flags set
  want.push_back(ft4(1200, ip(3, 3, 3, 3), ip(44, 5, 0, 0), 80, 6, 4, {1, 1, 1, 1, 1}));
  want.back().first_syn_length = 20; want.back().first_tcp_rwin = 1024;
  want.back().common_pktsizes = {{40, 4}}; want.back().common_ttls = {{250, 4}};
  want.back().common_srcports = {{40001, 4}}; want.back().common_tcpflags = {{2, 4}};
  want.back().maxmind_continent = want.back().netacq_continent = cc("EU");
  want.back().maxmind_country = want.back().netacq_country = cc("RU");
  want.back().prefix2asn = 1111;
  want.back().spoofed_packet_cnt = 4; want.back().masscan_packet_cnt = 4;
  CHECK(texts(out) == texts(want));

  // One-hour intervals put everything in 0 (1000 - 1000 % 3600) and merge r3 into the flow.
  const Ft4Columns hour = convert_ft3_to_ft4(in, {16, 3600, QualityRule::code});
  REQUIRE(hour.size() == 2);
  CHECK(hour.time == std::vector<uint32_t>{0, 0});
  CHECK(hour.packet_cnt == std::vector<uint64_t>{1, 11});
  CHECK(hour.masscan_packet_cnt[1] == 9);
  CHECK(hour.spoofed_packet_cnt[1] == 6);
}

TEST_CASE("flow convert: options are checked, empty input gives no flows", "[flow-convert]") {
  CHECK_THROWS_AS(convert_ft3_to_ft4(Ft3Columns{}, {8, 300, QualityRule::code}), std::invalid_argument);
  CHECK_THROWS_AS(convert_ft3_to_ft4(Ft3Columns{}, {16, 0, QualityRule::code}), std::invalid_argument);
  CHECK(convert_ft3_to_ft4(Ft3Columns{}).size() == 0);
  Ft3Columns ragged;
  ragged.push_back(ft3(1000, ip(1, 1, 1, 1), ip(44, 0, 0, 1), 5, 23, 6, 50, 2, 40, 1));
  ragged.ttl.push_back(60);
  CHECK_THROWS_AS(convert_ft3_to_ft4(ragged), std::invalid_argument);
}
