#pragma once
// Internals shared by the avro_*.cpp files: varints, the compiled per-file
// field program, and FlowAvroFile::Impl.
#include <array>
#include <bit>
#include <cstring>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scanhpc/flow/avro.hpp"

namespace scanhpc::flow::avro_detail {

// ------------------------------------------------------------ varints --
// Avro int and long are zigzag varints of at most 10 bytes. Returns false on
// a varint running past `end` or longer than 64 bits. The fast paths (one
// byte; 10 bytes or more left, unrolled) are always inlined: the FT4 record
// decoder calls this for every field, and as a call it took a quarter of
// `flow top`'s time; the bounds-checked tail is a call.
[[gnu::noinline]] inline bool read_varint_tail(const uint8_t*& p, const uint8_t* end, uint64_t& out) {
  uint64_t r = 0;
  for (int shift = 0; shift < 64; shift += 7) {
    if (p >= end) return false;
    const uint8_t b = *p++;
    if (shift == 63 && b > 1) return false;
    r |= uint64_t(b & 0x7F) << shift;
    if (!(b & 0x80)) {
      out = r;
      return true;
    }
  }
  return false;
}
[[gnu::always_inline]] inline bool read_varint(const uint8_t*& p, const uint8_t* end, uint64_t& out) {
  if (p < end && *p < 0x80) {  // the common case: one byte
    out = *p++;
    return true;
  }
  if (end - p >= 8) {  // 2 to 8 bytes: all at once, without a branch per byte
    uint64_t x;
    std::memcpy(&x, p, 8);  // little-endian: byte k at bits 8k..8k+7
    const uint64_t stops = ~x & 0x8080808080808080ull;  // high bit clear: the last byte
    if (stops != 0) {
      x &= stops ^ (stops - 1);  // the bytes up to the last one
      x = (x & 0x007F007F007F007Full) | ((x & 0x7F007F007F007F00ull) >> 1);
      x = (x & 0x00003FFF00003FFFull) | ((x & 0x3FFF00003FFF0000ull) >> 2);
      x = (x & 0x000000000FFFFFFFull) | ((x & 0x0FFFFFFF00000000ull) >> 4);
      p += (std::countr_zero(stops) + 1) >> 3;
      out = x;
      return true;
    }
  }
  if (end - p >= 10) {  // no bounds checks needed: unrolled
    const uint8_t* q = p;
    uint64_t r = *q++ & 0x7F;
    for (int shift = 7; shift < 63; shift += 7) {
      const uint8_t b = *q++;
      r |= uint64_t(b & 0x7F) << shift;
      if (b < 0x80) {
        p = q;
        out = r;
        return true;
      }
    }
    const uint8_t b = *q++;  // the 10th byte holds bit 63 only
    if (b > 1) return false;
    p = q;
    out = r | uint64_t(b) << 63;
    return true;
  }
  return read_varint_tail(p, end, out);
}
[[gnu::always_inline]] inline int64_t unzigzag(uint64_t v) { return int64_t(v >> 1) ^ -int64_t(v & 1); }
[[gnu::always_inline]] inline bool read_long(const uint8_t*& p, const uint8_t* end, int64_t& out) {
  uint64_t v;
  if (!read_varint(p, end, v)) return false;
  out = unzigzag(v);
  return true;
}
// The item count of an Avro array or map block (0 ends the array). A negative
// count is followed by the block's byte size, which is read and not needed.
[[gnu::always_inline]] inline bool read_block_count(const uint8_t*& p, const uint8_t* end, int64_t& n) {
  if (!read_long(p, end, n)) return false;
  if (n >= 0) return true;
  if (n == INT64_MIN) return false;  // -n would overflow
  n = -n;
  int64_t bytes = 0;
  return read_long(p, end, bytes);
}
inline void write_long(std::string& out, int64_t value) {
  uint64_t v = (uint64_t(value) << 1) ^ uint64_t(value >> 63);
  while (v >= 0x80) {
    out.push_back(char(uint8_t(v) | 0x80));
    v >>= 7;
  }
  out.push_back(char(v));
}

// ------------------------------------------------------- field program --
// Column fields with a slot in the per-record staging area. Scalars and
// 2-byte codes share `slots`; arrays have their own staging vectors.
enum Ft3Slot : uint8_t {
  f3_time, f3_src_ip, f3_dst_ip, f3_src_port, f3_dst_port, f3_protocol, f3_ttl, f3_tcp_flags,
  f3_ip_len, f3_tcp_synlen, f3_tcp_synwinlen, f3_packet_cnt, f3_is_spoofed, f3_is_masscan,
  f3_prefix2asn, f3_maxmind_continent, f3_maxmind_country, f3_netacq_continent, f3_netacq_country,
  f3_count
};
enum Ft4Slot : uint8_t {
  f4_time, f4_src_ip, f4_dst_net, f4_dst_port, f4_protocol, f4_packet_cnt, f4_uniq_dst_ips,
  f4_uniq_pkt_sizes, f4_uniq_ttls, f4_uniq_src_ports, f4_uniq_tcp_flags, f4_first_syn_length,
  f4_first_tcp_rwin, f4_prefix2asn, f4_spoofed_packet_cnt, f4_masscan_packet_cnt,
  f4_maxmind_continent, f4_maxmind_country, f4_netacq_continent, f4_netacq_country, f4_count
};
// FT4 arrays: value arrays at even, frequency arrays at odd indices.
enum Ft4Array : uint8_t {
  a4_pktsizes, a4_pktsize_freqs, a4_ttls, a4_ttl_freqs, a4_srcports, a4_srcport_freqs,
  a4_tcpflags, a4_tcpflag_freqs, a4_count
};
constexpr size_t kMaxSlots = 24;
// A 2-byte code slot holding this was not exactly 2 bytes long: reject.
constexpr int64_t kBadCode2 = -1;

// A schema type, for skipping fields no column holds.
struct TypeNode {
  enum Kind : uint8_t { null, boolean, int_, long_, float_, double_, bytes, string, fixed, enum_,
                        array, map, union_, record };
  Kind kind = null;
  uint32_t fixed_size = 0;
  std::vector<uint32_t> children;  // array/map: items; union: branches; record: fields
};

struct FieldOp {
  enum Kind : uint8_t {
    scalar,      // varint -> slots[target]
    code2,       // string -> slots[target] (kBadCode2 unless 2 bytes)
    long_array,  // array<long|int> -> arrays[target]
    skip_varint, // int, long, enum
    skip_bytes,  // string, bytes
    skip_fixed,  // float, double, boolean, fixed: `target` bytes
    skip_type,   // anything else: types[target]
  };
  Kind kind;
  uint32_t target;
};

struct FieldProgram {
  FlowVersion version = FlowVersion::ft4;
  std::vector<FieldOp> ops;
  std::vector<TypeNode> types;             // for skip_type
  std::array<int64_t, kMaxSlots> defaults{};  // slot values of absent fields
};

struct CompiledSchema {
  FieldProgram program;
  FlowVariant variant = FlowVariant::ft4_with_counts;
  std::string record_name;
  std::vector<std::string> defaulted_fields, skipped_fields;
};
// Parses the schema JSON and compiles it; throws std::runtime_error (without
// the file name, which the caller adds) for schemas we cannot read.
CompiledSchema compile_flow_schema(std::string_view schema_json);

// Field names of slots and arrays, for messages.
std::string_view slot_field_name(FlowVersion version, unsigned slot);
std::string_view array_field_name(unsigned array);

// Skips one value of types[index]. False on corrupt data, and on values
// nested deeper than kMaxSkipDepth (a schema may name a record inside itself:
// without a bound, hostile data would recurse until the stack overflows).
inline constexpr int kMaxSkipDepth = 64;
bool skip_value(const std::vector<TypeNode>& types, uint32_t index, const uint8_t*& p, const uint8_t* end,
                int depth = 0);

}  // namespace scanhpc::flow::avro_detail

