// Writing FT3/FT4 Avro container files with the reference schemas.
// All blocks are encoded first, so the sync marker can be a hash of the
// schema, codec and record bytes: same input, byte-identical file.
#include <zlib.h>

#include <cstdio>
#include <stdexcept>

#include "avro_internal.hpp"

namespace scanhpc::flow {

using namespace avro_detail;

namespace {

constexpr std::string_view kFt3Schema = R"({"type": "record", "namespace":"org.caida.corsaro", "name":"flowtuple",
 "doc":"A Corsaro FlowTuple record. All byte fields are in network byte order.",
 "fields":[
  {"name": "time", "type": "long"},
  {"name": "src_ip", "type": "long"},
  {"name": "dst_ip", "type": "long"},
  {"name": "src_port", "type": "int"},
  {"name": "dst_port", "type": "int"},
  {"name": "protocol", "type": "int"},
  {"name": "ttl", "type": "int"},
  {"name": "tcp_flags", "type": "int"},
  {"name": "ip_len", "type": "int"},
  {"name": "tcp_synlen", "type": "int"},
  {"name": "tcp_synwinlen", "type": "int"},
  {"name": "packet_cnt", "type": "long"},
  {"name": "is_spoofed", "type": "int"},
  {"name": "is_masscan", "type": "int"},
  {"name": "maxmind_continent", "type": "string"},
  {"name": "maxmind_country", "type": "string"},
  {"name": "netacq_continent", "type": "string"},
  {"name": "netacq_country", "type": "string"},
  {"name": "prefix2asn", "type": "long"}
 ]})";

// The FT4 schema up to prefix2asn; the newer variant adds two counts.
constexpr std::string_view kFt4Head = R"({"type": "record", "namespace":"org.caida.corsaro", "name":"flowtuple4",
 "doc":"A Corsaro FlowTuple4 record.",
 "fields":[
  {"name": "time", "type": "long"},
  {"name": "src_ip", "type": "long"},
  {"name": "dst_net", "type": "long"},
  {"name": "dst_port", "type": "int"},
  {"name": "protocol", "type": "int"},
  {"name": "packet_cnt", "type": "long"},
  {"name": "uniq_dst_ips", "type": "int"},
  {"name": "uniq_pkt_sizes", "type": "int"},
  {"name": "uniq_ttls", "type": "int"},
  {"name": "uniq_src_ports", "type": "int"},
  {"name": "uniq_tcp_flags", "type": "int"},
  {"name": "first_syn_length", "type": "int"},
  {"name": "first_tcp_rwin", "type": "int"},
  {"name": "common_pktsizes", "type": { "type": "array", "items": "long"}},
  {"name": "common_pktsize_freqs", "type": { "type": "array", "items": "long"}},
  {"name": "common_ttls", "type": { "type": "array", "items": "long"}},
  {"name": "common_ttl_freqs", "type": { "type": "array", "items": "long"}},
  {"name": "common_srcports", "type": { "type": "array", "items": "long"}},
  {"name": "common_srcport_freqs", "type": { "type": "array", "items": "long"}},
  {"name": "common_tcpflags", "type": { "type": "array", "items": "long"}},
  {"name": "common_tcpflag_freqs", "type": { "type": "array", "items": "long"}},
  {"name": "maxmind_continent", "type": "string"},
  {"name": "maxmind_country", "type": "string"},
  {"name": "netacq_continent", "type": "string"},
  {"name": "netacq_country", "type": "string"},
  {"name": "prefix2asn", "type": "long"})";
const std::string kFt4Schema = std::string(kFt4Head) + R"(,
  {"name": "spoofed_packet_cnt", "type": "long"},
  {"name": "masscan_packet_cnt", "type": "long"}
 ]})";
const std::string kFt4SchemaWithoutCounts = std::string(kFt4Head) + R"(
 ]})";

void put_long(std::string& out, uint64_t v) {
  if (v > uint64_t(INT64_MAX)) throw std::invalid_argument("flow avro writer: a count above 2^63-1 has no Avro long");
  write_long(out, int64_t(v));
}
void put_code2(std::string& out, Code2 c) {
  write_long(out, 2);
  out.push_back(char(c >> 8));
  out.push_back(char(c & 0xFF));
}
void put_array(std::string& out, const CommonColumn& c, size_t row, bool freqs) {
  const uint64_t b = c.begin[row], e = c.begin[row + 1];
  if (e > b) {
    write_long(out, int64_t(e - b));
    for (uint64_t j = b; j < e; ++j) put_long(out, freqs ? c.freq[j] : c.value[j]);
  }
  write_long(out, 0);
}

