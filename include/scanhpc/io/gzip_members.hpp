#pragma once
// Gzip files of several members (bgzip's BGZF, `cat a.gz b.gz`, chunked
// gzips) read in parallel: byte ranges of compressed bytes, each reading the
// members that start in it, give the lines, offsets and damage of one
// sequential read of the whole file. MPI-free.
//
// The one sequential read (what every split reproduces). From compressed
// byte 0, member after member; the inflated bytes form one stream of lines.
// A damaged item (a corrupt or truncated member, or bytes that are no member)
// gives what inflated before the damage, then one rejected record, at the
// inflated offset of the damage, stands for the rest of that member, the
// line the damage cut and the partial line where reading resumes: at the next
// place a member starts (found by scanning). A one-member file read as a
// stream (io/byte_stream) loses the rest of the file instead. Bytes after the
// last member that hold no member start are ignored, as gzip does.
//
// A member starts, for scanning, where the bytes 1f 8b 08 and a FLG without
// reserved bits begin a member that inflates to its trailer with the right
// CRC32 and ISIZE, or without error for its first kMemberCheckBytes compressed
// bytes (members larger than that are not inflated twice to be trusted; a false
// start would still be caught, see GzipPiecePlan). The test depends on the
// file's bytes only, so every reader agrees on it.
//
// A range [begin, end) reads (a "piece"): from the first member start at or
// after `begin` (byte 0 for the first range), every member that starts before
// `end`, one after the other. A damaged item found where a member it read
// ends belongs to it even past `end` (the range holding its first byte could
// not find it by scanning). The members read are the piece's share of the
// stream; where it stops (the next member start at or after `end`, or the end
// of the file) is where the next non-empty piece must start.
//
// Lines. A line belongs to the piece whose inflated bytes hold its first
// byte: a piece reads its last line to its end from the members after it,
// and keeps its first line (the bytes before its first '\n') aside: whether
// that is a line start depends on the bytes before the piece, which another
// rank may hold. Offsets too: a piece counts them from its own first inflated
// byte. Both are settled once every piece's summary is known (a small
// collective, commands/gzip_member_input): an exchange of one summary per
// piece, instead of inflating the members before a range a second time (the
// whole file before it, for the offsets of a `cat` of gzip files).
#include <atomic>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scanhpc/io/masscan_format.hpp"
#include "scanhpc/io/parse_sink.hpp"

namespace scanhpc {

enum class GzipMembers : uint8_t {
  none,          // not gzip, or one member: read as one stream
  bgzf,          // bgzip's blocked gzip (FEXTRA subfield BC): members of at most 64 KiB
  concatenated,  // the first member ends before the file does, and another member follows
};

// Compressed bytes of a member inflated to trust a member start found by scanning.
inline constexpr uint64_t kMemberCheckBytes = uint64_t(256) << 10;
// The first member is inflated this far, at most, to see whether another follows.
inline constexpr uint64_t kMemberSniffBytes = uint64_t(64) << 20;

// At listing, from the file's compressed bytes: BGZF from the first header
// (and a second header where its BSIZE says); otherwise concatenated when a
// member start lies within the first kMemberSniffBytes and the first member,
// inflated, ends before the end of the file with another member after it.
// Throws std::runtime_error naming the path on read errors.
GzipMembers sniff_gzip_members(const std::string& path, uint64_t file_bytes);

std::string_view gzip_members_name(GzipMembers m);  // "bgzf", "concatenated", "one member"

// What follows a piece's inflated bytes for the piece after it.
enum class LineState : uint8_t {
  unchanged,   // it read no inflated byte and no damage: as before it
  line_start,  // its last inflated byte is '\n'
  mid_line,    // a line runs on (or damage cut it: the next partial line is lost)
};

// What a piece tells the others, in file order: the same on every rank.
struct GzipPieceSummary {
  uint32_t file = 0;
  uint64_t begin = 0, end = 0;   // the compressed range it was given
  bool empty = true;             // no member starts in the range
  uint64_t start = 0, stop = 0;  // compressed: its first member, and where the next piece must start
  uint64_t inflated = 0;         // inflated bytes of its members (lines read past `stop` not counted)
  LineState ends_in = LineState::unchanged;
};
std::string serialize_piece_summaries(const std::vector<GzipPieceSummary>& pieces);
void deserialize_piece_summaries(const std::string& bytes, std::vector<GzipPieceSummary>& out);

// A range read, waiting to be placed in its file's inflated stream.
struct GzipMemberPiece {
  GzipPieceSummary summary;
  enum class FirstLine : uint8_t { none, kept, too_long };
  FirstLine first = FirstLine::none;  // none: no inflated byte, or damage before the first '\n'
  std::string first_line;             // without its '\n'
  ParseSink sink;  // every other line and damage, offsets from the piece's first inflated byte
};

struct GzipRangeOptions {
  size_t max_record_bytes = size_t(16) << 20;
  size_t block_bytes = size_t(1) << 20;  // inflated per step, at most (less for small ranges)
  bool keep_banners = false;
  LineContext context;  // what the line parser knows of the file beyond its format (--port, --lzr-filter)
  const std::atomic<bool>* cancel = nullptr;  // another thread failed: return early (the run fails)
};

// Reads the members of compressed range [begin, end) of gzip file `path`
// (file index `file` in the run's table) in line format `format` into a
// fresh `piece`, whose sink's columns may hold rows already: the rows are
// appended (rows need no placing, so a caller can lend its own columns).
// Throws std::runtime_error naming the path on I/O errors; damaged data is
// counted.
void read_gzip_member_range(const std::string& path, uint64_t file_bytes, uint32_t file, MasscanFormat format,
                            uint64_t begin, uint64_t end, const GzipRangeOptions& options, GzipMemberPiece& piece);

// Where a piece's bytes lie in its file's inflated stream.
struct GzipPiecePlace {
  uint64_t base = 0;        // inflated offset of its first byte
  bool line_start = false;  // its first byte starts a line (its first line is its own)
};

// Every piece of every member-split file (every rank's, any order). Checks
// that each file's non-empty pieces tile its members exactly once: the first
// starts at byte 0, each starts where the one before stopped, the last stops
// at the end of the file. A mismatch (a false member start that passed the
// test inside compressed data, a gzip file stored uncompressed inside a
// member, or a file that changed while read) throws std::runtime_error naming
// the file and offsets: different output is never produced silently.
class GzipPiecePlan {
 public:
  GzipPiecePlan(std::vector<GzipPieceSummary> all, const std::vector<std::string>& paths);
  GzipPiecePlace place(uint32_t file, uint64_t begin) const;  // of the piece given [begin, ...)

 private:
  std::vector<GzipPieceSummary> pieces_;  // by (file, begin)
  std::vector<GzipPiecePlace> places_;
};

// Completes a piece at its place: its first line parsed (or rejected as too
// long) when it starts a line, the offsets of its errors and damage made
// offsets in the file's inflated stream.
void settle_gzip_piece(GzipMemberPiece& piece, const GzipPiecePlace& place, MasscanFormat format,
                       size_t max_record_bytes, const LineContext& context = {});

}  // namespace scanhpc