namespace scanhpc::flow {

struct FlowAvroFile::Impl {
  FlowFileInfo info;
  std::vector<AvroBlock> blocks;
  avro_detail::FieldProgram program;
  std::array<uint8_t, 16> sync{};
  uint64_t size = 0;  // of the file
  uint32_t file = 0;  // index in the run's file table, for errors
};

}  // namespace scanhpc::flow

namespace scanhpc::flow::avro_detail {

// A file read with pread through one bounded buffer, never mapped: a
// reader's resident memory is its buffers, whatever the files' sizes
// (mapped pages of large folios come back whole when a neighbour is read,
// so releasing them page by page does not bound the resident set).
class FileReader {
 public:
  FileReader(const std::string& path);  // throws std::runtime_error naming the file
  ~FileReader();
  FileReader(const FileReader&) = delete;
  FileReader& operator=(const FileReader&) = delete;
  uint64_t size() const { return size_; }
  // Bytes [pos, pos + n) of the file, n clipped at its end (the count is
  // returned in `got`): a pointer into the buffer, valid until the next call.
  // Reads at least `window` bytes at a time, so that walking forwards costs
  // one pread per window.
  const uint8_t* view(uint64_t pos, size_t n, size_t& got, size_t window = size_t(1) << 20);
  // Reads [pos, pos + n) into `out` (resized); throws on a read error.
  void read(uint64_t pos, size_t n, std::vector<uint8_t>& out) const;

 private:
  std::string path_;
  int fd_ = -1;
  uint64_t size_ = 0;
  std::vector<uint8_t> buf_;
  uint64_t buf_pos_ = 0;
  size_t buf_len_ = 0;
};

}  // namespace scanhpc::flow::avro_detail
