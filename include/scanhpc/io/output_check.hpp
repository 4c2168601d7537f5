#pragma once
// Whether a command may write its outputs, decided before it reads any
// input: the folder exists and is writable, the name is not a folder, an
// existing file is replaced only with --force, and an input never is.
// MPI-free and rank-local; commands agree on the outcome across ranks.
#include <string>
#include <vector>

namespace scanhpc {

struct OutputTarget {
  std::string path;
  bool directory = false;      // a folder the command creates if missing (flow convert, synth flowtuple)
  bool allow_special = false;  // a FIFO or device may be written as is (synth to /dev/stdout)
};

// Why `target` cannot be written, in plain words starting "cannot write PATH: ...";
// empty if it can. `force` allows replacing an existing file.
std::string local_output_problem(const OutputTarget& target, bool force);

// The first output that is the same file as an input (same device and inode,
// through links or other spellings), refused even with --force; empty if none.
// Folders in `inputs` are not descended: pass the expanded file list.
std::string local_output_is_input(const std::vector<std::string>& outputs, const std::vector<std::string>& inputs);

// The folder that holds `path` ("." for a bare name).
std::string parent_folder(const std::string& path);

}  // namespace scanhpc
