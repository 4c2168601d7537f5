// Writing FT3/FT4 Avro container files with the reference schemas.
// The sync marker is a hash of the schema, the codec and the sum of the
// blocks' digests (each of its record bytes and its place in the file): same
// input, byte-identical file, and pieces of a file encode independently.
#include <libdeflate.h>
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <stdexcept>

#include "avro_internal.hpp"
#include "scanhpc/core/random.hpp"

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

// Raw deflate (an Avro block is one whole stream) with libdeflate: faster
// than zlib at the same level and made for whole buffers. One compressor per
// thread and level, reused.
std::string deflate_raw(std::string_view in, int level) {
  struct Compressor {
    libdeflate_compressor* c = nullptr;
    int level = -1;
    ~Compressor() {
      if (c) libdeflate_free_compressor(c);
    }
  };
  thread_local Compressor z;
  if (z.level != level) {
    if (z.c) libdeflate_free_compressor(z.c);
    z.c = libdeflate_alloc_compressor(level);
    if (!z.c) throw std::runtime_error("flow avro writer: cannot make a deflate compressor at level " + std::to_string(level));
    z.level = level;
  }
  std::string out(libdeflate_deflate_compress_bound(z.c, in.size()), '\0');
  const size_t n = libdeflate_deflate_compress(z.c, in.data(), in.size(), out.data(), out.size());
  if (n == 0) throw std::runtime_error("flow avro writer: deflate failed");
  out.resize(n);
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

// A block's digest depends on its place in the file, so that reordered
// blocks give another marker.
uint64_t block_digest(std::string_view raw, uint64_t block, uint64_t seed) {
  return mix64(hash64(raw, seed) ^ mix64(block * 2 + seed));
}

template <class Columns>
EncodedBlocks encode_blocks_serial(const Columns& rows, size_t first, size_t last, uint64_t first_block,
                                   const FlowWriteOptions& o) {
  EncodedBlocks out;
  std::string raw;
  uint64_t block = first_block;
  size_t in_block = 0;
  for (size_t i = first; i < last; ++i) {
    encode_row(raw, rows, i, o);
    ++in_block;
    const bool full = o.block_records > 0 ? in_block >= o.block_records : raw.size() >= o.block_bytes;
    if (full || i + 1 == last) {
      out.digest[0] += block_digest(raw, block, 1);
      out.digest[1] += block_digest(raw, block, 2);
      write_long(out.data, int64_t(in_block));
      if (o.codec == AvroCodec::deflate) {
        const std::string stored = deflate_raw(raw, o.deflate_level);
        write_long(out.data, int64_t(stored.size()));
        out.data += stored;
      } else {
        write_long(out.data, int64_t(raw.size()));
        out.data += raw;
      }
      out.ends.push_back(out.data.size());
      raw.clear();
      in_block = 0;
      ++block;
    }
  }
  return out;
}

// Fixed-size blocks are independent: threads take contiguous runs of them
// and the runs are joined in order, so the bytes do not depend on threads.
template <class Columns>
EncodedBlocks encode_blocks(const Columns& rows, size_t first, size_t last, uint64_t first_block,
                            const FlowWriteOptions& o) {
  check_shape(rows);
  if (first > last || last > rows.size()) throw std::invalid_argument("flow avro writer: bad row range");
  const size_t k = o.block_records;
  const size_t blocks = k ? (last - first + k - 1) / k : 0;
  const int threads = omp_in_parallel() ? 1 : omp_get_max_threads();
  if (k == 0 || threads == 1 || blocks < 8) return encode_blocks_serial(rows, first, last, first_block, o);
  const size_t runs = std::min(blocks, size_t(threads) * 4);
  std::vector<EncodedBlocks> parts(runs);
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
  for (size_t r = 0; r < runs; ++r) {
    const size_t b0 = r * blocks / runs, b1 = (r + 1) * blocks / runs;
    try {
      parts[r] = encode_blocks_serial(rows, first + b0 * k, std::min(last, first + b1 * k), first_block + b0, o);
    } catch (...) {
#pragma omp critical(avro_encode_failure)
      if (!failure) failure = std::current_exception();
    }
  }
  if (failure) std::rethrow_exception(failure);
  EncodedBlocks out;
  size_t bytes = 0;
  for (const auto& p : parts) bytes += p.data.size();
  out.data.reserve(bytes);
  out.ends.reserve(blocks);
  for (auto& p : parts) {
    const uint64_t base = out.data.size();
    out.data += p.data;
    for (uint64_t e : p.ends) out.ends.push_back(base + e);
    out.digest[0] += p.digest[0];
    out.digest[1] += p.digest[1];
    p = {};
  }
  return out;
}

SyncMarker sync_marker(std::string_view schema, const uint64_t digest[2], const FlowWriteOptions& o) {
  const std::string prefix = std::string(schema) + '\0' + std::string(codec_name(o.codec));
  SyncMarker sync{};
  for (int half = 0; half < 2; ++half) {
    const uint64_t h = mix64(hash64(prefix, uint64_t(half + 1)) ^ digest[half]);
    for (int i = 0; i < 8; ++i) sync[size_t(half * 8 + i)] = char(uint8_t(h >> (8 * i)));
  }
  return sync;
}

std::string container_header(std::string_view schema, const SyncMarker& sync, const FlowWriteOptions& o) {
  const std::string_view codec = codec_name(o.codec);
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
  out.append(sync.data(), sync.size());
  return out;
}

template <class Columns>
std::string encode_file(const Columns& rows, std::string_view schema, const FlowWriteOptions& o) {
  const EncodedBlocks blocks = encode_blocks(rows, 0, rows.size(), 0, o);
  const SyncMarker sync = sync_marker(schema, blocks.digest, o);
  std::string out = container_header(schema, sync, o);
  append_with_sync(blocks, 0, blocks.ends.size(), sync, out);
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

EncodedBlocks encode_ft4_blocks(const Ft4Columns& rows, size_t first, size_t last, uint64_t first_block,
                                const FlowWriteOptions& options) {
  if (options.block_records == 0)
    throw std::invalid_argument("flow avro writer: pieces of a file need blocks of a fixed record count");
  return encode_blocks(rows, first, last, first_block, options);
}
SyncMarker ft4_sync_marker(const uint64_t digest[2], const FlowWriteOptions& options) {
  return sync_marker(ft4_schema_json(options.ft4_schema), digest, options);
}
std::string ft4_container_header(const SyncMarker& sync, const FlowWriteOptions& options) {
  return container_header(ft4_schema_json(options.ft4_schema), sync, options);
}
void append_with_sync(const EncodedBlocks& blocks, size_t from, size_t to, const SyncMarker& sync, std::string& out) {
  for (size_t b = from; b < to; ++b) {
    const size_t begin = b ? size_t(blocks.ends[b - 1]) : 0;
    out.append(blocks.data, begin, size_t(blocks.ends[b]) - begin);
    out.append(sync.data(), sync.size());
  }
}

}  // namespace scanhpc::flow
