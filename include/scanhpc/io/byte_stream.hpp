#pragma once
// Sequential byte input: a plain file, a gzip file (inflated transparently)
// or standard input. Used for inputs that cannot be split by byte range.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>

namespace scanhpc {

// A read that failed: damaged compressed data (corrupt) or an I/O error.
class StreamError : public std::runtime_error {
 public:
  StreamError(const std::string& what, uint64_t offset, bool corrupt)
      : std::runtime_error(what), offset_(offset), corrupt_(corrupt) {}
  uint64_t offset() const { return offset_; }  // inflated bytes delivered before the damage
  bool corrupt() const { return corrupt_; }    // the data is damaged (not an I/O error)

 private:
  uint64_t offset_;
  bool corrupt_;
};

class ByteStream {
 public:
  // path "-" is standard input. Throws std::runtime_error naming the path.
  explicit ByteStream(const std::string& path);
  ~ByteStream();
  ByteStream(const ByteStream&) = delete;
  ByteStream& operator=(const ByteStream&) = delete;

  // Reads up to n bytes; returns 0 at end of stream. Throws StreamError on
  // read errors (a truncated or corrupt gzip stream included), naming the
  // path and offset, after returning every byte inflated before the error.
  size_t read(char* buf, size_t n);
  uint64_t offset() const { return offset_; }  // inflated bytes consumed so far
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  void* gz_ = nullptr;  // gzFile; zlib reads plain files transparently too
  uint64_t offset_ = 0;
  std::optional<StreamError> pending_;
};

}  // namespace scanhpc
