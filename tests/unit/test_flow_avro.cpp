// Reading flowtuple Avro files: the fixtures in tests/data/flow, written by
// python3-avro (tests/data/make_flow_fixtures.py), whose expected.json lists
// the records and counts a reader must give; and hand-made containers.
#include <catch2/catch.hpp>
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <thread>

#include "flow_avro_support.hpp"
#include "test_support.hpp"
#include "scanhpc/flow/avro.hpp"

using namespace scanhpc;
using namespace scanhpc::flow;
using namespace scanhpc::test;
namespace dom = simdjson::dom;

namespace {

const std::string kFlowDir = std::string(SCANHPC_TEST_INPUTS) + "/flow/";

uint64_t u(dom::object o, const char* key) { return uint64_t(o[key].get_uint64()); }
Code2 geo(dom::object o, const char* key) { return *parse_code2(std::string_view(o[key].get_string())); }
std::vector<CommonValue> pairs(dom::object o, const char* values, const char* freqs) {
  std::vector<uint64_t> v, f;
  for (auto x : dom::array(o[values])) v.push_back(uint64_t(x.get_uint64()));
  for (auto x : dom::array(o[freqs])) f.push_back(uint64_t(x.get_uint64()));
  REQUIRE(v.size() == f.size());
  std::vector<CommonValue> out;
  for (size_t i = 0; i < v.size(); ++i) out.push_back({uint32_t(v[i]), f[i]});
  return out;
}

void add_json_row(dom::object o, Ft3Columns& c) {
  Ft3Record r;
  r.time = uint32_t(u(o, "time")); r.src_ip = uint32_t(u(o, "src_ip")); r.dst_ip = uint32_t(u(o, "dst_ip"));
  r.src_port = uint16_t(u(o, "src_port")); r.dst_port = uint16_t(u(o, "dst_port"));
  r.protocol = uint8_t(u(o, "protocol")); r.ttl = uint8_t(u(o, "ttl")); r.tcp_flags = uint8_t(u(o, "tcp_flags"));
  r.ip_len = uint16_t(u(o, "ip_len")); r.tcp_synlen = uint16_t(u(o, "tcp_synlen"));
  r.tcp_synwinlen = uint16_t(u(o, "tcp_synwinlen")); r.packet_cnt = u(o, "packet_cnt");
  r.is_spoofed = uint8_t(u(o, "is_spoofed")); r.is_masscan = uint8_t(u(o, "is_masscan"));
  r.maxmind_continent = geo(o, "maxmind_continent"); r.maxmind_country = geo(o, "maxmind_country");
  r.netacq_continent = geo(o, "netacq_continent"); r.netacq_country = geo(o, "netacq_country");
  r.prefix2asn = uint32_t(u(o, "prefix2asn"));
  c.push_back(r);
}

void add_json_row(dom::object o, Ft4Columns& c) {
  Ft4Record r;
  r.time = uint32_t(u(o, "time")); r.src_ip = uint32_t(u(o, "src_ip")); r.dst_net = uint32_t(u(o, "dst_net"));
  r.dst_port = uint16_t(u(o, "dst_port")); r.protocol = uint8_t(u(o, "protocol")); r.packet_cnt = u(o, "packet_cnt");
  r.uniq_dst_ips = uint32_t(u(o, "uniq_dst_ips")); r.uniq_pkt_sizes = uint32_t(u(o, "uniq_pkt_sizes"));
  r.uniq_ttls = uint32_t(u(o, "uniq_ttls")); r.uniq_src_ports = uint32_t(u(o, "uniq_src_ports"));
  r.uniq_tcp_flags = uint32_t(u(o, "uniq_tcp_flags"));
  r.first_syn_length = uint16_t(u(o, "first_syn_length")); r.first_tcp_rwin = uint16_t(u(o, "first_tcp_rwin"));
  r.common_pktsizes = pairs(o, "common_pktsizes", "common_pktsize_freqs");
  r.common_ttls = pairs(o, "common_ttls", "common_ttl_freqs");
  r.common_srcports = pairs(o, "common_srcports", "common_srcport_freqs");
  r.common_tcpflags = pairs(o, "common_tcpflags", "common_tcpflag_freqs");
  r.maxmind_continent = geo(o, "maxmind_continent"); r.maxmind_country = geo(o, "maxmind_country");
  r.netacq_continent = geo(o, "netacq_continent"); r.netacq_country = geo(o, "netacq_country");
  r.prefix2asn = uint32_t(u(o, "prefix2asn"));
  r.spoofed_packet_cnt = u(o, "spoofed_packet_cnt"); r.masscan_packet_cnt = u(o, "masscan_packet_cnt");
  c.push_back(r);
}

// The records expected of fixture `f`: its own list, or another's minus some rows.
template <class Columns>
Columns expected_rows(dom::object f, const std::map<std::string, dom::object>& by_file) {
  Columns out;
  std::string_view from;
  if (f["records_from"].get(from) == simdjson::SUCCESS) {
    const dom::object base = by_file.at(std::string(from));
    dom::array drop = f["drop_rows"];
    const uint64_t lo = uint64_t(drop.at(0).get_uint64()), hi = uint64_t(drop.at(1).get_uint64());
    uint64_t i = 0;
    for (auto r : dom::array(base["records"]))
      if (i++ < lo || i > hi) add_json_row(dom::object(r), out);
  } else {
    for (auto r : dom::array(f["records"])) add_json_row(dom::object(r), out);
  }
  return out;
}

// Decoding with a column mask (FlowBlockReader::set_ft4_columns) fills the
// kept columns exactly as a full decode, leaves the others empty, and counts
// and reports the same records, blocks and messages.
void check_masked(const FlowAvroFile& file, const Ft4Columns& full, const FlowReadStats& st, uint32_t mask) {
  FlowBlockReader reader;
  reader.set_ft4_columns(mask);
  Ft4Columns got;
  FlowReadStats s2;
  file.decode_blocks(0, file.blocks().size(), got, s2, reader);
  INFO("mask " << mask);
  CHECK(s2.records_read == st.records_read);
  CHECK(s2.records_used == st.records_used);
  CHECK(s2.records_rejected == st.records_rejected);
  CHECK(s2.blocks == st.blocks);
  CHECK(s2.blocks_rejected == st.blocks_rejected);
  CHECK(s2.bytes_unknown == st.bytes_unknown);
  CHECK(s2.bytes_decoded == st.bytes_decoded);
  REQUIRE(s2.errors.size() == st.errors.size());
  auto sorted = [](std::vector<ParseError> e) {
    std::sort(e.begin(), e.end(), error_before);
    return e;
  };
  const auto e1 = sorted(st.errors), e2 = sorted(s2.errors);
  for (size_t i = 0; i < e1.size(); ++i) {
    CHECK(e1[i].offset == e2[i].offset);
    CHECK(e1[i].cause == e2[i].cause);
  }
  auto same = [&](Ft4Col b, const auto& a, const auto& c) {
    if ((mask & ft4_bit(b)) || b == Ft4Col::time) CHECK(a == c);
    else CHECK(c.empty());
  };
  auto same_common = [&](Ft4Col b, const CommonColumn& a, const CommonColumn& c) {
    if (mask & ft4_bit(b)) {
      CHECK(a.begin == c.begin);
      CHECK(a.value == c.value);
      CHECK(a.freq == c.freq);
    } else {
      CHECK(c.rows() == 0);
      CHECK(c.value.empty());
    }
  };
  using C = Ft4Col;
  same(C::time, full.time, got.time); same(C::src_ip, full.src_ip, got.src_ip);
  same(C::dst_net, full.dst_net, got.dst_net); same(C::dst_port, full.dst_port, got.dst_port);
  same(C::protocol, full.protocol, got.protocol); same(C::packet_cnt, full.packet_cnt, got.packet_cnt);
  same(C::uniq_dst_ips, full.uniq_dst_ips, got.uniq_dst_ips);
  same(C::uniq_pkt_sizes, full.uniq_pkt_sizes, got.uniq_pkt_sizes);
  same(C::uniq_ttls, full.uniq_ttls, got.uniq_ttls); same(C::uniq_src_ports, full.uniq_src_ports, got.uniq_src_ports);
  same(C::uniq_tcp_flags, full.uniq_tcp_flags, got.uniq_tcp_flags);
  same(C::first_syn_length, full.first_syn_length, got.first_syn_length);
  same(C::first_tcp_rwin, full.first_tcp_rwin, got.first_tcp_rwin);
  same(C::prefix2asn, full.prefix2asn, got.prefix2asn);
  same(C::spoofed_packet_cnt, full.spoofed_packet_cnt, got.spoofed_packet_cnt);
  same(C::masscan_packet_cnt, full.masscan_packet_cnt, got.masscan_packet_cnt);
  same(C::maxmind_continent, full.maxmind_continent, got.maxmind_continent);
  same(C::maxmind_country, full.maxmind_country, got.maxmind_country);
  same(C::netacq_continent, full.netacq_continent, got.netacq_continent);
  same(C::netacq_country, full.netacq_country, got.netacq_country);
  same_common(C::common_pktsizes, full.common_pktsizes, got.common_pktsizes);
  same_common(C::common_ttls, full.common_ttls, got.common_ttls);
  same_common(C::common_srcports, full.common_srcports, got.common_srcports);
  same_common(C::common_tcpflags, full.common_tcpflags, got.common_tcpflags);
}

template <class Columns>
void check_fixture(dom::object f, const std::map<std::string, dom::object>& by_file) {
  const std::string name{std::string_view(f["file"])};
  const std::string path = kFlowDir + name;
  const FlowAvroFile file(path);
  CHECK(variant_name(file.info().variant) == std::string_view(f["variant"]));
  CHECK(codec_name(file.info().codec) == std::string_view(f["codec"]));

  Columns got;
  FlowReadStats st;
  file.decode_blocks(0, file.blocks().size(), got, st);
  check_same_rows(got, expected_rows<Columns>(f, by_file), name);
  CHECK(st.records_read == u(f, "records_read"));
  CHECK(st.records_used == u(f, "records_used"));
  CHECK(st.records_rejected == u(f, "records_rejected"));
  CHECK(st.records_read == st.records_used + st.records_rejected);
  CHECK(st.blocks == u(f, "blocks"));
  CHECK(st.blocks_rejected == u(f, "blocks_rejected"));
  CHECK(st.bytes_unknown == u(f, "bytes_unknown"));
  const bool trouble = st.records_rejected > 0 || st.bytes_unknown > 0;
  CHECK(st.errors.empty() == !trouble);
  for (auto off : dom::array(f["error_offsets"])) {
    const std::string at = "byte " + std::to_string(uint64_t(off.get_uint64())) + ":";
    bool named = false;
    for (const auto& e : st.errors) {
      const std::string text = error_message(e, {path});
      named |= text.find(path) != std::string::npos && text.find(at) != std::string::npos;
    }
    INFO("no error message names " << path << " and " << at);
    CHECK(named);
  }

  // Only some columns: `flow top --field netacq_country --common ttls=...`'s, none but time, random ones.
  if constexpr (std::is_same_v<Columns, Ft4Columns>) {
    std::mt19937 rng(7);
    for (uint32_t mask : {ft4_bit(Ft4Col::netacq_country) | ft4_bit(Ft4Col::common_ttls), 0u, uint32_t(rng()),
                          uint32_t(rng()), uint32_t(rng())})
      check_masked(file, got, st, mask & kFt4AllColumns);
  }

  // Any split of the blocks, decoded on threads, gives the same rows and counts.
  const size_t n = file.blocks().size();
  for (size_t split = 1; split <= n; ++split) {
    std::vector<Columns> parts(n);
    std::vector<FlowReadStats> stats(n);
    std::vector<std::thread> threads;
    for (size_t b = 0; b < n; b += split)
      threads.emplace_back([&, b] { file.decode_blocks(b, std::min(n, b + split), parts[b], stats[b]); });
    for (auto& t : threads) t.join();
    Columns joined;
    FlowReadStats total;
    for (size_t b = 0; b < n; ++b) {
      joined.append(parts[b]);
      total.merge(stats[b]);
    }
    check_same_rows(joined, got, name + " split by " + std::to_string(split));
    CHECK(total.records_used == st.records_used);
    CHECK(total.records_rejected == st.records_rejected);
    CHECK(total.bytes_decoded == st.bytes_decoded);
  }
}

}  // namespace

