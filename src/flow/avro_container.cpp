// Avro object container files: the header (magic, metadata map, sync marker)
// and the block list, walked from block header to block header without
// decoding, with resynchronisation on the sync marker after corruption.
#include <fcntl.h>
#include <sys/mman.h>

#include <algorithm>
#include <sys/stat.h>
#include <unistd.h>

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

void FlowReadStats::add_error(std::string message) {
  ++errors_total;
  if (errors.size() < kMaxMessages) errors.push_back(std::move(message));
}

void FlowReadStats::merge(const FlowReadStats& o) {
  records_read += o.records_read; records_used += o.records_used; records_rejected += o.records_rejected;
  blocks += o.blocks; blocks_rejected += o.blocks_rejected;
  bytes_stored += o.bytes_stored; bytes_decoded += o.bytes_decoded; bytes_unknown += o.bytes_unknown;
  errors_total += o.errors_total;
  for (const auto& e : o.errors)
    if (errors.size() < kMaxMessages) errors.push_back(e);
}

FlowAvroFile::Impl::~Impl() {
  if (mapping) munmap(mapping, size);
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::runtime_error(path + ": " + what);
}

// The header: "Obj\1", a map<string, bytes> of metadata, the sync marker.
void parse_header(FlowAvroFile::Impl& f) {
  const std::string& path = f.info.path;
  const uint8_t* p = f.data;
  const uint8_t* end = f.data + f.size;
  if (f.size < 4 || std::memcmp(p, "Obj\x01", 4) != 0) fail(path, "not an Avro object container file (no Obj\\1 magic)");
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
  f.info.header_bytes = uint64_t(p - f.data);

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
HeaderParse parse_block_header(const FlowAvroFile::Impl& f, uint64_t pos, AvroBlock& b) {
  const uint8_t* p = f.data + pos;
  const uint8_t* end = f.data + f.size;
  int64_t count = 0, bytes = 0;
  b = AvroBlock{pos, 0, 0, 0, AvroBlock::Status::ok};
  const uint8_t* before = p;
  if (!read_long(p, end, count)) return p >= end && end - before < 10 ? HeaderParse::truncated : HeaderParse::corrupt;
  if (count < 0 || count > (int64_t(1) << 40)) return HeaderParse::corrupt;
  b.records = uint64_t(count);
  before = p;
  if (!read_long(p, end, bytes)) return p >= end && end - before < 10 ? HeaderParse::truncated : HeaderParse::corrupt;
  if (bytes < 0 || uint64_t(bytes) > f.size) return HeaderParse::corrupt;
  b.data_offset = uint64_t(p - f.data);
  b.bytes = uint64_t(bytes);
  return HeaderParse::ok;
}

bool sync_at(const FlowAvroFile::Impl& f, uint64_t pos) {
  return pos + 16 <= f.size && std::memcmp(f.data + pos, f.sync.data(), 16) == 0;
}

// Offset just after the next sync marker found at or after `from`, or 0.
uint64_t find_next_sync(const FlowAvroFile::Impl& f, uint64_t from) {
  for (uint64_t q = from; q + 16 <= f.size; ++q) {
    const void* hit = std::memchr(f.data + q, f.sync[0], f.size - 15 - q);
    if (!hit) return 0;
    q = uint64_t(static_cast<const uint8_t*>(hit) - f.data);
    if (sync_at(f, q)) return q + 16;
  }
  return 0;
}

// Is there a whole block with a good sync marker at `pos` (or the file's end)?
bool good_block_at(const FlowAvroFile::Impl& f, uint64_t pos) {
  if (pos == f.size) return true;
  AvroBlock b;
  return parse_block_header(f, pos, b) == HeaderParse::ok && sync_at(f, b.data_offset + b.bytes);
}

void walk_blocks(FlowAvroFile::Impl& f) {
  uint64_t pos = f.info.header_bytes;
  while (pos < f.size) {
    AvroBlock b;
    const HeaderParse h = parse_block_header(f, pos, b);
    if (h == HeaderParse::truncated) {
      b.status = AvroBlock::Status::truncated;
      b.bytes = f.size - pos;
      f.blocks.push_back(b);
      return;
    }
    if (h == HeaderParse::corrupt) {
      const uint64_t next = find_next_sync(f, pos);
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
    if (sync_at(f, data_end)) {
      f.blocks.push_back(b);
      pos = data_end + 16;
      continue;
    }
    // Wrong marker: the sync itself was damaged if a good block follows where
    // the header says; otherwise the size was wrong and we search for the marker.
    b.status = AvroBlock::Status::bad_sync;
    if (good_block_at(f, data_end + 16)) {
      f.blocks.push_back(b);
      pos = data_end + 16;
      continue;
    }
    const uint64_t next = find_next_sync(f, b.data_offset);
    b.bytes = (next ? next - 16 : f.size) - b.data_offset;
    f.blocks.push_back(b);
    if (!next) return;
    pos = next;
  }
}

}  // namespace

void FlowAvroFile::Impl::release(uint64_t begin, uint64_t end) const {
  if (!mapping) return;
  const uint64_t page = uint64_t(::sysconf(_SC_PAGESIZE));
  const uint64_t a = (begin + page - 1) / page * page, b = std::min<uint64_t>(end, size) / page * page;
  if (a < b) (void)::madvise(static_cast<char*>(mapping) + a, b - a, MADV_DONTNEED);  // advice: a failure costs only RSS
}

FlowAvroFile::FlowAvroFile(const std::string& path) : impl_(std::make_unique<Impl>()) {
  Impl& f = *impl_;
  f.info.path = path;
  const int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) fail(path, std::string("cannot open: ") + std::strerror(errno));
  struct stat st{};
  if (fstat(fd, &st) != 0) {
    ::close(fd);
    fail(path, "cannot stat");
  }
  f.size = size_t(st.st_size);
  f.info.file_bytes = f.size;
  if (f.size > 0) {
    void* m = mmap(nullptr, f.size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (m == MAP_FAILED) {
      ::close(fd);
      fail(path, "cannot map");
    }
    f.mapping = m;
    f.data = static_cast<const uint8_t*>(m);
  }
  ::close(fd);
  parse_header(f);
  walk_blocks(f);
  f.release(0, f.size);  // the walk touched every block header: most pages of the file
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
