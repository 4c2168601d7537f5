#pragma once
// Avro object container files of CAIDA STARDUST flowtuples (FT3 and FT4),
// MPI-free. Schemas, variants and codecs: ../shared/reference/flowtuple.md.
//
// Reading: FlowAvroFile reads a file's header and embedded schema (fields
// resolved by name, so every FT4 variant and field order works), walks the
// block headers of a byte range without decoding, and decodes any range of blocks
// into Ft3Columns / Ft4Columns. decode_blocks is const and keeps no shared
// mutable state, so threads (and ranks, each with its own FlowAvroFile) can
// split one file by blocks. The decoder is our own (a per-file compiled
// field program), not Avro C: see docs/flowtuple-avro.md for why and numbers.
//
// Writing: write_ft3_avro / write_ft4_avro with the reference schemas, codec
// deflate (default) or null, and a sync marker derived from the content, so
// the same input gives byte-identical files. The marker is a hash of the
// schema, the codec and a sum of per-block digests, so that processes can
// encode runs of whole blocks of one file on their own (encode_ft4_blocks)
// and the assembled file equals the one-call encoding byte for byte.
#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "scanhpc/core/read_summary.hpp"
#include "scanhpc/flow/flowtuple.hpp"

namespace scanhpc::flow {

enum class AvroCodec : uint8_t { null, deflate };
enum class FlowVersion : uint8_t { ft3, ft4 };
enum class FlowVariant : uint8_t {
  ft3,                   // record "flowtuple" (corsarotrace)
  ft4_with_counts,       // FT4 with spoofed_packet_cnt/masscan_packet_cnt (July 2021 on)
  ft4_without_counts,    // FT4 before those two fields ("schema version 1")
  ft4_draft_no_maxmind,  // early FT4 draft (record "flowtuple3"), no maxmind_* fields
};
std::string_view codec_name(AvroCodec codec);
std::string_view variant_name(FlowVariant variant);

// One block as its header says, found by walking the file without decoding.
struct AvroBlock {
  enum class Status : uint8_t {
    ok,         // framing intact (its data may still turn out corrupt when decoded)
    bad_sync,   // the 16 bytes after its data are not the file's sync marker
    truncated,  // the file ends inside its data or sync marker
    unframed,   // bytes that could not be parsed as a block header: records unknown
  };
  uint64_t offset = 0;       // of the block header (the record count)
  uint64_t data_offset = 0;  // of the stored (maybe compressed) data
  uint64_t records = 0;      // as the header says (0 for unframed)
  uint64_t bytes = 0;        // stored data bytes (unframed: length of the region)
  Status status = Status::ok;
};

struct FlowFileInfo {
  std::string path;
  FlowVersion version = FlowVersion::ft4;
  FlowVariant variant = FlowVariant::ft4_with_counts;
  std::string record_name;  // "flowtuple", "flowtuple4", "flowtuple3", ...
  AvroCodec codec = AvroCodec::null;
  std::string schema_json;
  uint64_t file_bytes = 0;
  uint64_t header_bytes = 0;                  // offset of the first block
  std::vector<std::string> defaulted_fields;  // column fields the schema lacks (0 or "??")
  std::vector<std::string> skipped_fields;    // schema fields no column holds
};

// Counts of one read: every reader's ReadSummary (records read = used +
// rejected, the first errors by (file, offset)), and the blocks and bytes.
struct FlowReadStats : ReadSummary {
  uint64_t blocks = 0, blocks_rejected = 0;
  uint64_t bytes_stored = 0;   // block data as stored in the file
  uint64_t bytes_decoded = 0;  // uncompressed record bytes of the blocks decoded
  uint64_t bytes_unknown = 0;  // unframed regions: their records are unknown
  void merge(const FlowReadStats& other);
};

// One thread's reading state: its buffer of stored blocks, its inflater and
// the last file it read, kept open. Decoding chunk after chunk through one
// reader costs no open, allocation or page fault per chunk.
//
// FT4 columns a reader fills (bit i of a mask; arrays are pairs, value and
// frequency). Every field of every record is still decoded and range
// checked, so which records are used or rejected, and the messages, do not
// depend on the mask; the columns left out stay empty. `time` is always filled
// (a chunk's size()).
enum class Ft4Col : uint8_t {
  time, src_ip, dst_net, dst_port, protocol, packet_cnt, uniq_dst_ips, uniq_pkt_sizes, uniq_ttls,
  uniq_src_ports, uniq_tcp_flags, first_syn_length, first_tcp_rwin, prefix2asn, spoofed_packet_cnt,
  masscan_packet_cnt, maxmind_continent, maxmind_country, netacq_continent, netacq_country,
  common_pktsizes, common_ttls, common_srcports, common_tcpflags
};
constexpr uint32_t ft4_bit(Ft4Col c) { return uint32_t(1) << unsigned(c); }
constexpr uint32_t kFt4AllColumns = (uint32_t(1) << 24) - 1;

class FlowBlockReader {
 public:
  FlowBlockReader();
  // The FT4 columns this reader's decodes fill (kFt4AllColumns by default).
  void set_ft4_columns(uint32_t mask);
  ~FlowBlockReader();
  FlowBlockReader(FlowBlockReader&&) noexcept;
  FlowBlockReader& operator=(FlowBlockReader&&) noexcept;
  struct State;
  std::unique_ptr<State> state_;
};

class FlowAvroFile {
 public:
  // Maps the file and parses header, schema and block list. Throws
  // std::runtime_error naming the file for: not Avro, unknown codec, a schema
  // that is not a flowtuple record or lacks a key field.
  // `file` is the file's index in the run's file table, written into its errors.
  explicit FlowAvroFile(const std::string& path, uint32_t file = 0);
  // The blocks of the byte range [begin, end) only, for a reader that shares
  // the file with others: those of the regions (runs of blocks between sync
  // markers) that start in the range. Ranges that tile the file read every
  // block exactly once, whatever the split; the header is read by each.
  FlowAvroFile(const std::string& path, uint64_t begin, uint64_t end, uint32_t file = 0);
  ~FlowAvroFile();
  FlowAvroFile(FlowAvroFile&&) noexcept;
  FlowAvroFile& operator=(FlowAvroFile&&) noexcept;

