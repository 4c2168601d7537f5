// Decoding blocks into columns: inflate (raw deflate, with libdeflate: an
// Avro block is one whole deflate stream, the case libdeflate is made for,
// and it inflates about twice as fast as zlib's streaming inflate), then the per-file
// field program, one record at a time into a staging area of int64 slots,
// then a range check against the column types and a push into the columns.
//
// Why not Avro C's generic reader: it fills a generic value per record and
// reaches every field through function pointers by index; measured 7-11x
// slower than this loop on null-codec files and 3-5x on deflate files
// (bench/flow_avro_decode, docs/flowtuple-avro.md), and it cannot hand blocks
// to threads. Our program is compiled once per file from the embedded
// schema, so it still handles every FT4 variant and field order.
#include <libdeflate.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <iterator>
#include <type_traits>
#include <utility>

#include "avro_internal.hpp"

namespace scanhpc::flow {

using namespace avro_detail;

namespace {

// Per call, so threads never share it.
struct Scratch {
  std::vector<uint8_t> stored;  // blocks as stored in the file, a group at a time
  uint64_t stored_offset = 0;   // file offset of stored[0]
  libdeflate_decompressor* inflater = nullptr;
  std::vector<uint8_t> inflated;
  size_t inflated_size = 0;
  std::array<std::vector<int64_t>, a4_count> arrays;
  Scratch() = default;
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  ~Scratch() {
    if (inflater) libdeflate_free_decompressor(inflater);
  }
};

}  // namespace

struct FlowBlockReader::State {
  Scratch scratch;
  std::unique_ptr<FileReader> file;
  std::string path;
  uint32_t ft4_columns = kFt4AllColumns;
};

FlowBlockReader::FlowBlockReader() : state_(std::make_unique<State>()) {}
void FlowBlockReader::set_ft4_columns(uint32_t mask) {
  state_->ft4_columns = (mask & kFt4AllColumns) | ft4_bit(Ft4Col::time);
}
FlowBlockReader::~FlowBlockReader() = default;
FlowBlockReader::FlowBlockReader(FlowBlockReader&&) noexcept = default;
FlowBlockReader& FlowBlockReader::operator=(FlowBlockReader&&) noexcept = default;

namespace {

constexpr size_t kMaxInflated = size_t(1) << 30;
// Blocks are read from the file in groups of about this many bytes into one
// reused buffer (a longer block alone), so decoding holds no more of the file.
constexpr uint64_t kGroupBytes = uint64_t(1) << 20;

// Inflates a whole block into s.inflated. The inflated size is not stored in
// Avro files: start from the last block's buffer (at least 4x the input) and
// double it while it is too small, up to kMaxInflated.
bool inflate_block(Scratch& s, const uint8_t* in, size_t n, std::string& error) {
  if (!s.inflater && !(s.inflater = libdeflate_alloc_decompressor())) throw std::bad_alloc();
  if (s.inflated.size() < 4 * n + 4096) s.inflated.resize(4 * n + 4096);
  for (;;) {
    size_t produced = 0;
    const auto rc = libdeflate_deflate_decompress(s.inflater, in, n, s.inflated.data(), s.inflated.size(), &produced);
    if (rc == LIBDEFLATE_SUCCESS) {
      s.inflated_size = produced;
      return true;
    }
    if (rc != LIBDEFLATE_INSUFFICIENT_SPACE) {
      error = "inflate failed: the deflate data is corrupt or ends early";
      return false;
    }
    if (s.inflated.size() >= kMaxInflated) {  // a corrupt or hostile block: do not grow without bound
      error = "block inflates to more than " + std::to_string(kMaxInflated >> 20) + " MiB";
      return false;
    }
    s.inflated.resize(std::min(kMaxInflated, s.inflated.size() * 2));
  }
}

// Runs the program over one record. False: the data is corrupt. Every field
// present writes its slot, so `slots` holds the defaults of absent fields
// from the block's start on.
bool decode_record(const FieldProgram& prog, Scratch& s, int64_t* slots, const uint8_t*& p, const uint8_t* end) {
  for (auto& a : s.arrays) a.clear();
  for (const FieldOp& op : prog.ops) {
    int64_t n = 0;
    switch (op.kind) {
      case FieldOp::scalar:
        if (!read_long(p, end, slots[op.target])) return false;
        break;
      case FieldOp::code2:
        if (!read_long(p, end, n) || n < 0 || n > end - p) return false;
        slots[op.target] = n == 2 ? int64_t((uint16_t(p[0]) << 8) | p[1]) : kBadCode2;
        p += n;
        break;
      case FieldOp::long_array: {
        auto& values = s.arrays[op.target];
        for (;;) {
          if (!read_block_count(p, end, n)) return false;
          if (n == 0) break;
          if (n > end - p) return false;
          for (int64_t k = 0; k < n; ++k) {
            int64_t v = 0;
            if (!read_long(p, end, v)) return false;
            values.push_back(v);
          }
        }
        break;
      }
      case FieldOp::skip_varint:
        if (!read_long(p, end, n)) return false;
        break;
      case FieldOp::skip_bytes:
        if (!read_long(p, end, n) || n < 0 || n > end - p) return false;
        p += n;
        break;
      case FieldOp::skip_fixed:
        if (end - p < int64_t(op.target)) return false;
        p += op.target;
        break;
      case FieldOp::skip_type:
        if (!skip_value(prog.types, op.target, p, end)) return false;
        break;
    }
  }
  return true;
}

constexpr uint64_t U8 = 0xFF, U16 = 0xFFFF, U32 = 0xFFFFFFFF, I64 = uint64_t(INT64_MAX);
constexpr int kOk = -1;

// FT4 arrays of one record: their lengths and whether a value was out of
// range (a value > 2^32-1 or negative, a negative frequency).
struct Ft4Arrays {
  uint64_t count[a4_count];
  bool bad[a4_count];
};

constexpr int kArrayBase = 100;  // a returned reason >= this names an array

// Range checks then push; returns kOk or the slot (kArrayBase + array) at fault.
// A negative value is a huge uint64_t, so one comparison rejects both ends.
int commit(const int64_t* s, const Scratch&, Ft3Columns& c, size_t row) {
  static constexpr uint64_t kMax[f3_count] = {U32, U32, U32, U16, U16, U8,  U8,  U8,  U16, U16,
                                              U16, I64, U8,  U8,  U32, U16, U16, U16, U16};
  for (int i = 0; i < f3_count; ++i)
    if (uint64_t(s[i]) > kMax[i]) return i;
  c.time[row] = (uint32_t(s[f3_time])); c.src_ip[row] = (uint32_t(s[f3_src_ip]));
  c.dst_ip[row] = (uint32_t(s[f3_dst_ip]));
  c.src_port[row] = (uint16_t(s[f3_src_port])); c.dst_port[row] = (uint16_t(s[f3_dst_port]));
  c.protocol[row] = (uint8_t(s[f3_protocol])); c.ttl[row] = (uint8_t(s[f3_ttl]));
  c.tcp_flags[row] = (uint8_t(s[f3_tcp_flags])); c.ip_len[row] = (uint16_t(s[f3_ip_len]));
  c.tcp_synlen[row] = (uint16_t(s[f3_tcp_synlen])); c.tcp_synwinlen[row] = (uint16_t(s[f3_tcp_synwinlen]));
  c.packet_cnt[row] = (uint64_t(s[f3_packet_cnt]));
  c.is_spoofed[row] = (uint8_t(s[f3_is_spoofed])); c.is_masscan[row] = (uint8_t(s[f3_is_masscan]));
  c.maxmind_continent[row] = (Code2(s[f3_maxmind_continent]));
  c.maxmind_country[row] = (Code2(s[f3_maxmind_country]));
  c.netacq_continent[row] = (Code2(s[f3_netacq_continent]));
  c.netacq_country[row] = (Code2(s[f3_netacq_country]));
  c.prefix2asn[row] = (uint32_t(s[f3_prefix2asn]));
  return kOk;
}

// One field of an FT4 record (see decode_record_ft4). Always inlined, so
// that with a constant kind and target (decode_record_ft4_std) the switch
// and the column choice fold away.
[[gnu::always_inline]] inline bool ft4_op(FieldOp::Kind kind, uint32_t target, const FieldProgram& prog,
                                          CommonColumn* const* cols, int64_t* slots, Ft4Arrays& arr,
                                          const uint8_t*& p, const uint8_t* end) {
  int64_t n = 0;
  switch (kind) {
    case FieldOp::scalar:
      return read_long(p, end, slots[target]);
    case FieldOp::code2:
      if (!read_long(p, end, n) || n < 0 || n > end - p) return false;
      slots[target] = n == 2 ? int64_t((uint16_t(p[0]) << 8) | p[1]) : kBadCode2;
      p += n;
      return true;
    case FieldOp::long_array: {
      const bool freq = target & 1;
      CommonColumn* col = cols[target >> 1];
      uint64_t count = 0;
      bool bad = false;
      for (;;) {
        if (!read_block_count(p, end, n)) return false;
        if (n == 0) break;
        if (n > end - p) return false;
        count += uint64_t(n);
        for (int64_t k = 0; k < n; ++k) {
          int64_t v = 0;
          if (!read_long(p, end, v)) return false;
          if (freq) {
            bad |= v < 0;
            if (col) col->freq.push_back(uint64_t(v));
          } else {
            bad |= uint64_t(v) > U32;
            if (col) col->value.push_back(uint32_t(v));
          }
        }
      }
      arr.count[target] += count;
      arr.bad[target] |= bad;
      return true;
    }
    case FieldOp::skip_varint:
      return read_long(p, end, n);
    case FieldOp::skip_bytes:
      if (!read_long(p, end, n) || n < 0 || n > end - p) return false;
      p += n;
      return true;
    case FieldOp::skip_fixed:
      if (end - p < int64_t(target)) return false;
      p += target;
      return true;
    case FieldOp::skip_type:
      return skip_value(prog.types, target, p, end);
  }
  return false;
}

// decode_record for FT4: the arrays go straight into their columns when the
// reader keeps them (`cols[pair]`, else null: only counted and checked), with
// no per-record staging vectors. The caller takes back the values of a
// rejected record (see commit_ft4).
bool decode_record_ft4(const FieldProgram& prog, CommonColumn* const* cols, int64_t* slots, Ft4Arrays& arr,
                       const uint8_t*& p, const uint8_t* end) {
  for (int k = 0; k < a4_count; ++k) arr.count[k] = 0, arr.bad[k] = false;
  for (const FieldOp& op : prog.ops)
    if (!ft4_op(op.kind, op.target, prog, cols, slots, arr, p, end)) return false;
  return true;
}

// The fields of the reference FT4 schema (ft4_schema_json, CAIDA's order): all
// 28 with the spoofed/masscan counts, the first 26 without.
constexpr FieldOp kFt4Reference[] = {
    {FieldOp::scalar, f4_time}, {FieldOp::scalar, f4_src_ip}, {FieldOp::scalar, f4_dst_net},
    {FieldOp::scalar, f4_dst_port}, {FieldOp::scalar, f4_protocol}, {FieldOp::scalar, f4_packet_cnt},
    {FieldOp::scalar, f4_uniq_dst_ips}, {FieldOp::scalar, f4_uniq_pkt_sizes}, {FieldOp::scalar, f4_uniq_ttls},
    {FieldOp::scalar, f4_uniq_src_ports}, {FieldOp::scalar, f4_uniq_tcp_flags},
    {FieldOp::scalar, f4_first_syn_length}, {FieldOp::scalar, f4_first_tcp_rwin},
    {FieldOp::long_array, a4_pktsizes}, {FieldOp::long_array, a4_pktsize_freqs},
    {FieldOp::long_array, a4_ttls}, {FieldOp::long_array, a4_ttl_freqs},
    {FieldOp::long_array, a4_srcports}, {FieldOp::long_array, a4_srcport_freqs},
    {FieldOp::long_array, a4_tcpflags}, {FieldOp::long_array, a4_tcpflag_freqs},
    {FieldOp::code2, f4_maxmind_continent}, {FieldOp::code2, f4_maxmind_country},
    {FieldOp::code2, f4_netacq_continent}, {FieldOp::code2, f4_netacq_country},
    {FieldOp::scalar, f4_prefix2asn}, {FieldOp::scalar, f4_spoofed_packet_cnt},
    {FieldOp::scalar, f4_masscan_packet_cnt}};
constexpr size_t kFt4ReferenceOps = std::size(kFt4Reference);

// How many leading fields of kFt4Reference a program is exactly (0 if it is neither reference schema).
size_t reference_ops(const FieldProgram& prog) {
  const size_t n = prog.ops.size();
  if (n != kFt4ReferenceOps && n != kFt4ReferenceOps - 2) return 0;
  for (size_t i = 0; i < n; ++i)
    if (prog.ops[i].kind != kFt4Reference[i].kind || prog.ops[i].target != kFt4Reference[i].target) return 0;
  return n;
}

// decode_record_ft4 for a file of the reference schema: the same steps with
// the field list known at compile time (straight-line code, no dispatch).
template <size_t... I>
bool decode_record_ft4_std(const FieldProgram& prog, CommonColumn* const* cols, int64_t* slots, Ft4Arrays& arr,
                           const uint8_t*& p, const uint8_t* end, std::index_sequence<I...>) {
  for (int k = 0; k < a4_count; ++k) arr.count[k] = 0, arr.bad[k] = false;
  return (ft4_op(kFt4Reference[I].kind, kFt4Reference[I].target, prog, cols, slots, arr, p, end) && ...);
}

// commit for FT4 with the reader's column mask: the same checks in the same
// order as commit(), so the same records are rejected with the same field
// named. A rejected record's array values are taken back out of the columns.
int commit_ft4(const int64_t* s, const Ft4Arrays& a, CommonColumn* const* cols, uint32_t mask, Ft4Columns& c,
               size_t row) {
  static constexpr uint64_t kMax[f4_count] = {U32, U32, U32, U16, U8,  I64, U32, U32, U32, U32,
                                              U32, U16, U16, U32, I64, I64, U16, U16, U16, U16};
  int fault = kOk;
  for (int i = 0; i < f4_count; ++i)
    if (uint64_t(s[i]) > kMax[i]) {
      fault = i;
      break;
    }
  for (int k = 0; fault == kOk && k < a4_count; k += 2) {
    if (a.count[k] != a.count[k + 1]) fault = kArrayBase + k + 1;
    else if (a.bad[k]) fault = kArrayBase + k;
    else if (a.bad[k + 1]) fault = kArrayBase + k + 1;
  }
  if (fault != kOk) {
    for (int k = 0; k < 4; ++k)
      if (CommonColumn* col = cols[k]) {
        col->value.resize(col->begin.back());
        col->freq.resize(col->begin.back());
      }
    return fault;
  }
  for (int k = 0; k < 4; ++k)
    if (CommonColumn* col = cols[k]) col->begin.push_back(col->value.size());
  auto keep = [mask](Ft4Slot f) { return (mask >> f) & 1; };
  c.time[row] = uint32_t(s[f4_time]);
  if (keep(f4_src_ip)) c.src_ip[row] = uint32_t(s[f4_src_ip]);
  if (keep(f4_dst_net)) c.dst_net[row] = uint32_t(s[f4_dst_net]);
  if (keep(f4_dst_port)) c.dst_port[row] = uint16_t(s[f4_dst_port]);
  if (keep(f4_protocol)) c.protocol[row] = uint8_t(s[f4_protocol]);
  if (keep(f4_packet_cnt)) c.packet_cnt[row] = uint64_t(s[f4_packet_cnt]);
  if (keep(f4_uniq_dst_ips)) c.uniq_dst_ips[row] = uint32_t(s[f4_uniq_dst_ips]);
  if (keep(f4_uniq_pkt_sizes)) c.uniq_pkt_sizes[row] = uint32_t(s[f4_uniq_pkt_sizes]);
  if (keep(f4_uniq_ttls)) c.uniq_ttls[row] = uint32_t(s[f4_uniq_ttls]);
  if (keep(f4_uniq_src_ports)) c.uniq_src_ports[row] = uint32_t(s[f4_uniq_src_ports]);
  if (keep(f4_uniq_tcp_flags)) c.uniq_tcp_flags[row] = uint32_t(s[f4_uniq_tcp_flags]);
  if (keep(f4_first_syn_length)) c.first_syn_length[row] = uint16_t(s[f4_first_syn_length]);
  if (keep(f4_first_tcp_rwin)) c.first_tcp_rwin[row] = uint16_t(s[f4_first_tcp_rwin]);
  if (keep(f4_prefix2asn)) c.prefix2asn[row] = uint32_t(s[f4_prefix2asn]);
  if (keep(f4_spoofed_packet_cnt)) c.spoofed_packet_cnt[row] = uint64_t(s[f4_spoofed_packet_cnt]);
  if (keep(f4_masscan_packet_cnt)) c.masscan_packet_cnt[row] = uint64_t(s[f4_masscan_packet_cnt]);
  if (keep(f4_maxmind_continent)) c.maxmind_continent[row] = Code2(s[f4_maxmind_continent]);
  if (keep(f4_maxmind_country)) c.maxmind_country[row] = Code2(s[f4_maxmind_country]);
  if (keep(f4_netacq_continent)) c.netacq_continent[row] = Code2(s[f4_netacq_continent]);
  if (keep(f4_netacq_country)) c.netacq_country[row] = Code2(s[f4_netacq_country]);
  return kOk;
}

template <class... V>
void resize_all(size_t n, V&... v) {
  (v.resize(n), ...);
}
void resize_common(CommonColumn& c, size_t n) {
  c.begin.resize(n + 1);
  c.value.resize(c.begin[n]);
  c.freq.resize(c.begin[n]);
}
// Undo the rows of a block found corrupt after some of its records were pushed.
void truncate_rows(Ft3Columns& c, size_t n, uint32_t = kFt4AllColumns) {
  resize_all(n, c.time, c.src_ip, c.dst_ip, c.src_port, c.dst_port, c.protocol, c.ttl, c.tcp_flags, c.ip_len,
             c.tcp_synlen, c.tcp_synwinlen, c.packet_cnt, c.is_spoofed, c.is_masscan, c.maxmind_continent,
             c.maxmind_country, c.netacq_continent, c.netacq_country, c.prefix2asn);
}
// Calls f(bit, column) for each scalar column of FT4, and g(bit, column) for each common column.
template <class F, class G>
void for_ft4_columns(Ft4Columns& c, F&& f, G&& g) {
  using C = Ft4Col;
  f(C::time, c.time); f(C::src_ip, c.src_ip); f(C::dst_net, c.dst_net); f(C::dst_port, c.dst_port);
  f(C::protocol, c.protocol); f(C::packet_cnt, c.packet_cnt); f(C::uniq_dst_ips, c.uniq_dst_ips);
  f(C::uniq_pkt_sizes, c.uniq_pkt_sizes); f(C::uniq_ttls, c.uniq_ttls); f(C::uniq_src_ports, c.uniq_src_ports);
  f(C::uniq_tcp_flags, c.uniq_tcp_flags); f(C::first_syn_length, c.first_syn_length);
  f(C::first_tcp_rwin, c.first_tcp_rwin); f(C::prefix2asn, c.prefix2asn);
  f(C::spoofed_packet_cnt, c.spoofed_packet_cnt); f(C::masscan_packet_cnt, c.masscan_packet_cnt);
  f(C::maxmind_continent, c.maxmind_continent); f(C::maxmind_country, c.maxmind_country);
  f(C::netacq_continent, c.netacq_continent); f(C::netacq_country, c.netacq_country);
  g(C::common_pktsizes, c.common_pktsizes); g(C::common_ttls, c.common_ttls);
  g(C::common_srcports, c.common_srcports); g(C::common_tcpflags, c.common_tcpflags);
}
// The kept columns only: the others stay empty.
void truncate_rows(Ft4Columns& c, size_t n, uint32_t mask = kFt4AllColumns) {
  for_ft4_columns(
      c, [&](Ft4Col b, auto& v) { if (mask & ft4_bit(b)) v.resize(n); },
      [&](Ft4Col b, CommonColumn& k) { if (mask & ft4_bit(b)) resize_common(k, n); });
}
// Geometric, so that callers appending block by block stay linear.
template <class V>
void reserve_one(size_t n, V& v) {
  if (v.capacity() < n) v.reserve(std::max(n, 2 * v.capacity()));
}
// Room for a whole block in the scalar columns; commons grow by push_back.
void grow_scalars(Ft3Columns& c, size_t n, uint32_t = kFt4AllColumns) { truncate_rows(c, n); }
void grow_scalars(Ft4Columns& c, size_t n, uint32_t mask = kFt4AllColumns) {
  for_ft4_columns(
      c, [&](Ft4Col b, auto& v) { if (mask & ft4_bit(b)) v.resize(n); }, [](Ft4Col, CommonColumn&) {});
}

template <class... V>
void reserve_all(size_t n, V&... v) {
  (reserve_one(n, v), ...);
}
void reserve_rows(Ft3Columns& c, size_t n, uint32_t = kFt4AllColumns) {
  reserve_all(n, c.time, c.src_ip, c.dst_ip, c.src_port, c.dst_port, c.protocol, c.ttl, c.tcp_flags, c.ip_len,
              c.tcp_synlen, c.tcp_synwinlen, c.packet_cnt, c.is_spoofed, c.is_masscan, c.maxmind_continent,
              c.maxmind_country, c.netacq_continent, c.netacq_country, c.prefix2asn);
}
void reserve_rows(Ft4Columns& c, size_t n, uint32_t mask = kFt4AllColumns) {
  for_ft4_columns(
      c, [&](Ft4Col b, auto& v) { if (mask & ft4_bit(b)) reserve_one(n, v); },
      [&](Ft4Col b, CommonColumn& k) { if (mask & ft4_bit(b)) reserve_one(n + 1, k.begin); });
}

void reject_block(const FlowAvroFile::Impl& f, const AvroBlock& b, const std::string& why, FlowReadStats& st) {
  st.records_read += b.records;
  st.records_rejected += b.records;
  ++st.blocks_rejected;
  st.note(f.file, b.offset, "block: " + why + "; its " + std::to_string(b.records) + " records rejected");
}

template <class Columns>
void decode_one(const FlowAvroFile::Impl& f, const AvroBlock& b, Scratch& s, Columns& out, FlowReadStats& st,
                uint32_t mask) {
  ++st.blocks;
  st.bytes_stored += b.bytes;
  const uint8_t* p = s.stored.data() + (b.data_offset - s.stored_offset);
  const uint8_t* end = p + b.bytes;
  if (f.info.codec == AvroCodec::deflate) {
    std::string error;
    if (!inflate_block(s, p, b.bytes, error)) return reject_block(f, b, error, st);
    p = s.inflated.data();
    end = p + s.inflated_size;
  }
  st.bytes_decoded += uint64_t(end - p);
  // Every record holds required fields, so a byte at least: a larger count is corrupt
  // (and must not size the columns).
  if (b.records > uint64_t(end - p))
    return reject_block(f, b, std::to_string(b.records) + " records cannot fit in " +
                                  std::to_string(end - p) + " bytes", st);
  const size_t rows_before = out.size();
  grow_scalars(out, rows_before + b.records, mask);
  size_t row = rows_before;
  int64_t slots[kMaxSlots];
  std::memcpy(slots, f.program.defaults.data(), sizeof slots);
  uint64_t used = 0, rejected = 0;
  std::vector<std::string> messages;
  constexpr bool ft4 = std::is_same_v<Columns, Ft4Columns>;
  [[maybe_unused]] Ft4Arrays arrays;
  [[maybe_unused]] CommonColumn* cols[4] = {};
  [[maybe_unused]] const size_t reference = ft4 ? reference_ops(f.program) : 0;
  if constexpr (ft4) {
    CommonColumn* all[4] = {&out.common_pktsizes, &out.common_ttls, &out.common_srcports, &out.common_tcpflags};
    for (int k = 0; k < 4; ++k)
      if (mask & ft4_bit(Ft4Col(unsigned(Ft4Col::common_pktsizes) + unsigned(k)))) cols[k] = all[k];
  }
  for (uint64_t r = 0; r < b.records; ++r) {
    bool ok;
    if constexpr (ft4) {
      if (reference == kFt4ReferenceOps)
        ok = decode_record_ft4_std(f.program, cols, slots, arrays, p, end, std::make_index_sequence<kFt4ReferenceOps>());
      else if (reference == kFt4ReferenceOps - 2)
        ok = decode_record_ft4_std(f.program, cols, slots, arrays, p, end,
                                   std::make_index_sequence<kFt4ReferenceOps - 2>());
      else
        ok = decode_record_ft4(f.program, cols, slots, arrays, p, end);
    } else {
      ok = decode_record(f.program, s, slots, p, end);
    }
    if (!ok) {
      truncate_rows(out, rows_before, mask);
      return reject_block(f, b, "record " + std::to_string(r) + " of " + std::to_string(b.records) +
                                    " runs past the block's data or has a bad varint", st);
    }
    int fault;
    if constexpr (ft4) fault = commit_ft4(slots, arrays, cols, mask, out, row);
    else fault = commit(slots, s, out, row);
    if (fault == kOk) {
      ++used;
      ++row;
      continue;
    }
    ++rejected;
    if (messages.size() < ReadSummary::kErrorsKept && st.would_keep(f.file, b.offset)) {
      const std::string field(fault >= kArrayBase ? array_field_name(unsigned(fault - kArrayBase))
                                                  : slot_field_name(f.program.version, unsigned(fault)));
      const int first_code2 = f.program.version == FlowVersion::ft3 ? int(f3_maxmind_continent) : int(f4_maxmind_continent);
      messages.push_back("block: record " + std::to_string(r) + " rejected: " + field +
                         (fault >= kArrayBase    ? " has a value out of range or a length unlike its pair"
                          : fault >= first_code2 ? " is not a string of exactly 2 bytes"
                                                 : " = " + std::to_string(slots[fault]) + " is out of range"));
    }
  }
  if (p != end) {
    truncate_rows(out, rows_before, mask);
    return reject_block(f, b, std::to_string(b.records) + " records end at byte " +
                                  std::to_string(end - p) + " before the end of the block's data", st);
  }
  grow_scalars(out, row, mask);  // drop the rows of rejected records
  st.records_read += b.records;
  st.records_used += used;
  st.records_rejected += rejected;
  for (auto& m : messages) st.note(f.file, b.offset, std::move(m));
}

template <class Columns>
void decode_range(const FlowAvroFile::Impl& f, size_t first, size_t last, Columns& out, FlowReadStats& st,
                  FlowBlockReader::State& state) {
  const FlowVersion want = std::is_same_v<Columns, Ft3Columns> ? FlowVersion::ft3 : FlowVersion::ft4;
  if (f.program.version != want)
    throw std::logic_error(f.info.path + ": holds " + std::string(variant_name(f.info.variant)) +
                           " records, not the version of the columns asked for");
  last = std::min(last, f.blocks.size());
  if (first >= last) return;
  // One allocation for the range (growing columns costs page faults), but
  // not trusting counts: a record takes a byte at least, inflated or not.
  const uint64_t expand = f.info.codec == AvroCodec::deflate ? 64 : 1;
  uint64_t records = 0;
  for (size_t i = first; i < last; ++i)
    if (f.blocks[i].status == AvroBlock::Status::ok)
      records += std::min(f.blocks[i].records, f.blocks[i].bytes * expand);
  const uint32_t mask = std::is_same_v<Columns, Ft4Columns> ? state.ft4_columns : kFt4AllColumns;
  reserve_rows(out, out.size() + records, mask);
  Scratch& s = state.scratch;
  if (!state.file || state.path != f.info.path) {  // a reader keeps its last file open
    state.file.reset();
    state.file = std::make_unique<FileReader>(f.info.path);
    state.path = f.info.path;
  }
  FileReader& reader = *state.file;
  size_t group_end = first;  // blocks [.., group_end) are in s.stored
  for (size_t i = first; i < last; ++i) {
    const AvroBlock& b = f.blocks[i];
    if (i == group_end) {  // read the next blocks, up to kGroupBytes (one block at least)
      auto stored_end = [&](size_t k) { return std::min(f.size, f.blocks[k].data_offset + f.blocks[k].bytes); };
      const uint64_t from = b.offset;
      while (group_end < last && (group_end == i || stored_end(group_end) - from <= kGroupBytes)) ++group_end;
      const uint64_t to = std::max(from, stored_end(group_end - 1));
      reader.read(from, size_t(to - from), s.stored);
      s.stored_offset = from;
    }
    switch (b.status) {
      case AvroBlock::Status::ok: decode_one(f, b, s, out, st, mask); break;
      case AvroBlock::Status::bad_sync:
        ++st.blocks;
        reject_block(f, b, "the sync marker after its data is wrong", st);
        break;
      case AvroBlock::Status::truncated:
        ++st.blocks;
        reject_block(f, b, "the file ends inside this block (" + std::to_string(f.size - b.offset) +
                               " of its bytes present)", st);
        break;
      case AvroBlock::Status::unframed:
        st.bytes_unknown += b.bytes;
        st.note(f.file, b.offset, std::to_string(b.bytes) + " bytes are not a block header; the records there are unknown");
        break;
    }
  }
}

}  // namespace

void FlowAvroFile::decode_blocks(size_t first, size_t last, Ft3Columns& out, FlowReadStats& stats) const {
  FlowBlockReader reader;
  decode_range(*impl_, first, last, out, stats, *reader.state_);
}
void FlowAvroFile::decode_blocks(size_t first, size_t last, Ft4Columns& out, FlowReadStats& stats) const {
  FlowBlockReader reader;
  decode_range(*impl_, first, last, out, stats, *reader.state_);
}
void FlowAvroFile::decode_blocks(size_t first, size_t last, Ft3Columns& out, FlowReadStats& stats,
                                 FlowBlockReader& reader) const {
  decode_range(*impl_, first, last, out, stats, *reader.state_);
}
void FlowAvroFile::decode_blocks(size_t first, size_t last, Ft4Columns& out, FlowReadStats& stats,
                                 FlowBlockReader& reader) const {
  decode_range(*impl_, first, last, out, stats, *reader.state_);
}

}  // namespace scanhpc::flow