TEST_CASE("flow avro: every python3-avro fixture reads as expected.json says", "[flow-avro]") {
  dom::parser parser;
  dom::element doc = parser.load(kFlowDir + "expected.json");
  std::map<std::string, dom::object> by_file;
  for (auto f : dom::array(doc["fixtures"])) by_file[std::string(std::string_view(f["file"]))] = dom::object(f);
  REQUIRE(by_file.size() >= 15);
  for (auto [name, f] : by_file) {
    SECTION(name) {
      std::string_view codec_error;
      if (f["open_error"].get(codec_error) == simdjson::SUCCESS) {
        try {
          FlowAvroFile file(kFlowDir + name);
          FAIL("opened " << name);
        } catch (const std::runtime_error& e) {
          const std::string what = e.what();
          CHECK(what.find(kFlowDir + name) != std::string::npos);
          CHECK(what.find(std::string(codec_error)) != std::string::npos);
        }
      } else if (std::string_view(f["version"]) == "ft3") {
        check_fixture<Ft3Columns>(f, by_file);
      } else {
        check_fixture<Ft4Columns>(f, by_file);
      }
    }
  }
}

TEST_CASE("flow avro: schema facts of the fixtures", "[flow-avro]") {
  const FlowAvroFile draft(kFlowDir + "ft4_draft_flowtuple3.avro");
  CHECK(draft.info().record_name == "flowtuple3");
  CHECK(draft.info().version == FlowVersion::ft4);
  const auto& d = draft.info().defaulted_fields;
  CHECK(std::find(d.begin(), d.end(), "maxmind_country") != d.end());
  CHECK(std::find(d.begin(), d.end(), "spoofed_packet_cnt") != d.end());
  const FlowAvroFile extra(kFlowDir + "ft4_reordered_extra.avro");
  CHECK(extra.info().skipped_fields.size() == 12);
  CHECK(extra.info().defaulted_fields.empty());
  Ft3Columns wrong;
  FlowReadStats st;
  CHECK_THROWS_AS(extra.decode_blocks(0, 1, wrong, st), std::logic_error);
}

