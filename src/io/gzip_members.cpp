// Member-split gzip: the member start test, scanning, the member-by-member
// inflater (zlib's inflate(), one member per reset, so that a member's end
// and damage are seen where they are), a range's line cutter and the plan
// that places the pieces. See the header for the rules they implement.
#include "scanhpc/io/gzip_members.hpp"

#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "scanhpc/io/ingest.hpp"
#include "scanhpc/io/masscan_lines.hpp"
#include "scanhpc/io/pread_file.hpp"

namespace scanhpc {
namespace {

constexpr uint64_t kNone = ~uint64_t(0);
constexpr size_t kInputBlock = size_t(256) << 10;
constexpr size_t kScanBlock = size_t(256) << 10;

// zlib's inflate state for gzip members (header and trailer checked by zlib).
struct GzipInflate {
  z_stream z{};
  GzipInflate() {
    if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) throw std::runtime_error("zlib inflateInit2 failed");
  }
  ~GzipInflate() { inflateEnd(&z); }
  GzipInflate(const GzipInflate&) = delete;
  GzipInflate& operator=(const GzipInflate&) = delete;
};

// ID1 ID2 CM=deflate, and a FLG without the reserved bits.
bool header_candidate(const unsigned char* p) {
  return p[0] == 0x1f && p[1] == 0x8b && p[2] == 8 && (p[3] & 0xe0) == 0;
}

// The member start test (see the header): deterministic in the file's bytes.
bool member_starts_at(const PreadFile& in, uint64_t pos) {
  if (pos >= in.bytes()) return false;
  const size_t bound = size_t(std::min<uint64_t>(kMemberCheckBytes, in.bytes() - pos));
  if (bound < 18) return false;  // the smallest member
  const auto input = std::make_unique_for_overwrite<unsigned char[]>(bound);
  if (in.read_at(input.get(), bound, pos) != bound || !header_candidate(input.get())) return false;
  GzipInflate g;
  g.z.next_in = input.get();
  g.z.avail_in = uInt(bound);
  unsigned char scratch[1 << 15];
  for (;;) {
    g.z.next_out = scratch;
    g.z.avail_out = sizeof scratch;
    const int rc = inflate(&g.z, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) return true;  // CRC32 and ISIZE checked
    if (rc != Z_OK && rc != Z_BUF_ERROR) return false;
    // All input taken and nothing more to write: fine if the bound stopped it, not the end of the file.
    if (g.z.avail_in == 0 && g.z.avail_out > 0) return pos + bound < in.bytes();
  }
}

// The first member start in [from, limit), or kNone.
uint64_t find_member_start(const PreadFile& in, uint64_t from, uint64_t limit) {
  if (from >= limit) return kNone;
  const size_t block = size_t(std::min<uint64_t>(kScanBlock, limit - from));
  const auto buf = std::make_unique_for_overwrite<unsigned char[]>(block + 3);  // 3 more: a header at its end
  for (uint64_t at = from; at < limit; at += block) {
    const size_t span = size_t(std::min<uint64_t>(block, limit - at));
    const size_t got = in.read_at(buf.get(), span + 3, at);
    const size_t candidates = got > 3 ? std::min(span, got - 3) : 0;  // positions with a whole header to check
    for (size_t p = 0; p < candidates;) {
      const auto* hit = static_cast<const unsigned char*>(std::memchr(buf.get() + p, 0x1f, candidates - p));
      if (!hit) break;
      const size_t i = size_t(hit - buf.get());
      if (header_candidate(hit) && member_starts_at(in, at + i)) return at + i;
      p = i + 1;
    }
    if (got < span + 3) break;  // the end of the file
  }
  return kNone;
}

// Inflates one member at a time from any compressed offset, through one
// input buffer (a member that follows in it is not read again).
class MemberInflater {
 public:
  enum class Status { reading, ended, damaged };
  explicit MemberInflater(const PreadFile& in)
      : in_(in), input_(std::make_unique_for_overwrite<unsigned char[]>(kInputBlock)) {}

  void start(uint64_t pos) {
    if (pos >= base_ && pos <= base_ + end_) {
      at_ = size_t(pos - base_);
    } else {
      base_ = pos;
      at_ = end_ = 0;
    }
    inflateReset(&g_.z);
    status_ = Status::reading;
    cause_.clear();
    unsigned char magic[2] = {0, 0};
    if (at_ + 2 <= end_) std::memcpy(magic, input_.get() + at_, 2);
    else in_.read_at(magic, 2, pos);
    magic_ = magic[0] == 0x1f && magic[1] == 0x8b;
  }

