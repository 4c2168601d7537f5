#include "scanhpc/io/file_kind.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <stdexcept>

namespace scanhpc {

FileKind sniff_magic(std::string_view h) {
  auto starts = [&](std::string_view magic) { return h.substr(0, magic.size()) == magic; };
  if (h.empty()) return FileKind::empty;
  if (starts("\x1f\x8b")) return FileKind::gzip;
  if (starts("BZh") && h.size() >= 4 && h[3] >= '1' && h[3] <= '9') return FileKind::bzip2;
  if (starts(std::string_view("\xfd" "7zXZ\0", 6))) return FileKind::xz;
  if (starts("\x28\xb5\x2f\xfd")) return FileKind::zstd;
  if (starts("\x04\x22\x4d\x18")) return FileKind::lz4;
  if (starts("PK\x03\x04") || starts("PK\x05\x06")) return FileKind::zip;
  if (starts("7z\xbc\xaf\x27\x1c")) return FileKind::seven_zip;
  if (starts("Obj\x01")) return FileKind::avro;
  if (starts("\x89HDF\r\n\x1a\n")) return FileKind::hdf5;
  if (starts("%PDF-")) return FileKind::pdf;
  return FileKind::other;
}

std::string read_head(const std::string& path, size_t n) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw std::runtime_error("cannot open " + path + ": " + std::strerror(errno));
  std::string head(n, '\0');
  const size_t got = std::fread(head.data(), 1, n, f);
  const bool bad = std::ferror(f);
  const int err = errno;
  std::fclose(f);
  if (bad) throw std::runtime_error("cannot read " + path + ": " + std::strerror(err));
  head.resize(got);
  return head;
}

std::string_view file_kind_description(FileKind kind) {
  switch (kind) {
    case FileKind::empty: return "an empty file";
    case FileKind::bzip2: return "bzip2-compressed data";
    case FileKind::xz: return "xz-compressed data";
    case FileKind::zstd: return "zstd-compressed data";
    case FileKind::lz4: return "lz4-compressed data";
    case FileKind::zip: return "a zip archive";
    case FileKind::seven_zip: return "a 7-Zip archive";
    case FileKind::avro: return "an Avro file";
    case FileKind::hdf5: return "an HDF5 file";
    case FileKind::pdf: return "a PDF document";
    case FileKind::gzip:
    case FileKind::other: return "";
  }
  return "";
}

std::string decompress_hint(FileKind kind, const std::string& path, std::string_view command) {
  const char* tool = nullptr;
  switch (kind) {
    case FileKind::bzip2: tool = "bzcat"; break;
    case FileKind::xz: tool = "xzcat"; break;
    case FileKind::zstd: tool = "zstdcat"; break;
    case FileKind::lz4: tool = "lz4cat"; break;
    case FileKind::zip: tool = "unzip -p"; break;
    case FileKind::seven_zip: tool = "7z x -so"; break;
    default: return {};
  }
  std::string hint = "decompress it with " + std::string(tool);
  if (command.empty()) return hint;
  return hint + " (" + tool + " " + path + " | scanhpc " + std::string(command) +
         " -), or recompress it with gzip, which is read directly";
}

}  // namespace scanhpc
