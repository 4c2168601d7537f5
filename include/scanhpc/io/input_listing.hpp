#pragma once
// The one listing of inputs for every command, in three steps, so that the
// middle one can be shared by the ranks (commands/input_table.hpp) and a
// folder of 100,000 files is not opened one by one on rank 0:
//   expand   (rank 0): files, directories (walked, sorted, hidden members
//            skipped) and globs, in the order given, into candidates; no file
//            is opened;
//   sniff    (any rank, any candidate): size, identity, magic number, format
//            from the first bytes (gzip inflated), and whether a folder member
//            is an input of the command;
//   assemble (rank 0): the file table: a file given twice read once (with a
//            warning), folder members that are not inputs skipped (with why).
// MPI-free: list_inputs and enumerate_masscan_inputs (inputs.hpp) are the
// three steps in one process.
#include <cstdint>
#include <string>
#include <vector>

#include "scanhpc/io/inputs.hpp"

namespace scanhpc {

struct InputCandidate {
  std::string path;          // "-" is standard input
  bool from_folder = false;  // found by walking a directory (not named by the user)
  uint32_t group = 0;        // the input argument it came from
};

struct ExpandedInputs {
  std::vector<InputCandidate> candidates;
  std::vector<std::pair<uint32_t, SkippedFile>> hidden;  // (group, hidden file of a folder)
};

// Throws std::runtime_error for a missing path, a glob with no match, an
// unlistable directory, or no input at all.
ExpandedInputs expand_inputs(const std::vector<std::string>& specs);

struct SniffedInput {
  uint64_t bytes = 0, device = 0, inode = 0;
  FileKind kind = FileKind::other;
  MasscanFormat detected = MasscanFormat::unrecognized;  // masscan and ports roles only
  GzipMembers gzip_members = GzipMembers::none;          // gzip files of those roles: splittable by members?
  std::string header;     // ZMap CSV: the header row every range's parser needs
  std::string not_input;  // a folder member that is not an input of the role: why
  std::string error;      // cannot stat or read it: the message naming it
};

// Never throws: problems go to `error`.
SniffedInput sniff_input(const InputCandidate& c, InputRole role);

struct ListedInputs {
  std::vector<InputFile> files;       // to read, each file once, in input order
  std::vector<SkippedFile> skipped;   // folder members that are not inputs of the role
  std::vector<std::string> warnings;  // a file given twice, ...
};

// `sniffed` is indexed like expanded.candidates. Throws std::runtime_error
// with the first sniffing error in input order, or for stdin given twice.
// Each file's format is `forced` unless automatic (an empty file stays
// empty); its family is the role's (ports: flowtuple for .avro files, else
// csv; a command that reads masscan output through ports sets it later).
ListedInputs assemble_inputs(const ExpandedInputs& expanded, const std::vector<SniffedInput>& sniffed,
                             InputRole role, MasscanFormat forced);

// A candidate list or sniffed records as bytes, for the broadcast and the gather.
std::string serialize_candidates(const ExpandedInputs& e);
ExpandedInputs deserialize_candidates(const std::string& bytes);
std::string serialize_sniffed(const std::vector<SniffedInput>& s);
std::vector<SniffedInput> deserialize_sniffed(const std::string& bytes);

}  // namespace scanhpc