TEST_CASE("flow avro: a hand-made container with array blocks given by byte size", "[flow-avro]") {
  const std::string schema = R"({"type":"record","name":"flowtuple4","fields":[
    {"name":"dst_port","type":"int"},{"name":"note","type":"string"},{"name":"time","type":"long"},
    {"name":"src_ip","type":"long"},{"name":"dst_net","type":"long"},{"name":"protocol","type":"int"},
    {"name":"packet_cnt","type":"long"},{"name":"common_ttls","type":{"type":"array","items":"long"}},
    {"name":"common_ttl_freqs","type":{"type":"array","items":"int"}},{"name":"netacq_country","type":"string"}]})";
  // Row 1: the ttl values as one block of -2 items with its byte size; row 2: time out of range.
  const std::string ttl_items = zz(64) + zz(128);
  const std::string row1 = zz(443) + avro_string("hi") + zz(1600000000) + zz(0x01020304) + zz(0x2c100000) + zz(6) +
                           zz(5) + zz(-2) + zz(int64_t(ttl_items.size())) + ttl_items + zz(0) + /* freqs */ zz(2) +
                           zz(2) + zz(3) + zz(0) + avro_string("NL");
  const std::string row2 = zz(80) + avro_string("") + zz(int64_t(1) << 32) + zz(1) + zz(2) + zz(17) + zz(1) + zz(0) +
                           zz(0) + avro_string("US");
  TempDir dir("flow-avro-hand");
  const std::string path = dir.file("hand.avro", hand_container(schema, {{2, row1 + row2}, {1, row1}}));
  FlowReadStats st;
  const Ft4Columns got = read_ft4_avro(path, st);
  Ft4Record want;
  want.dst_port = 443; want.time = 1600000000; want.src_ip = 0x01020304; want.dst_net = 0x2c100000;
  want.protocol = 6; want.packet_cnt = 5; want.common_ttls = {{64, 2}, {128, 3}};
  want.netacq_country = *parse_code2("NL");
  REQUIRE(got.size() == 2);
  CHECK(got.row(0) == want);
  CHECK(got.row(1) == want);
  CHECK(st.records_read == 3);
  CHECK(st.records_rejected == 1);
  REQUIRE(!st.errors.empty());
  CHECK(st.sorted_errors()[0].cause.find("time") != std::string::npos);
  CHECK(error_message(st.sorted_errors()[0], {path}).find(path) != std::string::npos);
}

