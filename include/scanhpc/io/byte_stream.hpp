#pragma once
// Sequential byte input: a plain file, a gzip file (inflated transparently)
// or standard input. Used for inputs that cannot be split by byte range.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>

namespace scanhpc {

class ByteStream {
 public:
  // path "-" is standard input. Throws std::runtime_error naming the path.
  explicit ByteStream(const std::string& path);
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads up to n bytes; returns 0 at end of stream. Throws on read errors
  // (a corrupt gzip stream included), naming the path and offset.
  size_t read(char* buf, size_t n);
  uint64_t offset() const { return offset_; }  // inflated bytes consumed so far
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  void* gz_ = nullptr;  // gzFile; zlib reads plain files transparently too
  uint64_t offset_ = 0;
};

}  // namespace scanhpc