void encode_row(std::string& out, const Ft3Columns& c, size_t i, const FlowWriteOptions&) {
  for (uint64_t v : {uint64_t(c.time[i]), uint64_t(c.src_ip[i]), uint64_t(c.dst_ip[i]), uint64_t(c.src_port[i]),
                     uint64_t(c.dst_port[i]), uint64_t(c.protocol[i]), uint64_t(c.ttl[i]), uint64_t(c.tcp_flags[i]),
                     uint64_t(c.ip_len[i]), uint64_t(c.tcp_synlen[i]), uint64_t(c.tcp_synwinlen[i]),
                     c.packet_cnt[i], uint64_t(c.is_spoofed[i]), uint64_t(c.is_masscan[i])})
    put_long(out, v);
  for (Code2 g : {c.maxmind_continent[i], c.maxmind_country[i], c.netacq_continent[i], c.netacq_country[i]})
    put_code2(out, g);
  put_long(out, c.prefix2asn[i]);
}

void encode_row(std::string& out, const Ft4Columns& c, size_t i, const FlowWriteOptions& o) {
  for (uint64_t v : {uint64_t(c.time[i]), uint64_t(c.src_ip[i]), uint64_t(c.dst_net[i]), uint64_t(c.dst_port[i]),
                     uint64_t(c.protocol[i]), c.packet_cnt[i], uint64_t(c.uniq_dst_ips[i]),
                     uint64_t(c.uniq_pkt_sizes[i]), uint64_t(c.uniq_ttls[i]), uint64_t(c.uniq_src_ports[i]),
                     uint64_t(c.uniq_tcp_flags[i]), uint64_t(c.first_syn_length[i]), uint64_t(c.first_tcp_rwin[i])})
    put_long(out, v);
  for (const CommonColumn* k : {&c.common_pktsizes, &c.common_ttls, &c.common_srcports, &c.common_tcpflags}) {
    put_array(out, *k, i, false);
    put_array(out, *k, i, true);
  }
  for (Code2 g : {c.maxmind_continent[i], c.maxmind_country[i], c.netacq_continent[i], c.netacq_country[i]})
    put_code2(out, g);
  put_long(out, c.prefix2asn[i]);
  if (o.ft4_schema == Ft4Schema::with_counts) {
    put_long(out, c.spoofed_packet_cnt[i]);
    put_long(out, c.masscan_packet_cnt[i]);
  }
}

// 64-bit FNV-1a, finished with a splitmix64 round so close inputs differ widely.
uint64_t hash64(std::string_view bytes, uint64_t seed) {
  uint64_t h = 0xcbf29ce484222325ULL ^ seed;
  for (unsigned char ch : bytes) h = (h ^ ch) * 0x100000001b3ULL;
  h += 0x9e3779b97f4a7c15ULL;
  h = (h ^ (h >> 30)) * 0xbf58476d1ce4e5b9ULL;
  h = (h ^ (h >> 27)) * 0x94d049bb133111ebULL;
  return h ^ (h >> 31);
}

