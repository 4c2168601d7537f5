#pragma once
// One output stream for text (CSV): standard output, a file, or a gzip file
// (zlib, level 6). Shared by `scanhpc export` and `scanhpc gather`; the
// callers write to a temporary name and rename it when complete.
#include <zlib.h>

#include <cstdio>
#include <string>
#include <string_view>

namespace scanhpc::commands {

class TextOutput {
 public:
  // An empty path is standard output; `gzip` compresses a file.
  TextOutput(const std::string& path, bool gzip);
  ~TextOutput() { close(); }
  TextOutput(const TextOutput&) = delete;
  TextOutput& operator=(const TextOutput&) = delete;
  bool ok() const { return error_.empty(); }
  const std::string& error() const { return error_; }
  void write(std::string_view text);
  // Flushes and closes; false (with error()) if anything was not written.
  bool close();

 private:
  std::FILE* file_ = nullptr;
  gzFile gz_ = nullptr;
  std::string error_;
};

}  // namespace scanhpc::commands
