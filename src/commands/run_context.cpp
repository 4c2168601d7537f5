#include "scanhpc/commands/run_context.hpp"

#include <omp.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>

#include "scanhpc/commands/commands.hpp"
#include "scanhpc/core/build_info.hpp"

namespace scanhpc::commands {

RunContext::RunContext(std::string command, std::string config_ini, bool quiet)
    : comm_(MPI_COMM_WORLD), command_(std::move(command)), config_(std::move(config_ini)), quiet_(quiet),
      start_(std::chrono::steady_clock::now()), stage_start_(start_) {
  h5::silence_diagnostics();
}

int RunContext::threads() const { return omp_get_max_threads(); }

double RunContext::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void RunContext::agree_or_fail(const std::string& local_error, const std::string& what) {
  uint64_t failed = comm_.allreduce_max(uint64_t(!local_error.empty()));
  if (!failed) return;
  auto messages = comm_.gather_strings(local_error, 0);
  if (root()) {
    for (size_t r = 0; r < messages.size(); ++r)
      if (!messages[r].empty())
        std::fprintf(stderr, "scanhpc %s: %s%s\n", command_.c_str(),
                     comm_.size() > 1 ? ("rank " + std::to_string(r) + ": ").c_str() : "", messages[r].c_str());
  }
  throw AgreedFailure(what);
}

h5::File RunContext::create_output(const std::string& final_path) {
  final_path_ = final_path;
  std::string pid = std::to_string(::getpid());
  comm_.bcast(pid, 0);
  tmp_path_ = final_path + ".tmp." + pid;
  std::string error;
  h5::File file;
  try {
    file = h5::File::create_parallel(tmp_path_, comm_.get());
  } catch (const std::exception& e) {
    error = "cannot create output " + final_path + ": " + e.what();
  }
  agree_or_fail(error, "cannot create the output file");

  char created[32];
  std::time_t now = std::time(nullptr);
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string created_utc = created;
  comm_.bcast(created_utc, 0);
  std::string line = command_line();
  comm_.bcast(line, 0);
  file.write_attr("/", "scanhpc_version", std::string(version()));
  file.write_attr("/", "git_commit", std::string(git_commit()));
  file.write_attr("/", "command", command_);
  file.write_attr("/", "command_line", line);
  file.write_attr("/", "config", config_);
  file.write_attr("/", "ranks", uint64_t(comm_.size()));
  file.write_attr("/", "threads", uint64_t(threads()));
  file.write_attr("/", "created_utc", created_utc);
  return file;
}

std::vector<uint64_t> RunContext::peak_rss_bytes() const {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return comm_.allgather(uint64_t(usage.ru_maxrss) * 1024);
}

void RunContext::end_stage(const std::string& name) {
  auto now = std::chrono::steady_clock::now();
  stages_.emplace_back(name, std::chrono::duration<double>(now - stage_start_).count());
  stage_start_ = now;
}

std::string RunContext::stage_report() {
  std::string out;
  for (const auto& [name, seconds] : stages_) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%s%s %.2f s", out.empty() ? "" : ", ", name.c_str(),
                  comm_.allreduce_max(seconds));
    out += buf;
  }
  return out;
}

void RunContext::commit_output(h5::File& file, uint64_t input_bytes) {
  file.create_group("/run");
  double wall = comm_.allreduce_max(elapsed_seconds());
  file.write_attr("/run", "wall_seconds", wall);
  file.write_attr("/run", "stages", stage_report());
  file.write_attr("/run", "peak_rss_bytes", peak_rss_bytes());
  file.write_attr("/run", "input_bytes", input_bytes);
  file.close();
  comm_.barrier();  // every rank has closed before the file takes its name
  std::string error;
  if (root()) {
    std::error_code ec;
    std::filesystem::rename(tmp_path_, final_path_, ec);
    if (ec) error = "cannot rename " + tmp_path_ + " to " + final_path_ + ": " + ec.message();
  }
  agree_or_fail(error, "cannot move the output into place");
  tmp_path_.clear();
}

int RunContext::run(const std::function<int()>& body) {
  try {
    return body();
  } catch (const AgreedFailure& e) {
    discard_output();
    if (root()) std::fprintf(stderr, "scanhpc %s: failed: %s; no output written\n", command_.c_str(), e.what());
    return 1;
  } catch (const std::exception& e) {
    discard_output();
    std::fprintf(stderr, "scanhpc %s: rank %d: error: %s\n", command_.c_str(), comm_.rank(), e.what());
    if (comm_.size() > 1) MPI_Abort(comm_.get(), 1);
    return 1;
  }
}

void RunContext::discard_output() {
  if (!tmp_path_.empty() && root()) {
    std::error_code ec;
    std::filesystem::remove(tmp_path_, ec);
  }
}

}  // namespace scanhpc::commands