  // Up to n inflated bytes; status() says whether the member goes on.
  size_t inflate(char* out, size_t n) {
    size_t total = 0;
    while (total < n && status_ == Status::reading) {
      if (at_ == end_ && !refill()) {
        status_ = Status::damaged;
        cause_ = "truncated gzip member (unexpected end of file)";
        break;
      }
      g_.z.next_in = input_.get() + at_;
      g_.z.avail_in = uInt(end_ - at_);
      g_.z.next_out = reinterpret_cast<Bytef*>(out + total);
      g_.z.avail_out = uInt(std::min<size_t>(n - total, size_t(1) << 30));
      const uInt before = g_.z.avail_out;
      const int rc = ::inflate(&g_.z, Z_NO_FLUSH);
      total += before - g_.z.avail_out;
      at_ = end_ - g_.z.avail_in;
      if (rc == Z_STREAM_END) {
        status_ = Status::ended;
      } else if (rc != Z_OK && !(rc == Z_BUF_ERROR && at_ == end_)) {
        status_ = Status::damaged;
        cause_ = "corrupt gzip data (" + std::string(g_.z.msg ? g_.z.msg : "zlib error " + std::to_string(rc)) + ")";
      }
    }
    return total;
  }

  Status status() const { return status_; }
  uint64_t position() const { return base_ + at_; }  // after ended: just past the member
  bool magic() const { return magic_; }              // the item began with 1f 8b
  const std::string& cause() const { return cause_; }

 private:
  bool refill() {
    base_ += end_;
    at_ = 0;
    end_ = in_.read_at(input_.get(), kInputBlock, base_);
    return end_ > 0;
  }

  const PreadFile& in_;
  GzipInflate g_;
  std::unique_ptr<unsigned char[]> input_;
  uint64_t base_ = 0;  // compressed offset of input_[0]
  size_t at_ = 0, end_ = 0;
  Status status_ = Status::ended;
  bool magic_ = false;
  std::string cause_;
};

// Cuts a piece's inflated bytes into lines: its first line kept aside, the
// others parsed at offsets from the piece's first byte, its last one read to
// its end from the bytes after the piece (tail()).
class RangeLines {
 public:
  RangeLines(GzipMemberPiece& piece, MasscanFormat format, const LineContext& context, size_t max_record_bytes)
      : piece_(piece), parser_(format, context), max_(max_record_bytes), pad_(json_line_padding()) {}

  // Room for n bytes after the unfinished line, with the parser's padding.
  char* room(size_t n) {
    buf_.resize(have_ + n + pad_);
    return buf_.data() + have_;
  }

  // n bytes of the piece's own members, written at room().
  void owned(size_t n) {
    if (n == 0) return;
    piece_.summary.inflated += n;
    piece_.summary.ends_in = buf_[have_ + n - 1] == '\n' ? LineState::line_start : LineState::mid_line;
    const size_t len = have_ + n;
    size_t pos = 0;
    for (;;) {
      auto* nl = static_cast<char*>(std::memchr(buf_.data() + pos, '\n', len - pos));
      if (!nl) break;
      line(pos, size_t(nl - buf_.data()) - pos);
      pos = size_t(nl - buf_.data()) + 1;
    }
    const size_t rest = len - pos;
    if (mode_ != Mode::skip && rest > max_) {
      too_long(pos);
      mode_ = Mode::skip;
    }
    if (mode_ == Mode::skip) {
      drop(len);
    } else {
      std::memmove(buf_.data(), buf_.data() + pos, rest);
      have_ = rest;
      offset_ += pos;
    }
    piece_.sink.maybe_hand_on();
  }

  // The piece's bytes end in a line that has not ended.
  bool unfinished() const { return mode_ != Mode::skip && have_ > 0; }

  // n bytes of the members after the piece, written at room(): true once
  // the unfinished line is complete (or known to be too long).
  bool tail(size_t n) {
    auto* nl = static_cast<char*>(std::memchr(buf_.data() + have_, '\n', n));
    const size_t len = nl ? size_t(nl - buf_.data()) : have_ + n;
    if (nl || len > max_) {
      line(0, len);
      drop(0);
      return true;
    }
    have_ = len;
    return false;
  }