TEST_CASE("flow avro: hand-made corrupt blocks are rejected whole, reading goes on", "[flow-avro]") {
  const std::string schema = R"({"type":"record","name":"flowtuple","fields":[{"name":"time","type":"long"},
    {"name":"src_ip","type":"long"},{"name":"dst_ip","type":"long"},{"name":"dst_port","type":"int"},
    {"name":"protocol","type":"int"},{"name":"packet_cnt","type":"long"}]})";
  auto rec = [](int64_t ip) { return zz(60) + zz(ip) + zz(7) + zz(80) + zz(6) + zz(1); };
  const std::string overlong(11, '\xff');  // a varint of more than 10 bytes
  TempDir dir("flow-avro-corrupt");
  const std::string good = rec(1) + rec(2);
  const std::string file = hand_container(schema, {{2, good},
                                                   {1, rec(3) + rec(4)},       // fewer records than bytes
                                                   {2, rec(5) + overlong},     // bad varint
                                                   {2, good}})
                           + "\x04\x10garbage-tail";  // a header then not enough bytes
  const std::string path = dir.file("c.avro", file);
  const FlowAvroFile f(path);
  REQUIRE(f.blocks().size() == 5);
  CHECK(f.blocks()[4].status == AvroBlock::Status::truncated);
  FlowReadStats st;
  Ft3Columns got;
  f.decode_blocks(0, 5, got, st);
  REQUIRE(got.size() == 4);
  CHECK(got.src_ip == std::vector<uint32_t>{1, 2, 1, 2});
  CHECK(got.time == std::vector<uint32_t>(4, 60));
  CHECK(got.netacq_country[0] == kUnknownCode2);  // absent field: default
  CHECK(st.records_read == 2 + 1 + 2 + 2 + 2);
  CHECK(st.records_used == 4);
  CHECK(st.records_rejected == 5);
  CHECK(st.blocks_rejected == 3);
  REQUIRE(st.errors.size() == 3);
  // A count that cannot fit in the block's bytes must not size the columns.
  FlowReadStats st2;
  const Ft3Columns got2 = read_ft3_avro(dir.file("d.avro", hand_container(schema, {{int64_t(1) << 39, good}})), st2);
  CHECK(got2.size() == 0);
  CHECK(st2.records_rejected == uint64_t(1) << 39);
  CHECK(st2.blocks_rejected == 1);
  for (size_t b : {1, 2, 4}) {
    const std::string at = "byte " + std::to_string(f.blocks()[b].offset) + ":";
    CHECK(std::any_of(st.errors.begin(), st.errors.end(), [&](const ParseError& e) {
      const std::string text = error_message(e, {path});
      return text.find(path) != std::string::npos && text.find(at) != std::string::npos;
    }));
  }
}

