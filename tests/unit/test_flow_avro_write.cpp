// Writing flowtuple Avro files: random columns (fixed seed) survive
// write -> read for both versions, both codecs and both FT4 schemas; the
// output is deterministic; blocks follow the options. With SCANHPC_FLOW_OUT
// set, "[flow-avro-write]" also leaves its files there with a JSON of the
// input rows, for tests/e2e/test_flow_avro.sh to read with python3-avro.
#include <catch2/catch.hpp>
#include <omp.h>

#include <cstdlib>
#include <fstream>
#include <random>

#include "flow_avro_support.hpp"
#include "scanhpc/flow/avro.hpp"

using namespace scanhpc::flow;
using namespace scanhpc::test;

namespace {

constexpr uint64_t kI64 = uint64_t(INT64_MAX);

// Mostly small values, sometimes the type's limits.
struct RandomRows {
  std::mt19937_64 rng;
  explicit RandomRows(uint64_t seed) : rng(seed) {}
  uint64_t upto(uint64_t max) {
    switch (rng() % 8) {
      case 0: return 0;
      case 1: return max;
      case 2: return rng() % 300 % (max + 1);
      default: return max == UINT64_MAX ? rng() : rng() % (max + 1);
    }
  }
  Code2 geo() {
    static const char letters[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ?";
    return Code2((uint16_t(letters[rng() % 27]) << 8) | uint8_t(letters[rng() % 27]));
  }
  std::vector<CommonValue> common() {
    std::vector<CommonValue> v(rng() % 6);
    for (auto& c : v) c = {uint32_t(upto(UINT32_MAX)), upto(kI64)};
    return v;
  }
  Ft3Columns ft3(size_t n) {
    Ft3Columns c;
    for (size_t i = 0; i < n; ++i) {
      Ft3Record r;
      r.time = uint32_t(upto(UINT32_MAX)); r.src_ip = uint32_t(upto(UINT32_MAX)); r.dst_ip = uint32_t(upto(UINT32_MAX));
      r.src_port = uint16_t(upto(65535)); r.dst_port = uint16_t(upto(65535)); r.protocol = uint8_t(upto(255));
      r.ttl = uint8_t(upto(255)); r.tcp_flags = uint8_t(upto(255)); r.ip_len = uint16_t(upto(65535));
      r.tcp_synlen = uint16_t(upto(65535)); r.tcp_synwinlen = uint16_t(upto(65535)); r.packet_cnt = upto(kI64);
      r.is_spoofed = uint8_t(upto(1)); r.is_masscan = uint8_t(upto(1));
      r.maxmind_continent = geo(); r.maxmind_country = geo(); r.netacq_continent = geo(); r.netacq_country = geo();
      r.prefix2asn = uint32_t(upto(UINT32_MAX));
      c.push_back(r);
    }
    return c;
  }
  Ft4Columns ft4(size_t n, bool with_counts) {
    Ft4Columns c;
    for (size_t i = 0; i < n; ++i) {
      Ft4Record r;
      r.time = uint32_t(upto(UINT32_MAX)); r.src_ip = uint32_t(upto(UINT32_MAX)); r.dst_net = uint32_t(upto(UINT32_MAX));
      r.dst_port = uint16_t(upto(65535)); r.protocol = uint8_t(upto(255)); r.packet_cnt = upto(kI64);
      // The schema says "int" for these: python-avro checks the int32 range.
      r.uniq_dst_ips = uint32_t(upto(INT32_MAX)); r.uniq_pkt_sizes = uint32_t(upto(INT32_MAX));
      r.uniq_ttls = uint32_t(upto(INT32_MAX)); r.uniq_src_ports = uint32_t(upto(INT32_MAX));
      r.uniq_tcp_flags = uint32_t(upto(INT32_MAX));
      r.first_syn_length = uint16_t(upto(65535)); r.first_tcp_rwin = uint16_t(upto(65535));
      r.common_pktsizes = common(); r.common_ttls = common(); r.common_srcports = common(); r.common_tcpflags = common();
      r.maxmind_continent = geo(); r.maxmind_country = geo(); r.netacq_continent = geo(); r.netacq_country = geo();
      r.prefix2asn = uint32_t(upto(UINT32_MAX));
      if (with_counts) {
        r.spoofed_packet_cnt = upto(kI64);
        r.masscan_packet_cnt = upto(kI64);
      }
      c.push_back(r);
    }
    return c;
  }
};

std::string json_pairs(const char* name, const std::vector<CommonValue>& v, bool freqs) {
  std::string s = std::string("\"") + name + "\":[";
  for (size_t i = 0; i < v.size(); ++i) {
    if (i) s += ',';
    s += std::to_string(freqs ? v[i].freq : v[i].value);  // not "," + ...: GCC 12's false -Wrestrict
  }
  return s + "]";
}
#define SCANHPC_J(f) ("\"" #f "\":" + std::to_string(r.f))
#define SCANHPC_G(f) ("\"" #f "\":\"" + code2_text(r.f) + "\"")

// The input rows as JSON, with the field names of the Avro schema.
std::string rows_json(const Ft3Columns& c) {
  std::string out = "[\n";
  for (size_t i = 0; i < c.size(); ++i) {
    const Ft3Record r = c.row(i);
    out += std::string(i ? ",\n{" : "{") + SCANHPC_J(time) + "," + SCANHPC_J(src_ip) + "," + SCANHPC_J(dst_ip) + "," +
           SCANHPC_J(src_port) + "," + SCANHPC_J(dst_port) + "," + SCANHPC_J(protocol) + "," + SCANHPC_J(ttl) + "," +
           SCANHPC_J(tcp_flags) + "," + SCANHPC_J(ip_len) + "," + SCANHPC_J(tcp_synlen) + "," +
           SCANHPC_J(tcp_synwinlen) + "," + SCANHPC_J(packet_cnt) + "," + SCANHPC_J(is_spoofed) + "," +
           SCANHPC_J(is_masscan) + "," + SCANHPC_G(maxmind_continent) + "," + SCANHPC_G(maxmind_country) + "," +
           SCANHPC_G(netacq_continent) + "," + SCANHPC_G(netacq_country) + "," + SCANHPC_J(prefix2asn) + "}";
  }
  return out + "\n]\n";
}
std::string rows_json(const Ft4Columns& c, bool with_counts) {
  std::string out = "[\n";
  for (size_t i = 0; i < c.size(); ++i) {
    const Ft4Record r = c.row(i);
    out += std::string(i ? ",\n{" : "{") + SCANHPC_J(time) + "," + SCANHPC_J(src_ip) + "," + SCANHPC_J(dst_net) + "," +
           SCANHPC_J(dst_port) + "," + SCANHPC_J(protocol) + "," + SCANHPC_J(packet_cnt) + "," +
           SCANHPC_J(uniq_dst_ips) + "," + SCANHPC_J(uniq_pkt_sizes) + "," + SCANHPC_J(uniq_ttls) + "," +
           SCANHPC_J(uniq_src_ports) + "," + SCANHPC_J(uniq_tcp_flags) + "," + SCANHPC_J(first_syn_length) + "," +
           SCANHPC_J(first_tcp_rwin) + "," + json_pairs("common_pktsizes", r.common_pktsizes, false) + "," +
           json_pairs("common_pktsize_freqs", r.common_pktsizes, true) + "," +
           json_pairs("common_ttls", r.common_ttls, false) + "," + json_pairs("common_ttl_freqs", r.common_ttls, true) +
           "," + json_pairs("common_srcports", r.common_srcports, false) + "," +
           json_pairs("common_srcport_freqs", r.common_srcports, true) + "," +
           json_pairs("common_tcpflags", r.common_tcpflags, false) + "," +
           json_pairs("common_tcpflag_freqs", r.common_tcpflags, true) + "," + SCANHPC_G(maxmind_continent) + "," +
           SCANHPC_G(maxmind_country) + "," + SCANHPC_G(netacq_continent) + "," + SCANHPC_G(netacq_country) + "," +
           SCANHPC_J(prefix2asn) +
           (with_counts ? "," + SCANHPC_J(spoofed_packet_cnt) + "," + SCANHPC_J(masscan_packet_cnt) : "") + "}";
  }
  return out + "\n]\n";
}
#undef SCANHPC_J
#undef SCANHPC_G

// Writes the file and its JSON to $SCANHPC_FLOW_OUT, if set.
void leave_for_python(const std::string& name, const std::string& avro, const std::string& json) {
  const char* dir = std::getenv("SCANHPC_FLOW_OUT");
  if (!dir || !*dir) return;
  std::ofstream(std::string(dir) + "/" + name + ".avro", std::ios::binary) << avro;
  std::ofstream(std::string(dir) + "/" + name + ".json") << json;
}

}  // namespace

TEST_CASE("flow avro: random FT3 rows survive write and read", "[flow-avro][flow-avro-write]") {
  TempDir dir("flow-avro-ft3");
  const Ft3Columns rows = RandomRows(3).ft3(3000);
  for (AvroCodec codec : {AvroCodec::deflate, AvroCodec::null}) {
    FlowWriteOptions o;
    o.codec = codec;
    const std::string name = "ft3_" + std::string(codec_name(codec));
    const std::string bytes = encode_ft3_avro(rows, o);
    leave_for_python(name, bytes, rows_json(rows));
    const std::string path = dir.file(name + ".avro", bytes);
    FlowAvroFile file(path);
    CHECK(file.info().variant == FlowVariant::ft3);
    CHECK(file.info().codec == codec);
    CHECK(file.blocks().size() > 5);  // 16 KiB blocks
    FlowReadStats st;
    Ft3Columns got;
    file.decode_blocks(0, file.blocks().size(), got, st);
    check_same_rows(got, rows, name);
    CHECK(st.records_rejected == 0);
    CHECK(st.errors.empty());
    CHECK(encode_ft3_avro(rows, o) == bytes);  // deterministic, sync marker included
  }
}

TEST_CASE("flow avro: random FT4 rows survive write and read, both schemas", "[flow-avro][flow-avro-write]") {
  TempDir dir("flow-avro-ft4");
  for (Ft4Schema schema : {Ft4Schema::with_counts, Ft4Schema::without_counts}) {
    const bool counts = schema == Ft4Schema::with_counts;
    const Ft4Columns rows = RandomRows(counts ? 4 : 5).ft4(2500, counts);
    for (AvroCodec codec : {AvroCodec::deflate, AvroCodec::null}) {
      FlowWriteOptions o;
      o.codec = codec;
      o.ft4_schema = schema;
      const std::string name = std::string(counts ? "ft4_" : "ft4_v1_") + std::string(codec_name(codec));
      const std::string bytes = encode_ft4_avro(rows, o);
      leave_for_python(name, bytes, rows_json(rows, counts));
      FlowReadStats st;
      const Ft4Columns got = read_ft4_avro(dir.file(name + ".avro", bytes), st);
      check_same_rows(got, rows, name);
      CHECK(st.records_used == rows.size());
      CHECK(FlowAvroFile(dir.file(name + ".avro", bytes)).info().variant ==
            (counts ? FlowVariant::ft4_with_counts : FlowVariant::ft4_without_counts));
      CHECK(encode_ft4_avro(rows, o) == bytes);
    }
  }
}

TEST_CASE("flow avro: block options, sync markers and any block split", "[flow-avro]") {
  TempDir dir("flow-avro-blocks");
  const Ft4Columns rows = RandomRows(6).ft4(1000, true);
  FlowWriteOptions o;
  o.block_records = 37;
  const std::string bytes = encode_ft4_avro(rows, o);
  const FlowAvroFile file(dir.file("b.avro", bytes));
  REQUIRE(file.blocks().size() == 28);  // 27 * 37 = 999, then 1
  for (size_t i = 0; i + 1 < file.blocks().size(); ++i) CHECK(file.blocks()[i].records == 37);
  CHECK(file.blocks().back().records == 1);
  // Different content, different sync marker (the 16 bytes before the first block).
  Ft4Columns other = rows;
  other.time[0] ^= 1;
  const std::string other_bytes = encode_ft4_avro(other, o);
  const size_t h = file.info().header_bytes;
  CHECK(bytes.substr(h - 16, 16) != other_bytes.substr(h - 16, 16));
  CHECK(bytes.substr(0, h - 16) == other_bytes.substr(0, h - 16));

  Ft4Columns ragged = rows;
  ragged.common_ttls.begin.pop_back();
  CHECK_THROWS_AS(encode_ft4_avro(ragged, o), std::invalid_argument);
  Ft4Columns huge = rows;
  huge.packet_cnt[3] = uint64_t(INT64_MAX) + 1;  // no Avro long holds it
  CHECK_THROWS_AS(encode_ft4_avro(huge, o), std::invalid_argument);

  std::mt19937_64 rng(9);
  const size_t n = file.blocks().size();
  for (int trial = 0; trial < 20; ++trial) {
    Ft4Columns joined;
    FlowReadStats total;
    for (size_t b = 0; b < n;) {
      const size_t e = std::min(n, b + 1 + rng() % 6);
      file.decode_blocks(b, e, joined, total);  // appending range after range
      b = e;
    }
    check_same_rows(joined, rows, "trial " + std::to_string(trial));
    CHECK(total.blocks == n);
  }
}

TEST_CASE("flow avro: a file encoded in pieces of whole blocks equals the one-call file", "[flow-avro]") {
  // What flow convert does at P ranks, simulated: each "rank" encodes a run
  // of blocks; digests add up; the marker and header come from the sum.
  TempDir dir("flow-avro-pieces");
  for (AvroCodec codec : {AvroCodec::deflate, AvroCodec::null}) {
    for (size_t n : {size_t(1), size_t(37), size_t(1000), size_t(2049)}) {
      const Ft4Columns rows = RandomRows(11 + n).ft4(n, true);
      FlowWriteOptions o;
      o.codec = codec;
      o.block_records = 64;
      const std::string whole = encode_ft4_avro(rows, o);
      const uint64_t blocks = (n + 63) / 64;
      for (uint64_t pieces : {uint64_t(1), uint64_t(2), uint64_t(3), uint64_t(7), blocks}) {
        std::vector<EncodedBlocks> parts;
        uint64_t digest[2] = {0, 0};
        for (uint64_t p = 0; p < pieces; ++p) {  // blocks [p*B/P, (p+1)*B/P), some empty
          const uint64_t b0 = p * blocks / pieces, b1 = (p + 1) * blocks / pieces;
          parts.push_back(encode_ft4_blocks(rows, std::min(n, size_t(b0 * 64)), std::min(n, size_t(b1 * 64)), b0, o));
          CHECK(parts.back().ends.size() == b1 - b0);
          digest[0] += parts.back().digest[0];
          digest[1] += parts.back().digest[1];
        }
        const SyncMarker sync = ft4_sync_marker(digest, o);
        std::string assembled = ft4_container_header(sync, o);
        uint64_t expected_size = assembled.size();
        for (const auto& part : parts) {
          append_with_sync(part, 0, part.ends.size(), sync, assembled);
          expected_size += part.file_bytes();
        }
        CHECK(assembled.size() == expected_size);
        CHECK(assembled == whole);
      }
      // Blocks swapped in place are another file: another marker.
      if (blocks >= 2) {
        const EncodedBlocks a = encode_ft4_blocks(rows, 0, 64, 1, o), b = encode_ft4_blocks(rows, 64, 128, 0, o);
        const EncodedBlocks whole_blocks = encode_ft4_blocks(rows, 0, n, 0, o);
        const uint64_t swapped[2] = {a.digest[0] + b.digest[0], a.digest[1] + b.digest[1]};
        const uint64_t straight[2] = {encode_ft4_blocks(rows, 0, 128, 0, o).digest[0],
                                      encode_ft4_blocks(rows, 0, 128, 0, o).digest[1]};
        CHECK(ft4_sync_marker(swapped, o) != ft4_sync_marker(straight, o));
        CHECK(whole_blocks.ends.size() == blocks);
      }
    }
  }
  FlowWriteOptions by_bytes;
  CHECK_THROWS_AS(encode_ft4_blocks(RandomRows(1).ft4(10, true), 0, 10, 0, by_bytes), std::invalid_argument);
  // The pieces decode as one file.
  const Ft4Columns rows = RandomRows(5).ft4(700, true);
  FlowWriteOptions o;
  o.block_records = 100;
  const EncodedBlocks p1 = encode_ft4_blocks(rows, 0, 300, 0, o), p2 = encode_ft4_blocks(rows, 300, 700, 3, o);
  const uint64_t digest[2] = {p1.digest[0] + p2.digest[0], p1.digest[1] + p2.digest[1]};
  const SyncMarker sync = ft4_sync_marker(digest, o);
  std::string file = ft4_container_header(sync, o);
  append_with_sync(p1, 0, 3, sync, file);
  append_with_sync(p2, 0, 4, sync, file);
  FlowReadStats st;
  check_same_rows(read_ft4_avro(dir.file("pieces.avro", file), st), rows, "pieces");
  CHECK(st.records_used == 700);
}

TEST_CASE("flow avro: fixed-size blocks encode alike on 1 to 4 threads", "[flow-avro]") {
  const Ft4Columns rows = RandomRows(21).ft4(5000, true);
  FlowWriteOptions o;
  o.block_records = 50;  // 100 blocks: the threaded path
  const int before = omp_get_max_threads();
  omp_set_num_threads(1);
  const std::string one = encode_ft4_avro(rows, o);
  for (int t = 2; t <= 4; ++t) {
    omp_set_num_threads(t);
    CHECK(encode_ft4_avro(rows, o) == one);
  }
  omp_set_num_threads(before);
}