std::string deflate_raw(std::string_view in, int level) {
  z_stream z{};
  if (deflateInit2(&z, level, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
    throw std::runtime_error("flow avro writer: deflateInit2 failed");
  std::string out(deflateBound(&z, uLong(in.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  z.avail_in = uInt(in.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  const int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) throw std::runtime_error("flow avro writer: deflate failed");
  return out;
}

// Columns of unequal length would make the encoder read past a vector.
template <class... V>
bool all_sized(size_t n, const V&... v) {
  return ((v.size() == n) && ...);
}
void check_shape(const Ft3Columns& c) {
  if (!all_sized(c.size(), c.src_ip, c.dst_ip, c.src_port, c.dst_port, c.protocol, c.ttl, c.tcp_flags, c.ip_len,
                 c.tcp_synlen, c.tcp_synwinlen, c.packet_cnt, c.is_spoofed, c.is_masscan, c.maxmind_continent,
                 c.maxmind_country, c.netacq_continent, c.netacq_country, c.prefix2asn))
    throw std::invalid_argument("flow avro writer: FT3 columns of unequal lengths");
}
void check_shape(const Ft4Columns& c) {
  bool ok = all_sized(c.size(), c.src_ip, c.dst_net, c.dst_port, c.protocol, c.packet_cnt, c.uniq_dst_ips,
                      c.uniq_pkt_sizes, c.uniq_ttls, c.uniq_src_ports, c.uniq_tcp_flags, c.first_syn_length,
                      c.first_tcp_rwin, c.maxmind_continent, c.maxmind_country, c.netacq_continent, c.netacq_country,
                      c.prefix2asn, c.spoofed_packet_cnt, c.masscan_packet_cnt);
  for (const CommonColumn* k : {&c.common_pktsizes, &c.common_ttls, &c.common_srcports, &c.common_tcpflags})
    ok = ok && k->rows() == c.size() && k->value.size() == k->freq.size() && k->begin.back() == k->value.size();
  if (!ok) throw std::invalid_argument("flow avro writer: FT4 columns of unequal lengths");
}

template <class Columns>
std::string encode_file(const Columns& rows, std::string_view schema, const FlowWriteOptions& o) {
  struct Block {
    size_t records, begin, end;
  };
  check_shape(rows);
  std::string raw;
  std::vector<Block> blocks;
  size_t block_begin = 0, in_block = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    encode_row(raw, rows, i, o);
    ++in_block;
    const bool full = o.block_records > 0 ? in_block >= o.block_records : raw.size() - block_begin >= o.block_bytes;
    if (full || i + 1 == rows.size()) {
      blocks.push_back({in_block, block_begin, raw.size()});
      block_begin = raw.size();
      in_block = 0;
    }
  }
  const std::string_view codec = codec_name(o.codec);
  const std::string content = std::string(schema) + '\0' + std::string(codec) + '\0' + raw;
  const uint64_t sync[2] = {hash64(content, 1), hash64(content, 2)};

  std::string out = "Obj\x01";
  write_long(out, 2);
  for (auto [key, value] : {std::pair{std::string_view("avro.codec"), codec},
                            std::pair{std::string_view("avro.schema"), schema}}) {
    write_long(out, int64_t(key.size()));
    out += key;
    write_long(out, int64_t(value.size()));
    out += value;
  }
  write_long(out, 0);
  std::string sync_bytes;
  for (int i = 0; i < 16; ++i) sync_bytes.push_back(char(uint8_t(sync[i / 8] >> (8 * (i % 8)))));
  out += sync_bytes;
  for (const Block& b : blocks) {
    const std::string_view data(raw.data() + b.begin, b.end - b.begin);
    const std::string stored = o.codec == AvroCodec::deflate ? deflate_raw(data, o.deflate_level) : std::string(data);
    write_long(out, int64_t(b.records));
    write_long(out, int64_t(stored.size()));
    out += stored;
    out += sync_bytes;
  }
  return out;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) throw std::runtime_error(path + ": cannot open for writing");
  const bool ok = std::fwrite(bytes.data(), 1, bytes.size(), f) == bytes.size();
  if (std::fclose(f) != 0 || !ok) throw std::runtime_error(path + ": write failed");
}

}  // namespace

std::string_view ft3_schema_json() { return kFt3Schema; }
std::string_view ft4_schema_json(Ft4Schema schema) {
  return schema == Ft4Schema::with_counts ? kFt4Schema : kFt4SchemaWithoutCounts;
}

std::string encode_ft3_avro(const Ft3Columns& rows, const FlowWriteOptions& options) {
  return encode_file(rows, kFt3Schema, options);
}
std::string encode_ft4_avro(const Ft4Columns& rows, const FlowWriteOptions& options) {
  return encode_file(rows, ft4_schema_json(options.ft4_schema), options);
}
void write_ft3_avro(const std::string& path, const Ft3Columns& rows, const FlowWriteOptions& options) {
  write_bytes(path, encode_ft3_avro(rows, options));
}
void write_ft4_avro(const std::string& path, const Ft4Columns& rows, const FlowWriteOptions& options) {
  write_bytes(path, encode_ft4_avro(rows, options));
}

}  // namespace scanhpc::flow
