// ByteStream over zlib's gzFile: gzread inflates gzip input and passes plain
// input through unchanged ("transparent" mode), so one code path serves both.
#include "scanhpc/io/byte_stream.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <stdexcept>
#include <unistd.h>

namespace scanhpc {
namespace {

gzFile as_gz(void* p) { return static_cast<gzFile>(p); }

std::string gz_message(gzFile gz, int* errnum) {
  int err = Z_OK;
  const char* msg = gzerror(gz, &err);
  if (errnum) *errnum = err;
  if (err == Z_ERRNO) return std::strerror(errno);
  return msg && *msg ? msg : "unknown zlib error";
}

}  // namespace

ByteStream::ByteStream(const std::string& path) : path_(path) {
  gzFile gz = nullptr;
  if (path == "-") {
    int fd = ::dup(0);
    if (fd < 0) throw std::runtime_error("cannot open standard input (-): " + std::string(std::strerror(errno)));
    gz = gzdopen(fd, "rb");
    if (!gz) {
      ::close(fd);
      throw std::runtime_error("cannot open standard input (-) for reading");
    }
  } else {
    errno = 0;
    gz = gzopen(path.c_str(), "rb");
    if (!gz) {
      const int e = errno;
      throw std::runtime_error("cannot open " + path + ": " +
                               (e ? std::string(std::strerror(e)) : std::string("out of memory")));
    }
  }
  gzbuffer(gz, 256 * 1024);  // fewer read() calls; must precede the first read
  gz_ = gz;
}

ByteStream::~ByteStream() {
  if (gz_) gzclose(as_gz(gz_));
}

size_t ByteStream::read(char* buf, size_t n) {
  if (pending_) {  // an error found after the bytes the last call returned
    StreamError e = *pending_;
    pending_.reset();
    throw e;
  }
  if (n == 0 || !gz_) return 0;
  gzFile gz = as_gz(gz_);
  size_t total = 0;
  // Bytes inflated before an error are returned first; the error follows on
  // the next call, so a reader keeps every complete record before damage.
  auto fail = [&](std::string cause, bool corrupt) -> size_t {
    StreamError e(path_ + ": read error at offset " + std::to_string(offset_ + total) + ": " + cause,
                  offset_ + total, corrupt);
    if (total == 0) throw e;
    pending_ = e;
    offset_ += total;
    return total;
  };
  while (total < n) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(n - total, size_t(1) << 30));
    const int got = gzread(gz, buf + total, chunk);
    if (got < 0) {
      int err = Z_OK;
      std::string msg = gz_message(gz, &err);
      return fail(msg, err != Z_ERRNO);
    }
    if (got == 0) {
      // End of input. zlib reports a gzip stream cut short as Z_BUF_ERROR
      // with a clean-looking end of file; that is corrupt input, not EOF.
      int err = Z_OK;
      std::string msg = gz_message(gz, &err);
      if (err != Z_OK)
        return fail(err == Z_BUF_ERROR ? "truncated gzip stream (unexpected end of file)" : msg, err != Z_ERRNO);
      break;
    }
    total += size_t(got);
    if (size_t(got) < chunk) {
      // Short read: either the end of input or a pipe delivering in pieces.
      // Loop once more; gzread returns 0 at the real end.
      continue;
    }
  }
  offset_ += total;
  return total;
}

}  // namespace scanhpc
