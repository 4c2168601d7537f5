#pragma once
// Input enumeration and the split of input bytes over ranks. MPI-free: the
// plan for R ranks can be computed (and tested) in one process.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scanhpc/io/masscan_format.hpp"

namespace scanhpc {

struct InputFile {
  std::string path;       // "-" is standard input
  MasscanFormat format = MasscanFormat::automatic;  // automatic only for stdin until read
  uint64_t bytes = 0;     // on-disk size (compressed size for gzip); 0 for stdin
  bool gzip = false;
  // Plain files in a line format can be split at any byte and realigned to
  // the next line; gzip, stdin and the binary format are read whole.
  bool splittable() const { return !gzip && path != "-" && is_line_format(format); }
};

// Expands files, directories (their regular files whose names end with
// `dir_suffix`, recursively, sorted) and glob patterns, in the order given;
// "-" stays as is. Throws std::runtime_error naming a missing path, a glob
// with no match, or when nothing is given.
std::vector<std::string> expand_input_paths(const std::vector<std::string>& specs, std::string_view dir_suffix = "");

// Expands files, directories (their regular files, recursively, sorted) and
// glob patterns; detects each file's format (unless `forced` is not
// automatic; MasscanFormat::unrecognized when nothing matches) and gzip.
// Throws std::runtime_error naming the input for a missing path, a glob with
// no match or an unreadable file.
std::vector<InputFile> enumerate_inputs(const std::vector<std::string>& specs, MasscanFormat forced);

// A piece of work for one rank: a byte range of a splittable file, or a
// whole file read as a stream.
struct ReadTask {
  uint32_t file = 0;
  uint64_t begin = 0, end = 0;  // byte range, for splittable files
  bool whole = false;           // read the whole file as a stream
  friend bool operator==(const ReadTask&, const ReadTask&) = default;
};

// Deterministic plan: whole-stream files go largest first to the least
// loaded rank, then the bytes of splittable files fill every rank up to an
// equal share. Lines are owned by the task whose range holds their first byte.
std::vector<std::vector<ReadTask>> plan_read_tasks(const std::vector<InputFile>& files, int ranks);

// Serialisation of the file table, so rank 0 enumerates and broadcasts.
std::string serialize_inputs(const std::vector<InputFile>& files);
std::vector<InputFile> deserialize_inputs(const std::string& bytes);

}  // namespace scanhpc
