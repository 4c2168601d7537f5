// FT4 queries: parsing, selection, top-N and series against hand-computed
// values and a plainly written oracle, also when rows are split by source
// prefix as ranks split them.
#include <catch2/catch.hpp>

#include <map>
#include <set>

#include "scanhpc/core/random.hpp"
#include "scanhpc/flow/query.hpp"

using namespace scanhpc;
using namespace scanhpc::flow;

namespace {

Ft4Record rec(uint32_t time, uint32_t src, uint32_t dst_net, uint16_t port, const char* country, uint64_t packets,
              uint32_t dst_ips, std::vector<CommonValue> ttls = {}, uint32_t asn = 0) {
  Ft4Record r;
  r.time = time; r.src_ip = src; r.dst_net = dst_net; r.dst_port = port; r.protocol = 6;
  r.netacq_country = *parse_code2(country); r.packet_cnt = packets; r.uniq_dst_ips = dst_ips;
  r.common_ttls = std::move(ttls); r.prefix2asn = asn;
  return r;
}

// Six hand-made flows: three intervals, four countries.
Ft4Columns hand_made() {
  Ft4Columns c;
  c.push_back(rec(300, 0x82010101, 0x2c010000, 23, "RU", 10, 65000, {{240, 10}}, 100));  // 130.1.1.1
  c.push_back(rec(300, 0x82010102, 0x2c020000, 23, "CN", 5, 2, {{64, 5}}, 100));
  c.push_back(rec(300, 0x01020304, 0x2c010000, 80, "US", 1, 1, {{200, 1}, {250, 1}}, 200));  // two ranges hit
  c.push_back(rec(600, 0x82010101, 0x2c030000, 445, "RU", 7, 60000, {{255, 7}}, 100));
  c.push_back(rec(600, 0x05060708, 0x2c010000, 23, "BR", 3, 3, {}, 300));
  c.push_back(rec(900, 0x82090909, 0x2c010000, 23, "RU", 2, 59999, {{128, 2}}, 400));
  return c;
}

}  // namespace

TEST_CASE("flow query: conditions, common filters and prefixes parse or fail clearly", "[flow-query]") {
  auto c = parse_condition("netacq_country == RU");
  CHECK(c.field == Field::netacq_country);
  CHECK(c.op == Op::eq);
  CHECK(c.value == *parse_code2("RU"));
  CHECK(parse_condition("uniq_dst_ips>=60000").value == 60000);
  CHECK(parse_condition("uniq_dst_ips>=60000").op == Op::ge);
  CHECK(parse_condition("src_ip != 1.2.3.4").value == 0x01020304);
  CHECK(parse_condition("dst_port < 1024").op == Op::lt);
  CHECK_THROWS_WITH(parse_condition("nosuch == 1"), Catch::Contains("unknown field 'nosuch'"));
  CHECK_THROWS_WITH(parse_condition("netacq_country == RUS"), Catch::Contains("two-letter"));
  CHECK_THROWS_WITH(parse_condition("dst_port == x"), Catch::Contains("unsigned integer"));
  CHECK_THROWS_WITH(parse_condition("dst_port 80"), Catch::Contains("field OP value"));

  auto f = parse_common_filter("ttls=200-255,64");
  CHECK(f.array == CommonArray::ttls);
  CHECK(f.ranges == std::vector<std::pair<uint32_t, uint32_t>>{{200, 255}, {64, 64}});
  CHECK(parse_common_filter("common_pktsizes=40-60").array == CommonArray::pktsizes);
  CHECK_THROWS_WITH(parse_common_filter("ttls=255-200"), Catch::Contains("bad range"));
  CHECK_THROWS_WITH(parse_common_filter("sizes=1-2"), Catch::Contains("unknown common-value array"));

  auto p = parse_prefixes({"130.0.0.0/8", "1.2.3.77/24"});
  CHECK(p.matches(0x82FFFFFF));
  CHECK(p.matches(0x010203FF));
  CHECK_FALSE(p.matches(0x01020400));
  CHECK_THROWS(parse_prefixes({"130.0.0.0/33"}));
}

TEST_CASE("flow query: selection by time, prefix, common values and conditions", "[flow-query]") {
  const Ft4Columns c = hand_made();
  Selection all;
  CHECK(local_select(c, all) == std::vector<uint32_t>{0, 1, 2, 3, 4, 5});
  CHECK(all.describe() == "all");

  Selection s;
  s.time_from = 300;
  s.time_to = 600;  // inclusive, as the helper's time <= end
  CHECK(local_select(c, s) == std::vector<uint32_t>{0, 1, 2, 3, 4});

  Selection net;
  net.sources = parse_prefixes({"130.0.0.0/8"});
  CHECK(local_select(c, net) == std::vector<uint32_t>{0, 1, 3, 5});

  // Row 2 has two TTLs in two ranges: selected once.
  Selection ttl;
  ttl.common.push_back(parse_common_filter("ttls=200-220,240-255"));
  CHECK(local_select(c, ttl) == std::vector<uint32_t>{0, 2, 3});

  Selection ru;
  ru.where = {parse_condition("netacq_country == RU"), parse_condition("uniq_dst_ips >= 60000")};
  CHECK(local_select(c, ru) == std::vector<uint32_t>{0, 3});
  CHECK(ru.describe() == "netacq_country == RU AND uniq_dst_ips >= 60000");
}

