// Flowtuple columns: rows survive push_back/row/append unchanged.
#include <catch2/catch.hpp>

#include "scanhpc/flow/flowtuple.hpp"

using namespace scanhpc::flow;

TEST_CASE("flowtuple: 2-byte codes", "[flow]") {
  CHECK(parse_code2("US") == Code2(('U' << 8) | 'S'));
  CHECK(code2_text(*parse_code2("RU")) == "RU");
  CHECK(code2_text(kUnknownCode2) == "??");
  CHECK_FALSE(parse_code2("USA").has_value());
  CHECK_FALSE(parse_code2("").has_value());
}

TEST_CASE("flowtuple: FT3 and FT4 rows round-trip through columns", "[flow]") {
  Ft3Record a;
  a.time = 1600000000; a.src_ip = 0x01020304; a.dst_ip = 0x2c010203; a.src_port = 5555; a.dst_port = 23;
  a.protocol = 6; a.ttl = 240; a.tcp_flags = 2; a.ip_len = 40; a.tcp_synlen = 20; a.tcp_synwinlen = 1024;
  a.packet_cnt = 7; a.is_masscan = 1; a.netacq_country = *parse_code2("RU"); a.prefix2asn = 4200000000u;
  Ft3Record b = a;
  b.src_ip = 9; b.packet_cnt = 1;
  Ft3Columns c3, d3;
  c3.push_back(a);
  d3.push_back(b);
  c3.append(d3);
  REQUIRE(c3.size() == 2);
  CHECK(c3.row(0) == a);
  CHECK(c3.row(1) == b);

  Ft4Record x;
  x.time = 1600000200; x.src_ip = 0x01020304; x.dst_net = 0x2c010000; x.dst_port = (3 << 8) | 1; x.protocol = 1;
  x.packet_cnt = 12; x.uniq_dst_ips = 60001; x.common_ttls = {{64, 5}, {128, 7}};
  x.common_pktsizes = {{40, 12}}; x.spoofed_packet_cnt = 2;
  Ft4Record y;  // all arrays empty
  y.src_ip = 5;
  Ft4Columns c4, d4;
  c4.push_back(x);
  d4.push_back(y);
  d4.push_back(x);
  c4.append(d4);
  REQUIRE(c4.size() == 3);
  CHECK(c4.row(0) == x);
  CHECK(c4.row(1) == y);
  CHECK(c4.row(2) == x);
  CHECK(c4.common_ttls.rows() == 3);
  CHECK(c4.common_ttls.begin == std::vector<uint64_t>{0, 2, 2, 4});
}

#include "scanhpc/flow/pack.hpp"

TEST_CASE("flowtuple: FT4 rows survive pack and unpack", "[flow]") {
  Ft4Columns c;
  for (uint32_t i = 0; i < 50; ++i) {
    Ft4Record r;
    r.time = 1600000000 + i; r.src_ip = i * 2654435761u; r.dst_net = 0x2c000000 | (i << 16); r.dst_port = uint16_t(i);
    r.protocol = uint8_t(i % 3 ? 6 : 1); r.packet_cnt = uint64_t(i) << 40; r.uniq_dst_ips = i * 1000;
    r.first_tcp_rwin = 65535; r.netacq_country = *parse_code2("RU"); r.prefix2asn = 4294967295u;
    for (uint32_t j = 0; j < i % 6; ++j) r.common_ttls.push_back({200 + j, j + 1});
    if (i % 4 == 0) r.common_srcports = {{65535, 1ull << 50}};
    r.spoofed_packet_cnt = i; r.masscan_packet_cnt = 2 * i;
    c.push_back(r);
  }
  std::string bytes;
  scanhpc::flow::pack_ft4(c, 0, 20, bytes);
  scanhpc::flow::pack_ft4(c, 20, 50, bytes);
  Ft4Columns back;
  scanhpc::flow::unpack_ft4(bytes, back);
  REQUIRE(back.size() == c.size());
  for (size_t i = 0; i < c.size(); ++i) CHECK(back.row(i) == c.row(i));
  CHECK_THROWS(scanhpc::flow::unpack_ft4(std::string_view(bytes).substr(0, bytes.size() - 1), back));
}

TEST_CASE("flowtuple: clear leaves no rows and columns that work again", "[flow]") {
  Ft4Record x;
  x.src_ip = 7;
  x.common_ttls = {{64, 3}};
  Ft4Columns c;
  c.push_back(x);
  c.push_back(x);
  c.clear();
  CHECK(c.size() == 0);
  CHECK(c.common_ttls.rows() == 0);
  CHECK(c.common_ttls.begin == std::vector<uint64_t>{0});
  c.push_back(x);
  REQUIRE(c.size() == 1);
  CHECK(c.row(0) == x);
  Ft3Columns d;
  d.push_back(Ft3Record{});
  d.clear();
  CHECK(d.size() == 0);
  CHECK(d.packet_cnt.empty());
  CHECK(d.is_masscan.empty());
}
