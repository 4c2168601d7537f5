// Avro object container files: the header (magic, metadata map, sync marker)
// and the block list, walked from block header to block header without
// decoding, with resynchronisation on the sync marker after corruption.
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

#include <cstring>
#include <map>
#include <stdexcept>

#include "avro_internal.hpp"

namespace scanhpc::flow {

using namespace avro_detail;

std::string_view codec_name(AvroCodec codec) { return codec == AvroCodec::null ? "null" : "deflate"; }

std::string_view variant_name(FlowVariant variant) {
  switch (variant) {
    case FlowVariant::ft3: return "ft3";
    case FlowVariant::ft4_with_counts: return "ft4";
    case FlowVariant::ft4_without_counts: return "ft4-without-spoofed-masscan";
    case FlowVariant::ft4_draft_no_maxmind: return "ft4-draft-flowtuple3";
  }
  return "?";
}

void FlowReadStats::merge(const FlowReadStats& o) {
  ReadSummary copy = o;
  ReadSummary::merge(std::move(copy));
  blocks += o.blocks; blocks_rejected += o.blocks_rejected;
  bytes_stored += o.bytes_stored; bytes_decoded += o.bytes_decoded; bytes_unknown += o.bytes_unknown;
}

FileReader::FileReader(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw std::runtime_error(path + ": cannot open: " + std::strerror(errno));
  struct stat st{};
  if (::fstat(fd_, &st) != 0) {
    const int e = errno;
    ::close(fd_);
    throw std::runtime_error(path + ": cannot stat: " + std::strerror(e));
  }
  size_ = uint64_t(st.st_size);
}

FileReader::~FileReader() {
  if (fd_ >= 0) ::close(fd_);
}

void FileReader::read(uint64_t pos, size_t n, std::vector<uint8_t>& out) const {
  out.resize(n);
  size_t done = 0;
  while (done < n) {
    const ssize_t got = ::pread(fd_, out.data() + done, n - done, off_t(pos + done));
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) throw std::runtime_error(path_ + ": read error at byte " + std::to_string(pos + done) + ": " +
                                          std::strerror(errno));
    if (got == 0) throw std::runtime_error(path_ + ": the file ends at byte " + std::to_string(pos + done) +
                                           " while reading (was it truncated while being read?)");
    done += size_t(got);
  }
}

