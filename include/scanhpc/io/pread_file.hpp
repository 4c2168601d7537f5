#pragma once
// A file read by offset with pread (no shared file position, so threads can
// share one), at most the size the file table gave it: every rank sees the
// same file whatever is appended meanwhile. Closes itself.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <stdexcept>
#include <string>

namespace scanhpc {

class PreadFile {
 public:
  PreadFile(const std::string& path, uint64_t bytes)
      : path_(path), bytes_(bytes), fd_(::open(path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  }
  ~PreadFile() { ::close(fd_); }
  PreadFile(const PreadFile&) = delete;
  PreadFile& operator=(const PreadFile&) = delete;
  uint64_t bytes() const { return bytes_; }
  // Up to n bytes at offset, never past bytes(); short only there.
  size_t read_at(void* buf, size_t n, uint64_t offset) const {
    if (offset >= bytes_) return 0;
    n = size_t(std::min<uint64_t>(n, bytes_ - offset));
    size_t done = 0;
    while (done < n) {
      const ssize_t got = ::pread(fd_, static_cast<char*>(buf) + done, n - done, off_t(offset + done));
      if (got < 0 && errno == EINTR) continue;
      if (got < 0)
        throw std::runtime_error("read error in " + path_ + " at byte " + std::to_string(offset + done) + ": " +
                                 std::strerror(errno));
      if (got == 0) break;
      done += size_t(got);
    }
    return done;
  }

 private:
  std::string path_;
  uint64_t bytes_;
  int fd_;
};

}  // namespace scanhpc