  // The last line of the file, without '\n'.
  void end_of_stream() {
    if (unfinished()) line(0, have_);
    drop(0);
  }

  // The members after the piece are damaged before the line ended: the line
  // (the first one too: piece_.first stays none) is lost, counted by the
  // damaged record of the piece that owns them.
  void cut_by_later_damage() { drop(0); }

  // Damage in the piece's own members, after the bytes given so far: the
  // unfinished line and the partial line where reading resumes are lost with
  // the rest of the member; one rejected record stands for them.
  void damage(const std::string& cause) {
    piece_.sink.reject_damaged(piece_.summary.file, offset_ + have_, cause);
    piece_.summary.ends_in = LineState::mid_line;
    drop(have_);
    mode_ = Mode::skip;
  }

 private:
  enum class Mode { first, lines, skip };  // skip: to the next '\n' (a line too long, or cut by damage)

  void line(size_t pos, size_t len) {
    switch (mode_) {
      case Mode::first:
        if (len > max_) {
          piece_.first = GzipMemberPiece::FirstLine::too_long;
        } else {
          piece_.first = GzipMemberPiece::FirstLine::kept;
          piece_.first_line.assign(buf_.data() + pos, len);
        }
        break;
      case Mode::lines:
        if (len > max_) too_long(pos);
        else parser_.parse(std::string_view(buf_.data() + pos, len), piece_.summary.file, offset_ + pos, piece_.sink);
        break;
      case Mode::skip:
        break;
    }
    mode_ = Mode::lines;
  }

  void too_long(size_t pos) {
    if (mode_ == Mode::first) piece_.first = GzipMemberPiece::FirstLine::too_long;
    else piece_.sink.reject(piece_.summary.file, offset_ + pos, record_too_long(max_));
  }

  void drop(size_t len) {  // the first len bytes of buf_ are done with; nothing is carried
    offset_ += len;
    have_ = 0;
  }

  GzipMemberPiece& piece_;
  LineParser parser_;
  size_t max_, pad_;
  std::vector<char> buf_;
  size_t have_ = 0;      // the unfinished line at the front of buf_
  uint64_t offset_ = 0;  // the piece's offset of buf_[0]
  Mode mode_ = Mode::first;
};

// Another thread failed: the run fails with its error, this piece is left unfinished.
bool cancelled(const std::atomic<bool>* cancel) { return cancel && cancel->load(std::memory_order_relaxed); }

std::string damage_cause(const MemberInflater& z, uint64_t at, uint64_t next) {
  std::string where = next == kNone ? "no member follows"
                                    : "read on from the next member, at compressed byte " + std::to_string(next);
  if (!z.magic())
    return "damaged gzip file: no gzip member at compressed byte " + std::to_string(at) + ", " + where;
  return "damaged gzip member at compressed byte " + std::to_string(at) + ", the rest of it is lost (" + z.cause() +
         "); " + where;
}

// Reads the unfinished last line of a piece to its end from compressed byte pos on.
void finish_last_line(const PreadFile& in, MemberInflater& z, RangeLines& lines, uint64_t pos, size_t block,
                      const GzipRangeOptions& opt) {
  if (!lines.unfinished()) return;
  while (pos < in.bytes()) {
    z.start(pos);
    while (z.status() == MemberInflater::Status::reading) {
      if (cancelled(opt.cancel)) return;
      const size_t n = z.inflate(lines.room(block), block);
      if (lines.tail(n)) return;
    }
    if (z.status() == MemberInflater::Status::ended) {
      pos = z.position();
      continue;
    }
    // Bytes after the last member end the stream, as in the sequential read; damage cuts the line.
    if (!z.magic() && find_member_start(in, pos + 1, in.bytes()) == kNone) break;
    lines.cut_by_later_damage();
    return;
  }
  lines.end_of_stream();
}

}  // namespace

std::string_view gzip_members_name(GzipMembers m) {
  switch (m) {
    case GzipMembers::bgzf: return "bgzf";
    case GzipMembers::concatenated: return "concatenated";
    case GzipMembers::none: break;
  }
  return "one member";
}