const uint8_t* FileReader::view(uint64_t pos, size_t n, size_t& got, size_t window) {
  got = pos >= size_ ? 0 : size_t(std::min<uint64_t>(n, size_ - pos));
  if (pos < buf_pos_ || pos + got > buf_pos_ + buf_len_) {
    buf_pos_ = pos;
    buf_len_ = size_t(std::min<uint64_t>(std::max(got, window), size_ - std::min(pos, size_)));
    read(buf_pos_, buf_len_, buf_);
  }
  return buf_.data() + (pos - buf_pos_);
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

// The header: "Obj\1", a map<string, bytes> of metadata, the sync marker,
// in the file's first `n` bytes at `data` (the whole header must be there).
void parse_header(FlowAvroFile::Impl& f, const uint8_t* data, size_t n) {
  const std::string& path = f.info.path;
  const uint8_t* p = data;
  const uint8_t* end = data + n;
  if (n < 4 || std::memcmp(p, "Obj\x01", 4) != 0) fail(path, "not an Avro object container file (no Obj\\1 magic)");
  p += 4;
  std::map<std::string, std::string> meta;
  for (;;) {
    int64_t count = 0, block_bytes = 0;
    if (!read_long(p, end, count)) fail(path, "corrupt metadata map in the header");
    if (count == 0) break;
    if (count < 0) {
      if (count == INT64_MIN) fail(path, "corrupt metadata map in the header");  // -count would overflow
      count = -count;
      if (!read_long(p, end, block_bytes)) fail(path, "corrupt metadata map in the header");
    }
    for (int64_t i = 0; i < count; ++i) {
      std::string kv[2];
      for (auto& s : kv) {
        int64_t len = 0;
        if (!read_long(p, end, len) || len < 0 || len > end - p) fail(path, "corrupt metadata map in the header");
        s.assign(reinterpret_cast<const char*>(p), size_t(len));
        p += len;
      }
      meta[kv[0]] = kv[1];
    }
  }
  if (end - p < 16) fail(path, "header ends before the sync marker");
  std::memcpy(f.sync.data(), p, 16);
  p += 16;
  f.info.header_bytes = uint64_t(p - data);

  const auto codec = meta.find("avro.codec");
  const std::string codec_text = codec == meta.end() ? "null" : codec->second;
  if (codec_text == "null") f.info.codec = AvroCodec::null;
  else if (codec_text == "deflate") f.info.codec = AvroCodec::deflate;
  else fail(path, "codec \"" + codec_text + "\" is not supported (only null and deflate)");

  const auto schema = meta.find("avro.schema");
  if (schema == meta.end()) fail(path, "no avro.schema in the header");
  f.info.schema_json = schema->second;
  CompiledSchema compiled;
  try {
    compiled = compile_flow_schema(f.info.schema_json);
  } catch (const std::exception& e) {
    fail(path, e.what());
  }
  f.program = std::move(compiled.program);
  f.info.version = f.program.version;
  f.info.variant = compiled.variant;
  f.info.record_name = std::move(compiled.record_name);
  f.info.defaulted_fields = std::move(compiled.defaulted_fields);
  f.info.skipped_fields = std::move(compiled.skipped_fields);
}

enum class HeaderParse { ok, truncated, corrupt };

// A block header at `pos`: record count and data size, both plausible.
HeaderParse parse_block_header(const FlowAvroFile::Impl& f, FileReader& r, uint64_t pos, AvroBlock& b) {
  size_t got = 0;
  const uint8_t* start = r.view(pos, 20, got);  // two varints of at most 10 bytes
  const uint8_t* p = start;
  const uint8_t* end = start + got;
  int64_t count = 0, bytes = 0;
  b = AvroBlock{pos, 0, 0, 0, AvroBlock::Status::ok};
  const uint8_t* before = p;
  if (!read_long(p, end, count)) return p >= end && end - before < 10 ? HeaderParse::truncated : HeaderParse::corrupt;
  if (count < 0 || count > (int64_t(1) << 40)) return HeaderParse::corrupt;
  b.records = uint64_t(count);
  before = p;
  if (!read_long(p, end, bytes)) return p >= end && end - before < 10 ? HeaderParse::truncated : HeaderParse::corrupt;
  if (bytes < 0 || uint64_t(bytes) > f.size) return HeaderParse::corrupt;
  b.data_offset = pos + uint64_t(p - start);
  b.bytes = uint64_t(bytes);
  return HeaderParse::ok;
}

bool sync_at(const FlowAvroFile::Impl& f, FileReader& r, uint64_t pos) {
  if (pos + 16 > f.size) return false;
  size_t got = 0;
  const uint8_t* p = r.view(pos, 16, got);
  return std::memcmp(p, f.sync.data(), 16) == 0;
}

// Offset just after the next sync marker found at or after `from`, or 0.
uint64_t find_next_sync(const FlowAvroFile::Impl& f, FileReader& r, uint64_t from) {
  constexpr size_t kWindow = size_t(1) << 20;
  for (uint64_t q = from; q + 16 <= f.size;) {
    size_t got = 0;
    const uint8_t* w = r.view(q, kWindow, got);
    // Candidates whose 16 bytes lie in this window; the next window starts
    // 15 bytes before this one's end, so no marker falls between windows.
    const size_t last = got - 16;
    for (size_t i = 0; i <= last;) {
      const void* hit = std::memchr(w + i, f.sync[0], last + 1 - i);
      if (!hit) break;
      i = size_t(static_cast<const uint8_t*>(hit) - w);
      if (std::memcmp(w + i, f.sync.data(), 16) == 0) return q + i + 16;
      ++i;
    }
    if (q + got >= f.size) return 0;
    q += last + 1;
  }
  return 0;
}

// Is there a whole block with a good sync marker at `pos` (or the file's end)?
bool good_block_at(const FlowAvroFile::Impl& f, FileReader& r, uint64_t pos) {
  if (pos == f.size) return true;
  AvroBlock b;
  return parse_block_header(f, r, pos, b) == HeaderParse::ok && sync_at(f, r, b.data_offset + b.bytes);
}

// The blocks of the byte range [begin, end). A block follows the header or a
// sync marker; those that follow a marker found by searching are the starts
// of "regions", and a range owns the regions that start inside it, every
// block of them (a damaged marker inside a region does not start a new one).
// Every range finds the same region starts whatever the split (the marker is
// 16 random bytes), so ranges that tile a file read each block exactly once.
void walk_blocks(FlowAvroFile::Impl& f, FileReader& r, uint64_t begin, uint64_t end) {
  uint64_t pos = f.info.header_bytes;
  if (begin > pos) {  // the first region starting at or after `begin`
    pos = find_next_sync(f, r, begin - 16);
    if (pos == 0) return;
  }
  bool region_start = true;  // pos follows the header or a verified marker
  while (pos < f.size) {
    if (region_start && pos >= end) return;
    region_start = true;
    AvroBlock b;
    const HeaderParse h = parse_block_header(f, r, pos, b);
    if (h == HeaderParse::truncated) {
      b.status = AvroBlock::Status::truncated;
      b.bytes = f.size - pos;
      f.blocks.push_back(b);
      return;
    }
    if (h == HeaderParse::corrupt) {
      const uint64_t next = find_next_sync(f, r, pos);
      f.blocks.push_back({pos, pos, 0, (next ? next : f.size) - pos, AvroBlock::Status::unframed});
      if (!next) return;
      pos = next;
      continue;
    }
    const uint64_t data_end = b.data_offset + b.bytes;
    if (data_end + 16 > f.size) {
      b.status = AvroBlock::Status::truncated;
      f.blocks.push_back(b);
      return;
    }
    if (sync_at(f, r, data_end)) {
      f.blocks.push_back(b);
      pos = data_end + 16;
      continue;
    }
    // Wrong marker: the sync itself was damaged if a good block follows where
    // the header says; otherwise the size was wrong and we search for the marker.
    b.status = AvroBlock::Status::bad_sync;
    if (good_block_at(f, r, data_end + 16)) {
      f.blocks.push_back(b);
      pos = data_end + 16;
      region_start = false;  // no marker was found here: the region goes on
      continue;
    }
    const uint64_t next = find_next_sync(f, r, b.data_offset);
    b.bytes = (next ? next - 16 : f.size) - b.data_offset;
    f.blocks.push_back(b);
    if (!next) return;
    pos = next;
  }
}

}  // namespace

