#pragma once
// Input enumeration and the split of input bytes over ranks. MPI-free: the
// plan for R ranks can be computed (and tested) in one process.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "scanhpc/io/file_kind.hpp"
#include "scanhpc/io/gzip_members.hpp"
#include "scanhpc/io/masscan_format.hpp"

namespace scanhpc {

// The kinds of input the commands read; each splits by its own rule.
enum class InputFamily : uint8_t {
  scan,       // masscan output and GPS's seed (MasscanFormat): lines, or whole streams
  flowtuple,  // Avro object containers (FT3/FT4): byte ranges aligned to sync markers
  csv,        // honeypot CSV logs: byte ranges aligned to lines after the header
};

struct InputFile {
  std::string path;       // "-" is standard input
  MasscanFormat format = MasscanFormat::automatic;  // automatic only for stdin until read
  uint64_t bytes = 0;     // on-disk size (compressed size for gzip); 0 for stdin
  bool gzip = false;
  MasscanFormat detected = MasscanFormat::automatic;  // from its first bytes, even when --format forces one
  FileKind kind = FileKind::other;  // from its raw magic number (compressions, HDF5, ...)
  InputFamily family = InputFamily::scan;
  // Plain files in a line format, Avro files and CSV files can be split at
  // any byte and realigned to the next record (line, or block after a sync
  // marker), gzip files of several members in a line format at member
  // starts (io/gzip_members); other gzip files, stdin and the binary format
  // are read whole.
  bool splittable() const {
    return (!gzip || gzip_members != GzipMembers::none) && path != "-" &&
           (family != InputFamily::scan || is_line_format(format) || format == MasscanFormat::observations);
  }
  GzipMembers gzip_members = GzipMembers::none;  // sniffed for gzip files in a line format
  std::string header{};  // ZMap CSV: its header row (or the fields its default output implies)
  // ZMap: the scan's port and protocol, for rows without sport (the command's --port, --proto)
  int default_port = -1;
  uint8_t default_proto = 1;
  bool lzr_filter = true;  // the command's --lzr-filter
  LineContext line_context() const { return {header, default_port, default_proto, lzr_filter}; }
};

// Which members of an input folder a command reads. Files named on the
// command line (or matched by a glob) are always read: a stray file named
// there is the user's intent, and is reported as rejected input.
enum class InputRole {
  masscan,    // scan, gps: files whose first bytes are masscan output (gzip inflated)
  flowtuple,  // flow: *.avro
  ports,      // ports: CSV logs, *.avro, masscan output
};

struct SkippedFile {
  std::string path, reason;  // reason: "an HDF5 file", "zstd-compressed data: decompress it ...", ...
};

struct InputList {
  std::vector<std::string> paths;     // to read, each file once, in the order given (folders sorted)
  std::vector<SkippedFile> skipped;   // folder members that are not inputs of the command
  std::vector<std::string> warnings;  // e.g. a file given twice, read once
};

// Expands files, directories (recursively, sorted; hidden files and the
// members that are not inputs of `role` are skipped) and glob patterns, in
// the order given; "-" stays as is. A file given twice (the same inode,
// through links or other spellings) is read once, with a warning. Throws
// std::runtime_error naming a missing path or a glob with no match.
InputList list_inputs(const std::vector<std::string>& specs, InputRole role);

// "2 file(s): d/README.md (documentation, not masscan output), d/x.h5 (an
// HDF5 file, not masscan output)", the first few named.
std::string describe_skipped(const std::vector<SkippedFile>& skipped);

// Why a member of an input folder is not an input of `role`; empty if it is one.
std::string folder_member_problem(const std::string& path, InputRole role);

struct MasscanInputs {
  std::vector<InputFile> files;
  std::vector<SkippedFile> skipped;
  std::vector<std::string> warnings;
};

// list_inputs(specs, masscan), then each file's format (`forced` unless it is
// automatic; MasscanFormat::unrecognized when nothing matches), kind and gzip.
// Throws std::runtime_error naming the input for a missing path, a glob with
// no match or an unreadable file.
MasscanInputs enumerate_masscan_inputs(const std::vector<std::string>& specs, MasscanFormat forced);
inline std::vector<InputFile> enumerate_inputs(const std::vector<std::string>& specs, MasscanFormat forced) {
  return enumerate_masscan_inputs(specs, forced).files;
}

// Why a file of this format and kind yields no record, for the rejection
// message: "zstd-compressed data: decompress it with zstdcat ...", "an HDF5
// file, not masscan output", "not masscan output in any known format".
std::string unrecognized_cause(const InputFile& f);

// A piece of work for one rank: a byte range of a splittable file, or a
// whole file read as a stream.
struct ReadTask {
  uint32_t file = 0;
  uint64_t begin = 0, end = 0;  // byte range, for splittable files
  bool whole = false;           // read the whole file as a stream
  friend bool operator==(const ReadTask&, const ReadTask&) = default;
};

// The one split plan of every command. Deterministic: whole-stream files go
// largest first to the least loaded rank, then the bytes of splittable files
// fill every rank up to an equal share, in file order, so the ranks' ranges
// concatenated in rank order are the input in order. A record (a line, an
// Avro region of blocks) is owned by the task whose range holds its first
// byte. An empty splittable file of another family than scan gets a task
// [0, 0), so that its reader still says what is wrong with it.
std::vector<std::vector<ReadTask>> plan_read_tasks(const std::vector<InputFile>& files, int ranks);

// Serialisation of the file table, so rank 0 enumerates and broadcasts.
std::string serialize_inputs(const std::vector<InputFile>& files);
std::vector<InputFile> deserialize_inputs(const std::string& bytes);

}  // namespace scanhpc