GzipMembers sniff_gzip_members(const std::string& path, uint64_t file_bytes) {
  PreadFile in(path, file_bytes);
  unsigned char head[12];
  if (in.read_at(head, sizeof head, 0) != sizeof head || !header_candidate(head)) return GzipMembers::none;
  if (head[3] & 4) {  // FEXTRA: BGZF's BC subfield gives the member's size, BSIZE + 1
    const size_t xlen = size_t(head[10]) | size_t(head[11]) << 8;
    std::vector<unsigned char> extra(xlen);
    if (in.read_at(extra.data(), xlen, 12) == xlen)
      for (size_t at = 0; at + 4 <= xlen;) {
        const size_t slen = size_t(extra[at + 2]) | size_t(extra[at + 3]) << 8;
        if (extra[at] == 'B' && extra[at + 1] == 'C' && slen == 2 && at + 6 <= xlen) {
          const uint64_t next = (uint64_t(extra[at + 4]) | uint64_t(extra[at + 5]) << 8) + 1;
          unsigned char second[4];
          if (next < file_bytes && in.read_at(second, 4, next) == 4 && header_candidate(second) &&
              member_starts_at(in, 0))
            return GzipMembers::bgzf;
          break;
        }
        at += 4 + slen;
      }
  }
  // Scanning is cheap where inflating is not: a file of one member (the
  // common case) is told by a scan that meets no member start, and only a
  // file where one starts has its first member inflated to its end.
  const uint64_t limit = std::min(file_bytes, kMemberSniffBytes);
  if (find_member_start(in, 1, limit) == kNone) return GzipMembers::none;
  MemberInflater z(in);
  z.start(0);
  std::vector<char> sink(size_t(1) << 20);
  while (z.status() == MemberInflater::Status::reading && z.position() <= limit) z.inflate(sink.data(), sink.size());
  if (z.status() != MemberInflater::Status::ended || z.position() >= file_bytes) return GzipMembers::none;
  unsigned char second[4];
  return in.read_at(second, 4, z.position()) == 4 && header_candidate(second) ? GzipMembers::concatenated
                                                                             : GzipMembers::none;
}

void read_gzip_member_range(const std::string& path, uint64_t file_bytes, uint32_t file, MasscanFormat format,
                            uint64_t begin, uint64_t end, const GzipRangeOptions& opt, GzipMemberPiece& piece) {
  piece.summary.file = file;
  piece.summary.begin = begin;
  piece.summary.end = end;
  piece.sink.keep_banners = opt.keep_banners;
  PreadFile in(path, file_bytes);
  uint64_t pos = begin == 0 ? 0 : find_member_start(in, begin, end);
  if (pos == kNone) return;  // no member starts here
  piece.summary.empty = false;
  piece.summary.start = pos;
  RangeLines lines(piece, format, opt.context, opt.max_record_bytes);
  MemberInflater z(in);
  // Steps in proportion to the range (a few times its compressed bytes), so a small range needs no large buffer.
  const uint64_t most = std::max<size_t>(opt.block_bytes, 1);
  const size_t block = size_t(std::clamp<uint64_t>(4 * (end - begin), std::min<uint64_t>(most, 1 << 16), most));
  bool known_start = true;  // pos is a member start found by scanning (or byte 0)
  while (pos < file_bytes) {
    // A member start at or after `end` is the next piece's; a damaged item
    // where a member ended is this piece's, wherever it is.
    if (pos >= end && (known_start || member_starts_at(in, pos))) break;
    z.start(pos);
    while (z.status() == MemberInflater::Status::reading) {
      if (cancelled(opt.cancel)) return;
      lines.owned(z.inflate(lines.room(block), block));
    }
    if (z.status() == MemberInflater::Status::ended) {
      pos = z.position();
      known_start = false;
      continue;
    }
    const uint64_t next = find_member_start(in, pos + 1, file_bytes);
    if (next == kNone && !z.magic()) {  // bytes after the last member: ignored, as gzip does
      pos = file_bytes;
      break;
    }
    lines.damage(damage_cause(z, pos, next));
    pos = next == kNone ? file_bytes : next;
    known_start = true;
  }
  piece.summary.stop = pos;
  finish_last_line(in, z, lines, pos, block, opt);
}

std::string serialize_piece_summaries(const std::vector<GzipPieceSummary>& pieces) {
  std::string out;
  auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  for (const auto& s : pieces) {
    const uint8_t flags[2] = {uint8_t(s.empty), uint8_t(s.ends_in)};
    put(&s.file, 4);
    for (uint64_t v : {s.begin, s.end, s.start, s.stop, s.inflated}) put(&v, 8);
    put(flags, 2);
  }
  return out;
}