  const FlowFileInfo& info() const;
  // All blocks (of the range) in file order, including corrupt and unframed entries.
  const std::vector<AvroBlock>& blocks() const;

  // Decodes blocks [first, last) and appends their good records to `out`;
  // counts go to `stats`. Thread-safe (const, per-call scratch). Throws
  // std::logic_error if `out` is of the other version than the file.
  void decode_blocks(size_t first, size_t last, Ft3Columns& out, FlowReadStats& stats) const;
  void decode_blocks(size_t first, size_t last, Ft4Columns& out, FlowReadStats& stats) const;
  // The same through a thread's reader (reused buffers, the file kept open).
  void decode_blocks(size_t first, size_t last, Ft3Columns& out, FlowReadStats& stats, FlowBlockReader& reader) const;
  void decode_blocks(size_t first, size_t last, Ft4Columns& out, FlowReadStats& stats, FlowBlockReader& reader) const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// The whole file in one call (FlowAvroFile + decode_blocks over all blocks).
Ft3Columns read_ft3_avro(const std::string& path, FlowReadStats& stats);
Ft4Columns read_ft4_avro(const std::string& path, FlowReadStats& stats);

// ------------------------------------------------------------- writing --
enum class Ft4Schema : uint8_t { with_counts, without_counts };

struct FlowWriteOptions {
  AvroCodec codec = AvroCodec::deflate;
  size_t block_bytes = 16 * 1024;  // uncompressed bytes per block (corsaro's 16 KiB)
  size_t block_records = 0;        // if > 0: records per block instead of block_bytes
  int deflate_level = 6;
  Ft4Schema ft4_schema = Ft4Schema::with_counts;
};

// Records per block of the FT4 files scanhpc makes (flow convert, synth):
// fixed, so that any rank can encode any block of a file; corsaro's 16 KiB
// blocks hold about as many FT4 records.
constexpr size_t kFt4BlockRecords = 256;

// The reference schema texts (flowtuple.md section 1).
std::string_view ft3_schema_json();
std::string_view ft4_schema_json(Ft4Schema schema);

// Whole container files as bytes, and written to a path (throws on I/O error).
std::string encode_ft3_avro(const Ft3Columns& rows, const FlowWriteOptions& options = {});
std::string encode_ft4_avro(const Ft4Columns& rows, const FlowWriteOptions& options = {});
void write_ft3_avro(const std::string& path, const Ft3Columns& rows, const FlowWriteOptions& options = {});
void write_ft4_avro(const std::string& path, const Ft4Columns& rows, const FlowWriteOptions& options = {});

// ------------------------------------------- one file, written in pieces --
// A run of whole blocks of an FT4 file: with block_records > 0, block b of
// the file holds its rows [b * block_records, (b + 1) * block_records), so
// any process that holds those rows can encode the block. `data` is each
// block's count, size and stored bytes without the sync marker that follows
// it in the file; `digest` adds up with the digests of the other pieces.
struct EncodedBlocks {
  std::string data;
  std::vector<uint64_t> ends;  // end of each block in data
  uint64_t digest[2] = {0, 0};
  uint64_t file_bytes() const { return data.size() + 16 * uint64_t(ends.size()); }  // with the markers
};
using SyncMarker = std::array<char, 16>;

// Rows [first, last) of `rows`, the first of them the first row of block
// `first_block` of its file (needs options.block_records > 0).
EncodedBlocks encode_ft4_blocks(const Ft4Columns& rows, size_t first, size_t last, uint64_t first_block,
                                const FlowWriteOptions& options);
// The file's marker from the sum of all its pieces' digests, and its header.
SyncMarker ft4_sync_marker(const uint64_t digest[2], const FlowWriteOptions& options);
std::string ft4_container_header(const SyncMarker& sync, const FlowWriteOptions& options);
// Appends the blocks of [from, to) with their markers, as they lie in the file.
void append_with_sync(const EncodedBlocks& blocks, size_t from, size_t to, const SyncMarker& sync, std::string& out);

}  // namespace scanhpc::flow
