#pragma once
// Sequential byte input: a plain file, a gzip file (inflated transparently,
// every member of a concatenated file) or standard input. Used for inputs
// that cannot be split by byte range. zlib's inflate() is driven directly,
// not gzread(): gzread drops what it inflated in a call that meets damaged
// data, and a reader must keep every complete record before the damage.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

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
  size_t fill();  // more compressed (or plain) input; 0 at its end
  size_t read_inflated(char* buf, size_t n);

  std::string path_;
  int fd_ = -1;
  bool gzip_ = false, done_ = false;  // done_: the last gzip member ended
  std::unique_ptr<struct ByteStreamZ> z_;  // zlib's inflate state (gzip input)
  std::vector<char> in_;                   // input bytes not yet consumed
  size_t in_pos_ = 0, in_end_ = 0;
  uint64_t offset_ = 0;
  std::optional<StreamError> pending_;
};

}  // namespace scanhpc
