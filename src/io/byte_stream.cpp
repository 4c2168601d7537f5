// ByteStream: plain bytes passed through, gzip inflated with zlib's
// inflate() on 256 KiB input blocks; see the header for why not gzread().
#include "scanhpc/io/byte_stream.hpp"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace scanhpc {

struct ByteStreamZ {
  z_stream z{};
  bool open = false;
  ~ByteStreamZ() {
    if (open) inflateEnd(&z);
  }
};

namespace {
constexpr size_t kInputBlock = 256 * 1024;
}  // namespace

ByteStream::ByteStream(const std::string& path) : path_(path), in_(kInputBlock) {
  if (path == "-") {
    fd_ = ::dup(0);
    if (fd_ < 0) throw std::runtime_error("cannot open standard input (-): " + std::string(std::strerror(errno)));
  } else {
    fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd_ < 0) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  }
  // gzip or plain, from the first two bytes (a pipe may deliver them one at a time).
  while (in_end_ < 2 && fill() > 0) {
  }
  gzip_ = in_end_ >= 2 && static_cast<unsigned char>(in_[0]) == 0x1f && static_cast<unsigned char>(in_[1]) == 0x8b;
  if (gzip_) {
    z_ = std::make_unique<ByteStreamZ>();
    if (inflateInit2(&z_->z, 16 + MAX_WBITS) != Z_OK) {
      ::close(fd_);
      throw std::runtime_error("cannot open " + path + ": zlib inflateInit2 failed");
    }
    z_->open = true;
  }
}

ByteStream::~ByteStream() {
  if (fd_ >= 0) ::close(fd_);
}

size_t ByteStream::fill() {
  if (in_pos_ == in_end_) in_pos_ = in_end_ = 0;
  if (in_end_ == in_.size()) {  // keep the unconsumed tail, make room
    std::memmove(in_.data(), in_.data() + in_pos_, in_end_ - in_pos_);
    in_end_ -= in_pos_;
    in_pos_ = 0;
  }
  for (;;) {
    const ssize_t got = ::read(fd_, in_.data() + in_end_, in_.size() - in_end_);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0)
      throw StreamError(path_ + ": read error at offset " + std::to_string(offset_) + ": " + std::strerror(errno),
                        offset_, false);
    in_end_ += size_t(got);
    return size_t(got);
  }
}

size_t ByteStream::read_inflated(char* buf, size_t n) {
  z_stream& z = z_->z;
  size_t total = 0;
  while (total < n && !done_) {
    if (in_pos_ == in_end_ && fill() == 0) {
      // The input ended inside a member: everything inflated so far is returned first.
      StreamError e(path_ + ": read error at offset " + std::to_string(offset_ + total) +
                        ": truncated gzip stream (unexpected end of file)",
                    offset_ + total, true);
      if (total == 0) throw e;
      pending_ = e;
      break;
    }
    z.next_in = reinterpret_cast<Bytef*>(in_.data() + in_pos_);
    z.avail_in = uInt(in_end_ - in_pos_);
    z.next_out = reinterpret_cast<Bytef*>(buf + total);
    z.avail_out = uInt(std::min<size_t>(n - total, size_t(1) << 30));
    const uInt before = z.avail_out;
    const int rc = inflate(&z, Z_NO_FLUSH);
    total += before - z.avail_out;
    in_pos_ = in_end_ - z.avail_in;
    if (rc == Z_STREAM_END) {
      // Another member may follow (concatenated gzip files); anything else after a member is ignored, as gzip does.
      while (in_end_ - in_pos_ < 2 && fill() > 0) {
      }
      const bool another = in_end_ - in_pos_ >= 2 && static_cast<unsigned char>(in_[in_pos_]) == 0x1f &&
                           static_cast<unsigned char>(in_[in_pos_ + 1]) == 0x8b;
      if (another) inflateReset(&z);
      else done_ = true;
      continue;
    }
    if (rc == Z_OK || rc == Z_BUF_ERROR) continue;  // progress, or more input needed
    StreamError e(path_ + ": read error at offset " + std::to_string(offset_ + total) + ": corrupt gzip data (" +
                      (z.msg ? z.msg : "zlib error " + std::to_string(rc)) + ")",
                  offset_ + total, true);
    done_ = true;
    if (total == 0) throw e;
    pending_ = e;
    break;
  }
  return total;
}

size_t ByteStream::read(char* buf, size_t n) {
  if (pending_) {  // an error found after the bytes the last call returned
    StreamError e = *pending_;
    pending_.reset();
    throw e;
  }
  if (n == 0 || fd_ < 0) return 0;
  size_t total = 0;
  if (gzip_) {
    total = read_inflated(buf, n);
  } else {
    while (total < n) {
      if (in_pos_ == in_end_ && n - total >= kInputBlock) {  // a large read goes straight to the caller
        const ssize_t got = ::read(fd_, buf + total, n - total);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0)
          throw StreamError(path_ + ": read error at offset " + std::to_string(offset_ + total) + ": " +
                                std::strerror(errno),
                            offset_ + total, false);
        if (got == 0) break;
        total += size_t(got);
        continue;
      }
      if (in_pos_ == in_end_ && fill() == 0) break;
      const size_t take = std::min(n - total, in_end_ - in_pos_);
      std::memcpy(buf + total, in_.data() + in_pos_, take);
      in_pos_ += take;
      total += take;
    }
  }
  offset_ += total;
  return total;
}

}  // namespace scanhpc