FlowAvroFile::FlowAvroFile(const std::string& path, uint32_t file) : FlowAvroFile(path, 0, UINT64_MAX, file) {}

FlowAvroFile::FlowAvroFile(const std::string& path, uint64_t begin, uint64_t end, uint32_t file)
    : impl_(std::make_unique<Impl>()) {
  Impl& f = *impl_;
  f.info.path = path;
  f.file = file;
  FileReader r(path);  // open for the walk only: a reader may hold many files, each decoded later
  f.size = r.size();
  f.info.file_bytes = f.size;
  // The header, from the first 64 KiB (flowtuple schemas take 2-3 KiB), or more if it is longer.
  for (size_t n = size_t(64) << 10;; n *= 4) {
    size_t got = 0;
    const uint8_t* head = r.view(0, n, got, n);
    try {
      parse_header(f, head, got);
      break;
    } catch (const std::runtime_error&) {
      if (got < n || n >= (size_t(64) << 20)) throw;  // the whole file, or 64 MiB, was there
    }
  }
  walk_blocks(f, r, begin, end);
}

FlowAvroFile::~FlowAvroFile() = default;
FlowAvroFile::FlowAvroFile(FlowAvroFile&&) noexcept = default;
FlowAvroFile& FlowAvroFile::operator=(FlowAvroFile&&) noexcept = default;
const FlowFileInfo& FlowAvroFile::info() const { return impl_->info; }
const std::vector<AvroBlock>& FlowAvroFile::blocks() const { return impl_->blocks; }

Ft3Columns read_ft3_avro(const std::string& path, FlowReadStats& stats) {
  FlowAvroFile file(path);
  Ft3Columns out;
  file.decode_blocks(0, file.blocks().size(), out, stats);
  return out;
}

Ft4Columns read_ft4_avro(const std::string& path, FlowReadStats& stats) {
  FlowAvroFile file(path);
  Ft4Columns out;
  file.decode_blocks(0, file.blocks().size(), out, stats);
  return out;
}

}  // namespace scanhpc::flow
