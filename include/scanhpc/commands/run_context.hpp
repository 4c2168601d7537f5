#pragma once
// What every command shares once MPI is up: the communicator, failure
// agreement between ranks, and the output discipline:
//   1. declare_outputs: before any input is read, every rank checks that it
//      can write each output (folder exists and is writable, the name is not
//      a folder, an existing file only with --force);
//   2. inputs_listed: once the inputs are listed, no output may be an input
//      (even with --force), and the HDF5 output is created under a
//      temporary name, with the provenance on "/";
//   3. commit_output: /run is written, the file closed and renamed into
//      place, after the other outputs (plan lists, prediction lists).
// A failed or interrupted run removes every temporary file it made.
#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/h5/h5.hpp"
#include "scanhpc/io/output_check.hpp"

namespace scanhpc::commands {

// Exit codes of every command.
constexpr int kExitOk = 0, kExitFailure = 1, kExitUsage = 2, kExitNothingUsed = 3;

// Thrown on every rank at once after the ranks agreed that the run failed;
// safe to unwind (no rank is left waiting in a collective). The message is
// the same on every rank and is printed once, by rank 0.
class AgreedFailure : public std::runtime_error {
 public:
  explicit AgreedFailure(const std::string& message, int exit_code = kExitFailure)
      : std::runtime_error(message), exit_code_(exit_code) {}
  int exit_code() const { return exit_code_; }

 private:
  int exit_code_;
};

class RunContext {
 public:
  RunContext(std::string command, std::string config_ini, bool quiet);

  const dist::Comm& comm() const { return comm_; }
  bool root() const { return comm_.is_root(); }
  bool quiet() const { return quiet_; }
  const std::string& command() const { return command_; }
  int threads() const;
  double elapsed_seconds() const;

  // Collective. If any rank passes a non-empty message, every rank throws
  // AgreedFailure with `exit_code`. The message is the failing ranks'
  // (one line when they agree; "rank N: ..." only when they differ).
  void agree_or_fail(const std::string& local_error, int exit_code = kExitFailure);
  // Collective: the same for a check that rank 0 alone made (a listing, a
  // rename): its error (other ranks' arguments are ignored) fails every rank.
  void agree_root(const std::string& root_error, int exit_code = kExitFailure);
  // Collective: the same for errors about the input, where ranks read their
  // shares in input order: the message is the lowest failing rank's, which
  // is the first in input order, without rank names.
  void agree_on_first(const std::string& local_error, int exit_code = kExitFailure);

  // Rank 0: "scanhpc CMD: warning: MESSAGE" on stderr (also when quiet).
  void warn(const std::string& message) const;

  // Collective, before any input is read. `hdf5_output` (one of the
  // targets, or empty) is created by inputs_listed; `known_inputs` (the input
  // arguments, a model, an ASN table) are inputs no output may be, checked
  // first, so that `-o x x` says "it is the input" rather than "it exists". Folder targets are created
  // here when missing, and removed again if the run fails while they are empty.
  void declare_outputs(const std::vector<OutputTarget>& targets, bool force, const std::string& hdf5_output,
                       const std::vector<std::string>& known_inputs = {});
  // Collective: `inputs` (rank 0's list; other ranks may pass it too, or
  // nothing) against the declared outputs, then the HDF5 output created.
  void inputs_listed(const std::vector<std::string>& inputs);
  bool force() const { return force_; }
  // Rank 0's process id, the same on every rank: the suffix of this run's temporary names.
  const std::string& run_id() const { return run_id_; }

  // The HDF5 output, created by inputs_listed (collective writes).
  h5::File& output();
  // A temporary sibling for another output file (`final_path` is renamed
  // into place by commit_output, before the HDF5 file; rank 0 writes it
  // unless the command says otherwise). Same name on every rank.
  std::string temporary_for(const std::string& final_path);
  // Registers a temporary file written by this rank, removed if the run fails.
  void add_temporary(const std::string& path);
  void forget_temporary(const std::string& path);

  // A fact of how the run went (exchange rounds), the same on every rank,
  // written to /run: /run is the part of an output that may differ between runs.
  void note_run_fact(const std::string& name, uint64_t value) { run_facts_.emplace_back(name, value); }

  // Collective: writes /run (wall time, stages, per-rank facts, input bytes),
  // closes and renames every output into place.
  void commit_output(uint64_t input_bytes);

  // Collective: when nothing was used (inputs given but no record used or no
  // file selected) the run fails with exit 3 and `hint`, unless
  // `allow_empty`, when it only warns. Every rank passes the same values.
  void require_used(bool nothing_used, bool allow_empty, const std::string& hint);

  // Runs a command's body with the failure discipline every command shares:
  // an AgreedFailure or h5::CollectiveError (thrown on every rank) removes
  // the outputs and returns its exit code; any other exception comes from one
  // rank alone, whose peers may wait in a collective forever, so that rank
  // removes the outputs, says why and aborts the job.
  int run(const std::function<int()>& body);

  // Peak resident set size of each rank, on every rank (collective).
  std::vector<uint64_t> peak_rss_bytes() const;

  // Marks the end of a stage (local wall time since the previous mark); the
  // stages are written to /run and printed in the summary.
  void end_stage(const std::string& name);
  // Collective: "stage 1.23 s, ..." with the slowest rank's time per stage.
  std::string stage_report();

 private:
  void discard_outputs();
  void create_output(const std::string& final_path);

  dist::Comm comm_;
  std::string command_, config_, run_id_;
  bool quiet_;
  bool force_ = false;
  std::vector<OutputTarget> targets_;
  std::vector<std::string> extra_inputs_;
  std::string hdf5_final_;
  h5::File output_;
  std::string tmp_path_;                                     // the HDF5 output's temporary name
  std::vector<std::pair<std::string, std::string>> renames_;  // other outputs: temporary -> final
  std::vector<std::string> temporaries_;                     // this rank's, removed on failure
  std::vector<std::string> created_folders_;                 // removed on failure when empty
  std::chrono::steady_clock::time_point start_, stage_start_;
  std::vector<std::pair<std::string, double>> stages_;
  std::vector<std::pair<std::string, uint64_t>> run_facts_;
};

}  // namespace scanhpc::commands
