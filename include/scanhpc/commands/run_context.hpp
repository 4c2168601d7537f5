#pragma once
// What every command shares once MPI is up: the communicator, provenance for
// the output file, failure agreement between ranks, and the temp-then-rename
// output discipline.
#include <chrono>
#include <functional>
#include <string>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/h5/h5.hpp"

namespace scanhpc::commands {

// Thrown on every rank at once after the ranks agreed that the run failed;
// safe to unwind (no rank is left waiting in a collective).
class AgreedFailure : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class RunContext {
 public:
  RunContext(std::string command, std::string config_ini, bool quiet);

  const dist::Comm& comm() const { return comm_; }
  bool root() const { return comm_.is_root(); }
  bool quiet() const { return quiet_; }
  int threads() const;
  double elapsed_seconds() const;

  // Collective. If any rank passes a non-empty message, every rank throws
  // AgreedFailure; the failing ranks' messages are printed by rank 0.
  void agree_or_fail(const std::string& local_error, const std::string& what);

  // Collective: opens `final_path`'s temporary sibling for writing and writes
  // the provenance attributes on "/".
  h5::File create_output(const std::string& final_path);
  // Collective: writes /run (wall time, peak RSS per rank, input bytes),
  // closes and renames the temporary file to its final name.
  void commit_output(h5::File& file, uint64_t input_bytes);
  // Removes the temporary file if it exists (rank 0; any time).
  void discard_output();

  // Runs a command's body with the failure discipline every command shares:
  // an AgreedFailure (thrown on every rank) discards the output and returns 1;
  // any other exception comes from one rank alone, whose peers may wait in a
  // collective forever, so it aborts the job.
  int run(const std::function<int()>& body);

  // Peak resident set size of each rank, on every rank (collective).
  std::vector<uint64_t> peak_rss_bytes() const;

  // Marks the end of a stage (local wall time since the previous mark); the
  // stages are written to /run and printed in the summary.
  void end_stage(const std::string& name);
  // Collective: "stage 1.23 s, ..." with the slowest rank's time per stage.
  std::string stage_report();

 private:
  dist::Comm comm_;
  std::string command_, config_;
  bool quiet_;
  std::string tmp_path_, final_path_;
  std::chrono::steady_clock::time_point start_, stage_start_;
  std::vector<std::pair<std::string, double>> stages_;
};

}  // namespace scanhpc::commands
