#pragma once
// What a file holds, told from its first bytes: enough to say why a file is
// not an input ("zstd-compressed data", "an HDF5 file") and what to do about
// it, and to leave the other files of an input folder alone. MPI-free.
#include <cstdint>
#include <string>
#include <string_view>

namespace scanhpc {

enum class FileKind : uint8_t {
  empty,
  gzip,   // read transparently by every masscan reader
  bzip2,
  xz,
  zstd,
  lz4,
  zip,
  seven_zip,
  avro,   // an Avro object container (flowtuples)
  hdf5,   // e.g. an output of scanhpc
  pdf,
  other,  // none of the above: text or unknown binary
};

// From the magic number at the start of `head` (the raw, not inflated, bytes).
FileKind sniff_magic(std::string_view head);

// The raw first bytes of a file (up to `n`); throws std::runtime_error naming it.
std::string read_head(const std::string& path, size_t n = 4096);

// "zstd-compressed data", "an HDF5 file", ... ; empty for other and gzip.
std::string_view file_kind_description(FileKind kind);

// For compressions no reader inflates: "decompress it with zstdcat (zstdcat F | scanhpc scan -), ..."
// (the pipe and gzip forms only for a `command` that reads standard input and gzip);
// empty for the others.
std::string decompress_hint(FileKind kind, const std::string& path, std::string_view command);

}  // namespace scanhpc