TEST_CASE("flow avro: schemas we cannot read are errors naming the file", "[flow-avro]") {
  TempDir dir("flow-avro-schema");
  auto open_error = [&](const std::string& schema) -> std::string {
    const std::string path = dir.file("s.avro", hand_container(schema, {}));
    try {
      FlowAvroFile f(path);
    } catch (const std::runtime_error& e) {
      CHECK(std::string(e.what()).find(path) != std::string::npos);
      return e.what();
    }
    return "";
  };
  const std::string head = R"({"type":"record","name":"flowtuple4","fields":[)";
  const std::string keys = R"({"name":"time","type":"long"},{"name":"src_ip","type":"long"},)"
                           R"({"name":"dst_port","type":"int"},{"name":"protocol","type":"int"},)"
                           R"({"name":"packet_cnt","type":"long"})";
  CHECK(open_error(head + keys + "]}").find("dst_net") != std::string::npos);
  CHECK(open_error(head + keys + R"(,{"name":"dst_net","type":"long"},{"name":"dst_ip","type":"long"}]})")
            .find("both") != std::string::npos);
  CHECK(open_error(head + keys + R"(,{"name":"dst_net","type":"string"}]})").find("dst_net") != std::string::npos);
  CHECK(open_error(R"({"type":"record","name":"x","fields":[{"name":"dst_ip","type":"long"}]})").find("time") !=
        std::string::npos);
  CHECK(open_error("not json").find("JSON") != std::string::npos);
  CHECK(open_error(head + keys + R"(,{"name":"dst_net","type":"long"}]})").empty());
  const std::string p = dir.file("bad.avro", "Obj");
  CHECK_THROWS_WITH(FlowAvroFile(p), Catch::Contains(p));
}