TEST_CASE("flow query: top values by flows, packets and destination IPs, with Other", "[flow-query]") {
  const Ft4Columns c = hand_made();
  const auto rows = local_select(c, Selection{});
  // By flows: RU 3, BR 1, CN 1, US 1 (ties by value: BR < CN < US).
  auto top = top_rows(local_top_counts(c, rows, Field::netacq_country, Metric::flows), Field::netacq_country, 2);
  REQUIRE(top.size() == 3);
  CHECK(top[0] == TopRow{1, "RU", 3, 0.5, 0.5});
  CHECK(top[1] == TopRow{2, "BR", 1, 1.0 / 6, 4.0 / 6});
  CHECK(top[2].value == "Other");
  CHECK(top[2].rank == 3);
  CHECK(top[2].count == 2);
  CHECK(top[2].cumpct == 1.0);
  // By packets: RU 19, CN 5, BR 3, US 1 of 28; n = 4 leaves no Other.
  auto pk = top_rows(local_top_counts(c, rows, Field::netacq_country, Metric::packets), Field::netacq_country, 4);
  REQUIRE(pk.size() == 4);
  CHECK(pk[0].count == 19);
  CHECK(pk[1].value == "CN");
  CHECK(pk[3].cumpct == Approx(1.0));
  // By unique destination IPs, on an IP field.
  auto ips = top_rows(local_top_counts(c, rows, Field::dst_net, Metric::dst_ips), Field::dst_net, 1);
  CHECK(ips[0].value == "44.1.0.0");
  CHECK(ips[0].count == 65000 + 1 + 3 + 59999);
  CHECK(ips[1].count == 60000 + 2);
}

TEST_CASE("flow query: series per interval", "[flow-query]") {
  const Ft4Columns c = hand_made();
  Selection net;
  net.sources = parse_prefixes({"130.0.0.0/8"});
  auto rows = series_rows(local_series_keys(c, local_select(c, net)));
  // 300: rows 0,1: 15 packets, 2 sources, 2 nets, 1 ASN; 600: row 3; 900: row 5.
  REQUIRE(rows.size() == 3);
  CHECK(rows[0] == SeriesRow{300, 15, 2, 2, 1});
  CHECK(rows[1] == SeriesRow{600, 7, 1, 1, 1});
  CHECK(rows[2] == SeriesRow{900, 2, 1, 1, 1});
}

TEST_CASE("flow query: partials split by source prefix add up to the whole", "[flow-query]") {
  // Random rows; the oracle is a plain loop over all of them.
  Ft4Columns c;
  SplitMix64 rng{42};
  const char* countries[] = {"RU", "CN", "US", "BR", "IN", "??"};
  for (int i = 0; i < 5000; ++i)
    c.push_back(rec(uint32_t(300 * (1 + rng.below(5))), uint32_t(rng.below(64) << 24 | rng.below(1000)),
                    uint32_t(0x2c000000 | rng.below(8) << 16), uint16_t(rng.below(30)), countries[rng.below(6)],
                    1 + rng.below(100), uint32_t(rng.below(65536)), {}, uint32_t(rng.below(20))));
  Selection s;
  s.where = {parse_condition("dst_port < 20")};
  std::map<uint64_t, uint64_t> want_top;
  std::map<uint32_t, std::set<uint32_t>> want_src, want_net, want_asn;
  std::map<uint32_t, uint64_t> want_packets;
  for (size_t i = 0; i < c.size(); ++i) {
    if (c.dst_port[i] >= 20) continue;
    want_top[c.netacq_country[i]] += c.packet_cnt[i];
    want_packets[c.time[i]] += c.packet_cnt[i];
    want_src[c.time[i]].insert(c.src_ip[i]);
    want_net[c.time[i]].insert(c.dst_net[i]);
    want_asn[c.time[i]].insert(c.prefix2asn[i]);
  }
  for (int parts : {1, 2, 3, 7}) {
    std::map<uint64_t, uint64_t> got_top;
    SeriesKeys merged;
    for (int p = 0; p < parts; ++p) {
      Ft4Columns part;
      for (size_t i = 0; i < c.size(); ++i)
        if (int((c.src_ip[i] >> 24) % uint32_t(parts)) == p) part.push_back(c.row(i));
      auto rows = local_select(part, s);
      for (const auto& [v, n] : local_top_counts(part, rows, Field::netacq_country, Metric::packets)) got_top[v] += n;
      auto k = local_series_keys(part, rows);
      for (const auto& [t, n] : k.packets) merged.packets[t] += n;
      merged.src_ips.insert(merged.src_ips.end(), k.src_ips.begin(), k.src_ips.end());
      merged.dst_nets.insert(merged.dst_nets.end(), k.dst_nets.begin(), k.dst_nets.end());
      merged.asns.insert(merged.asns.end(), k.asns.begin(), k.asns.end());
    }
    for (auto* v : {&merged.dst_nets, &merged.asns}) {  // what the MPI merge deduplicates
      std::sort(v->begin(), v->end());
      v->erase(std::unique(v->begin(), v->end()), v->end());
    }
    CHECK(got_top == want_top);
    auto rows = series_rows(merged);
    REQUIRE(rows.size() == want_packets.size());
    for (const auto& r : rows) {
      CHECK(r.packets == want_packets[r.time]);
      CHECK(r.src_ips == want_src[r.time].size());  // sources never span parts
      CHECK(r.dst_nets == want_net[r.time].size());
      CHECK(r.asns == want_asn[r.time].size());
    }
  }
}