void deserialize_piece_summaries(const std::string& bytes, std::vector<GzipPieceSummary>& out) {
  constexpr size_t kRecord = 4 + 5 * 8 + 2;
  if (bytes.size() % kRecord) throw std::runtime_error("deserialize_piece_summaries: truncated");
  for (size_t at = 0; at < bytes.size(); at += kRecord) {
    GzipPieceSummary s;
    const char* p = bytes.data() + at;
    std::memcpy(&s.file, p, 4);
    uint64_t v[5];
    std::memcpy(v, p + 4, sizeof v);
    s.begin = v[0];
    s.end = v[1];
    s.start = v[2];
    s.stop = v[3];
    s.inflated = v[4];
    s.empty = p[44] != 0;
    s.ends_in = LineState(uint8_t(p[45]));
    out.push_back(s);
  }
}

GzipPiecePlan::GzipPiecePlan(std::vector<GzipPieceSummary> all, const std::vector<std::string>& paths)
    : pieces_(std::move(all)) {
  std::sort(pieces_.begin(), pieces_.end(),
            [](const auto& a, const auto& b) { return a.file != b.file ? a.file < b.file : a.begin < b.begin; });
  places_.resize(pieces_.size());
  const std::string hint = ": decompress it (gzip -dc) and give the plain file";
  for (size_t i = 0; i < pieces_.size();) {
    const uint32_t file = pieces_[i].file;
    const std::string& path = file < paths.size() ? paths[file] : std::string("?");
    uint64_t covered = 0, next_start = 0, base = 0;
    LineState state = LineState::line_start;
    for (; i < pieces_.size() && pieces_[i].file == file; ++i) {
      const auto& p = pieces_[i];
      if (p.begin != covered)
        throw std::runtime_error(path + ": compressed bytes " + std::to_string(covered) + " to " +
                                 std::to_string(p.begin) + " were not read by any rank");
      covered = p.end;
      places_[i] = {base, state == LineState::line_start};
      if (p.empty) continue;
      if (p.start != next_start)
        throw std::runtime_error(path + ": gzip members do not line up: members were read to compressed byte " +
                                 std::to_string(next_start) + ", but the range from byte " +
                                 std::to_string(p.begin) + " found its first member at byte " +
                                 std::to_string(p.start) +
                                 " (a false member start inside compressed data, or the file changed while read)" +
                                 hint);
      next_start = p.stop;
      base += p.inflated;
      if (p.ends_in != LineState::unchanged) state = p.ends_in;
    }
    if (next_start != covered)
      throw std::runtime_error(path + ": gzip members were read to compressed byte " + std::to_string(next_start) +
                               " of " + std::to_string(covered) + hint);
  }
}

GzipPiecePlace GzipPiecePlan::place(uint32_t file, uint64_t begin) const {
  auto it = std::lower_bound(pieces_.begin(), pieces_.end(), std::make_pair(file, begin), [](const auto& p, auto key) {
    return p.file != key.first ? p.file < key.first : p.begin < key.second;
  });
  if (it == pieces_.end() || it->file != file || it->begin != begin)
    throw std::logic_error("GzipPiecePlan::place: a piece that was not planned");
  return places_[size_t(it - pieces_.begin())];
}

void settle_gzip_piece(GzipMemberPiece& piece, const GzipPiecePlace& place, MasscanFormat format,
                       size_t max_record_bytes, const LineContext& context) {
  const uint32_t file = piece.summary.file;
  if (place.line_start && piece.first == GzipMemberPiece::FirstLine::kept) {
    std::string padded = std::move(piece.first_line);
    const size_t len = padded.size();
    padded.resize(len + json_line_padding());
    LineParser(format, context).parse(std::string_view(padded.data(), len), file, 0, piece.sink);
  } else if (place.line_start && piece.first == GzipMemberPiece::FirstLine::too_long) {
    piece.sink.reject(file, 0, record_too_long(max_record_bytes));
  }
  piece.first_line.clear();
  for (auto& e : piece.sink.errors) e.offset += place.base;
  for (auto& e : piece.sink.damaged) e.offset += place.base;
}

}  // namespace scanhpc