TEST_CASE("flow avro: random byte damage never crashes and keeps the counts consistent", "[flow-avro]") {
  TempDir dir("flow-avro-fuzz");
  std::mt19937_64 rng(11);
  for (const char* name : {"ft4_deflate.avro", "ft3_null.avro", "ft4_reordered_extra.avro"}) {
    const std::string original = slurp(kFlowDir + name);
    for (int trial = 0; trial < 150; ++trial) {
      std::string bytes = original;
      const int flips = 1 + int(rng() % 4);
      for (int k = 0; k < flips; ++k) bytes[rng() % bytes.size()] = char(rng());
      if (trial % 5 == 0) bytes.resize(rng() % bytes.size());  // and sometimes cut short
      const std::string path = dir.file("fuzz.avro", bytes);
      std::unique_ptr<FlowAvroFile> file;
      try {
        file = std::make_unique<FlowAvroFile>(path);
      } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find(path) != std::string::npos);
        continue;
      }
      FlowReadStats st;
      size_t rows = 0;
      if (file->info().version == FlowVersion::ft3) {
        Ft3Columns c;
        file->decode_blocks(0, file->blocks().size(), c, st);
        rows = c.size();
      } else {
        Ft4Columns c;
        file->decode_blocks(0, file->blocks().size(), c, st);
        rows = c.size();
        CHECK(c.common_ttls.rows() == rows);
        CHECK(c.common_ttls.value.size() == c.common_ttls.freq.size());
        check_masked(*file, c, st, ft4_bit(Ft4Col::netacq_country) | ft4_bit(Ft4Col::common_ttls) |
                                       (trial % 2 ? ft4_bit(Ft4Col::common_srcports) : 0u));
      }
      CHECK(st.records_used == rows);
      CHECK(st.records_read == st.records_used + st.records_rejected);
      for (const auto& e : st.errors) CHECK((e.offset < bytes.size() || e.offset == ParseError::kWholeFile));
    }
  }
}

namespace {

// The blocks of `path` read as the byte ranges cut at `cuts` (ascending),
// concatenated in range order.
std::vector<AvroBlock> blocks_of_ranges(const std::string& path, const std::vector<uint64_t>& cuts) {
  std::vector<AvroBlock> out;
  uint64_t begin = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const uint64_t end = i < cuts.size() ? cuts[i] : UINT64_MAX;
    const FlowAvroFile part(path, begin, end);
    out.insert(out.end(), part.blocks().begin(), part.blocks().end());
    begin = end;
  }
  return out;
}

bool same_blocks(const std::vector<AvroBlock>& a, const std::vector<AvroBlock>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i].offset != b[i].offset || a[i].data_offset != b[i].data_offset || a[i].records != b[i].records ||
        a[i].bytes != b[i].bytes || a[i].status != b[i].status)
      return false;
  return true;
}

}  // namespace

TEST_CASE("flow avro: byte ranges that tile a file read every block once, damaged files too", "[flow-avro]") {
  TempDir dir("flow-avro-ranges");
  std::mt19937_64 rng(5);
  std::vector<std::string> paths;
  for (const char* name : {"ft4_deflate.avro", "ft3_null.avro", "ft4_bad_sync.avro", "ft4_truncated.avro",
                           "ft3_bad_count.avro", "ft4_bad_deflate.avro", "ft4_v1_null.avro"})
    paths.push_back(kFlowDir + name);
  // Randomly damaged copies: bad markers, sizes and headers anywhere.
  const std::string original = slurp(kFlowDir + "ft4_deflate.avro");
  for (int trial = 0; trial < 60; ++trial) {
    std::string bytes = original;
    for (int k = 0; k < 1 + int(rng() % 4); ++k) bytes[200 + rng() % (bytes.size() - 200)] = char(rng());
    paths.push_back(dir.file("damaged" + std::to_string(trial) + ".avro", bytes));
  }
  size_t checked = 0;
  for (const auto& path : paths) {
    std::unique_ptr<FlowAvroFile> whole;
    try {
      whole = std::make_unique<FlowAvroFile>(path);
    } catch (const std::runtime_error&) {
      continue;  // a damaged header: no range can read it either
    }
    const uint64_t size = whole->info().file_bytes;
    INFO(path);
    // Every single cut, then random sets of up to 7 cuts.
    for (uint64_t cut = 0; cut <= size + 1; cut += 1 + size / 97) CHECK(same_blocks(blocks_of_ranges(path, {cut}), whole->blocks()));
    for (int t = 0; t < 20; ++t) {
      std::vector<uint64_t> cuts(1 + rng() % 7);
      for (auto& c : cuts) c = rng() % (size + 1);
      std::sort(cuts.begin(), cuts.end());
      CHECK(same_blocks(blocks_of_ranges(path, cuts), whole->blocks()));
    }
    ++checked;
  }
  CHECK(checked > 40);
}
