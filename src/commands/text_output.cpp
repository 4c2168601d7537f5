#include "scanhpc/commands/text_output.hpp"

#include <cerrno>
#include <cstring>

namespace scanhpc::commands {

TextOutput::TextOutput(const std::string& path, bool gzip) {
  if (path.empty()) {
    file_ = stdout;
  } else if (gzip) {
    gz_ = gzopen(path.c_str(), "wb6");
    if (gz_) gzbuffer(gz_, 1 << 18);
  } else {
    file_ = std::fopen(path.c_str(), "wb");
  }
  if (!file_ && !gz_) error_ = std::strerror(errno ? errno : ENOMEM);
}

void TextOutput::write(std::string_view text) {
  if (!ok() || text.empty()) return;
  if (gz_) {
    if (gzwrite(gz_, text.data(), static_cast<unsigned>(text.size())) != static_cast<int>(text.size())) {
      int zerr = 0;
      const char* m = gzerror(gz_, &zerr);
      error_ = zerr == Z_ERRNO ? std::strerror(errno) : m;
    }
  } else if (std::fwrite(text.data(), 1, text.size(), file_) != text.size()) {
    error_ = std::strerror(errno);
  }
}

bool TextOutput::close() {
  if (gz_) {
    const int rc = gzclose(gz_);
    gz_ = nullptr;
    if (rc != Z_OK && ok()) error_ = rc == Z_ERRNO ? std::strerror(errno) : "gzip error " + std::to_string(rc);
  } else if (file_) {
    const bool is_stdout = file_ == stdout;
    const int rc = is_stdout ? std::fflush(file_) : std::fclose(file_);
    file_ = nullptr;
    if (rc != 0 && ok()) error_ = std::strerror(errno);
  }
  return ok();
}

}  // namespace scanhpc::commands
