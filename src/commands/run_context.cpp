#include "scanhpc/commands/run_context.hpp"

#include <omp.h>
#include <sys/resource.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <ctime>
#include <filesystem>

#include "scanhpc/commands/commands.hpp"
#include "scanhpc/commands/interrupts.hpp"
#include "scanhpc/core/build_info.hpp"
#include "scanhpc/core/fault_injection.hpp"

namespace scanhpc::commands {
namespace fs = std::filesystem;

RunContext::RunContext(std::string command, std::string config_ini, bool quiet)
    : comm_(MPI_COMM_WORLD), command_(std::move(command)), config_(std::move(config_ini)), quiet_(quiet),
      start_(std::chrono::steady_clock::now()), stage_start_(start_) {
  h5::silence_diagnostics();
  set_fault_rank(comm_.rank());
  install_interrupt_handlers();
  run_id_ = std::to_string(::getpid());
  comm_.bcast(run_id_, 0);
}

int RunContext::threads() const { return omp_get_max_threads(); }

double RunContext::elapsed_seconds() const {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

void RunContext::agree_or_fail(const std::string& local_error, int exit_code) {
  const uint64_t code = comm_.allreduce_max(uint64_t(local_error.empty() ? 0 : exit_code));
  if (!code) return;
  auto messages = comm_.gather_strings(local_error, 0);
  std::string text;
  if (root()) {
    // One line per distinct message; the ranks are named unless every rank failed alike.
    std::vector<std::pair<std::string, std::vector<size_t>>> distinct;
    for (size_t r = 0; r < messages.size(); ++r) {
      if (messages[r].empty()) continue;
      auto it = std::find_if(distinct.begin(), distinct.end(), [&](const auto& d) { return d.first == messages[r]; });
      if (it == distinct.end()) distinct.push_back({messages[r], {r}});
      else it->second.push_back(r);
    }
    const bool everywhere = distinct.size() == 1 && distinct[0].second.size() == messages.size();
    for (const auto& [message, ranks] : distinct) {
      std::string who;
      if (!everywhere) {
        who = ranks.size() == 1 ? "rank " : "ranks ";
        for (size_t i = 0; i < ranks.size() && i < 8; ++i) {
          if (i) who += ',';
          who += std::to_string(ranks[i]);
        }
        if (ranks.size() > 8) who += ",...";
        who += ": ";
      }
      if (!text.empty()) text += "; ";
      text += who;
      text += message;
    }
  }
  comm_.bcast(text, 0);
  throw AgreedFailure(text, int(code));
}

void RunContext::agree_on_first(const std::string& local_error, int exit_code) {
  const uint64_t code = comm_.allreduce_max(uint64_t(local_error.empty() ? 0 : exit_code));
  if (!code) return;
  const uint64_t first = uint64_t(comm_.size()) -
                         comm_.allreduce_max(uint64_t(comm_.size() - (local_error.empty() ? comm_.size() : comm_.rank())));
  std::string text = comm_.rank() == int(first) ? local_error : std::string();
  comm_.bcast(text, int(first));
  throw AgreedFailure(text, int(code));
}

void RunContext::agree_root(const std::string& root_error, int exit_code) {
  std::string error = root() ? root_error : std::string();
  comm_.bcast(error, 0);
  agree_or_fail(error, exit_code);
}

void RunContext::warn(const std::string& message) const {
  if (root()) std::fprintf(stderr, "scanhpc %s: warning: %s\n", command_.c_str(), message.c_str());
}

void RunContext::declare_outputs(const std::vector<OutputTarget>& targets, bool force,
                                 const std::string& hdf5_output, const std::vector<std::string>& known_inputs) {
  targets_ = targets;
  force_ = force;
  hdf5_final_ = hdf5_output;
  extra_inputs_ = known_inputs;
  std::string error;
  if (root()) {  // the inputs known already (a model, a table) are checked first
    std::vector<std::string> outputs;
    for (const auto& t : targets_)
      if (!t.directory) outputs.push_back(t.path);
    error = local_output_is_input(outputs, extra_inputs_);
  }
  agree_root(error);
  for (const auto& t : targets_)
    if (t.directory && error.empty()) error = local_output_problem(t, force);
  agree_or_fail(error);
  // Folders are created now, so that the files in them can be checked.
  if (root()) {
    for (const auto& t : targets_) {
      if (!t.directory || !error.empty()) continue;
      std::vector<fs::path> missing;
      for (fs::path p = t.path; !p.empty() && !fs::exists(p); p = p.parent_path()) missing.push_back(p);
      for (auto it = missing.rbegin(); it != missing.rend(); ++it) {
        std::error_code ec;
        fs::create_directory(*it, ec);
        if (ec) {
          error = "cannot write " + t.path + ": cannot create " + it->string() + ": " + ec.message();
          break;
        }
        created_folders_.push_back(it->string());
        remove_on_interrupt(it->string(), true);
      }
    }
  }
  agree_root(error);
  // Every rank removes them if interrupted, so that a rank 0 killed first cannot leave them.
  std::string created;
  for (const auto& d : created_folders_) created += d + '\n';
  comm_.bcast(created, 0);
  if (!root())
    for (size_t pos = 0; pos < created.size();) {
      const size_t nl = created.find('\n', pos);
      remove_on_interrupt(created.substr(pos, nl - pos), true);
      pos = nl + 1;
    }
  for (const auto& t : targets_)
    if (!t.directory && error.empty()) error = local_output_problem(t, force);
  agree_or_fail(error);
}

void RunContext::inputs_listed(const std::vector<std::string>& inputs) {
  std::string error;
  if (root()) {
    std::vector<std::string> outputs;
    for (const auto& t : targets_)
      if (!t.directory) outputs.push_back(t.path);
    std::vector<std::string> all = inputs;
    all.insert(all.end(), extra_inputs_.begin(), extra_inputs_.end());
    error = local_output_is_input(outputs, all);
  }
  agree_root(error);
  fault_point("listed");
  if (!hdf5_final_.empty() && output_.id() < 0) create_output(hdf5_final_);
  fault_point("created");
}

void RunContext::create_output(const std::string& final_path) {
  tmp_path_ = final_path + ".tmp." + run_id_;
  remove_on_interrupt(tmp_path_);
  std::string error;
  try {
    output_ = h5::File::create_parallel(tmp_path_, comm_.get());
  } catch (const std::exception& e) {
    // The system's reason (a folder turned read-only) says more than HDF5's chain.
    error = local_output_problem({final_path}, true);
    if (error.empty()) error = "cannot write " + final_path + ": " + e.what();
  }
  if (!error.empty()) {  // nothing was made: nothing to say "no output written" about
    ::unlink(tmp_path_.c_str());
    keep_on_interrupt(tmp_path_);
    tmp_path_.clear();
  }
  agree_or_fail(error);

  char created[32];
  std::time_t now = std::time(nullptr);
  std::strftime(created, sizeof created, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&now));
  std::string created_utc = created;
  comm_.bcast(created_utc, 0);
  std::string line = command_line();
  comm_.bcast(line, 0);
  output_.write_attr("/", "scanhpc_version", std::string(version()));
  output_.write_attr("/", "git_commit", std::string(git_commit()));
  output_.write_attr("/", "command", command_);
  output_.write_attr("/", "command_line", line);
  output_.write_attr("/", "config", config_);
  output_.write_attr("/", "ranks", uint64_t(comm_.size()));
  output_.write_attr("/", "threads", comm_.allgather(uint64_t(threads())));  // per rank
  output_.write_attr("/", "created_utc", created_utc);
  output_.write_attr("/", "build_flags", std::string(build_flags()));
  std::string mpi_library = dist::local_mpi_library_version();
  comm_.bcast(mpi_library, 0);  // one value on every rank, as every attribute
  output_.write_attr("/", "mpi_library", mpi_library);
  // Where the job ran, when SLURM ran it (rank 0's environment: one job, one value).
  for (const char* var : {"SLURM_CLUSTER_NAME", "SLURM_JOB_ID", "SLURM_ARRAY_JOB_ID", "SLURM_ARRAY_TASK_ID",
                          "SLURM_JOB_NODELIST", "SLURM_JOB_NUM_NODES"}) {
    const char* v = std::getenv(var);
    std::string value = v ? v : "";
    comm_.bcast(value, 0);
    if (value.empty()) continue;  // the same on every rank after the broadcast
    std::string name = var;
    for (auto& ch : name) ch = char(std::tolower(static_cast<unsigned char>(ch)));
    output_.write_attr("/", name, value);
  }
}

h5::File& RunContext::output() {
  if (output_.id() < 0) throw std::logic_error("RunContext::output: no HDF5 output was declared and created");
  return output_;
}

std::string RunContext::temporary_for(const std::string& final_path) {
  const std::string tmp = final_path + ".tmp." + run_id_;
  renames_.emplace_back(tmp, final_path);
  remove_on_interrupt(tmp);
  return tmp;
}

void RunContext::add_temporary(const std::string& path) {
  temporaries_.push_back(path);
  remove_on_interrupt(path);
}

void RunContext::forget_temporary(const std::string& path) {
  std::erase(temporaries_, path);
  keep_on_interrupt(path);
}

std::vector<uint64_t> RunContext::peak_rss_bytes() const {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return comm_.allgather(uint64_t(usage.ru_maxrss) * 1024);
}

void RunContext::end_stage(const std::string& name) {
  auto now = std::chrono::steady_clock::now();
  // A stage that recurs (flow convert's windows) adds to its first entry.
  const double seconds = std::chrono::duration<double>(now - stage_start_).count();
  auto same = std::find_if(stages_.begin(), stages_.end(), [&](const auto& st) { return st.first == name; });
  if (same != stages_.end()) same->second += seconds;
  else stages_.emplace_back(name, seconds);
  stage_start_ = now;
  // SCANHPC_STAGE_MEMORY=1: each rank's memory at the end of each stage on
  // stderr (for finding the stage that holds more than its share).
  static const bool report = [] {
    const char* v = std::getenv("SCANHPC_STAGE_MEMORY");
    return v && *v && std::string(v) != "0";
  }();
  if (report) {
    std::ifstream status("/proc/self/status");
    // Anonymous memory is the program's; file pages are libraries and mapped inputs.
    std::map<std::string, std::string> v;
    std::string line;
    while (std::getline(status, line)) {
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      size_t at = line.find_first_not_of(" \t", colon + 1);
      v[line.substr(0, colon)] = at == std::string::npos ? "" : line.substr(at);
    }
    std::fprintf(stderr, "rank %d: after %s: rss %s (anon %s, file %s), peak %s\n", comm_.rank(), name.c_str(),
                 v["VmRSS"].c_str(), v["RssAnon"].c_str(), v["RssFile"].c_str(), v["VmHWM"].c_str());
  }
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

void RunContext::commit_output(uint64_t input_bytes) {
  h5::File& file = output();
  file.create_group("/run");
  double wall = comm_.allreduce_max(elapsed_seconds());
  file.write_attr("/run", "wall_seconds", wall);
  file.write_attr("/run", "stages", stage_report());
  const auto rss = peak_rss_bytes();
  file.write_attr("/run", "peak_rss_bytes", rss);
  file.write_attr("/run", "input_bytes", input_bytes);
  for (const auto& [name, value] : run_facts_) file.write_attr("/run", name, value);
  {
    // Per-rank facts, one row per rank, each written by its own rank.
    char host[256] = {};
    ::gethostname(host, sizeof host - 1);
    file.write_table("/run/ranks", {{"rank", std::vector<uint32_t>{uint32_t(comm_.rank())}},
                                    {"host", std::vector<std::string>{host}},
                                    {"threads", std::vector<uint64_t>{uint64_t(threads())}},
                                    {"peak_rss_bytes", std::vector<uint64_t>{rss[size_t(comm_.rank())]}},
                                    {"bytes_sent", std::vector<uint64_t>{dist::traffic().sent}},
                                    {"bytes_received", std::vector<uint64_t>{dist::traffic().received}}});
  }
  fault_point("commit");
  file.close();
  // The other outputs first: the HDF5 file, last, says the run completed.
  std::string error;
  if (root()) {
    renames_.emplace_back(tmp_path_, hdf5_final_);
    for (const auto& [tmp, final_path] : renames_) {
      std::error_code ec;
      fs::rename(tmp, final_path, ec);
      if (ec && error.empty()) error = "cannot move " + tmp + " to " + final_path + ": " + ec.message();
      else keep_on_interrupt(tmp);
    }
    renames_.pop_back();
  }
  agree_root(error);
  for (const auto& [tmp, final_path] : renames_) keep_on_interrupt(tmp);
  keep_on_interrupt(tmp_path_);
  tmp_path_.clear();
  renames_.clear();
  for (const auto& d : created_folders_) keep_on_interrupt(d);
  created_folders_.clear();
  for (const auto& t : temporaries_) keep_on_interrupt(t);  // what is left of them is now part of the result
  temporaries_.clear();
}

void RunContext::require_used(bool nothing_used, bool allow_empty, const std::string& hint) {
  if (!comm_.allreduce_max(uint64_t(nothing_used))) return;
  if (allow_empty) {
    warn("nothing used: " + hint + " (--allow-empty: an empty result)");
    return;
  }
  throw AgreedFailure("nothing used: " + hint + " (--allow-empty accepts an empty result)", kExitNothingUsed);
}

void RunContext::discard_outputs() {
  // Every rank removes what it knows of; a file that cannot go (a folder
  // turned read-only) is named, so that nobody mistakes it for a result.
  auto remove = [&](const std::string& path) {
    keep_on_interrupt(path);
    if (::unlink(path.c_str()) != 0 && errno != ENOENT && root())
      std::fprintf(stderr, "scanhpc %s: warning: cannot remove the unfinished %s: %s\n", command_.c_str(),
                   path.c_str(), std::strerror(errno));
  };
  for (const auto& [tmp, final_path] : renames_) remove(tmp);
  for (const auto& tmp : temporaries_) remove(tmp);
  if (!tmp_path_.empty()) remove(tmp_path_);
  if (root())  // folders this run created, if nothing else is in them
    for (auto it = created_folders_.rbegin(); it != created_folders_.rend(); ++it) {
      ::rmdir(it->c_str());
      keep_on_interrupt(*it);
    }
  renames_.clear();
  temporaries_.clear();
  created_folders_.clear();
}

int RunContext::run(const std::function<int()>& body) {
  auto agreed = [&](const std::string& message, int code) {
    const bool had_output = !tmp_path_.empty();
    std::string why = message;
    if (had_output && root()) {  // the library's words do not say it: a full disk
      struct statvfs fs_info {};
      if (::statvfs(parent_folder(hdf5_final_).c_str(), &fs_info) == 0 && fs_info.f_bavail == 0)
        why = "cannot write " + hdf5_final_ + ": No space left on device in " + parent_folder(hdf5_final_) +
              " (" + message.substr(0, message.find("; ")) + ")";
    }
    bool closed = !output_.close_failed();
    if (output_.id() >= 0) {
      // The file is discarded: emptied first, so that the close can flush
      // even when the failure was a full disk.
      if (root()) (void)::truncate(tmp_path_.c_str(), 0);
      comm_.barrier();
      try {
        output_.close();  // every rank is here: the collective close is safe
      } catch (const std::exception&) {
        closed = false;
      }
    }
    discard_outputs();
    if (root())
      std::fprintf(stderr, "scanhpc %s: %s%s\n", command_.c_str(), why.c_str(), had_output ? "; no output written" : "");
    if (!closed) {
      // HDF5 1.10 cannot close a file whose close failed, and crashes when it
      // tries again at MPI_Finalize: the run ends here, its outputs removed.
      std::fflush(nullptr);
      std::_Exit(code);
    }
    return code;
  };
  try {
    return body();
  } catch (const AgreedFailure& e) {
    return agreed(e.what(), e.exit_code());
  } catch (const h5::CollectiveError& e) {
    return agreed(e.what(), kExitFailure);
  } catch (const std::exception& e) {
    // This rank alone: its peers may wait in a collective, so a collective
    // close would hang. Forget the file, remove what this rank can, abort.
    if (comm_.size() > 1) output_.abandon();
    else try { output_.close(); } catch (const std::exception&) {}
    const bool had_output = !tmp_path_.empty();
    discard_outputs();
    if (comm_.size() > 1)
      std::fprintf(stderr, "scanhpc %s: rank %d: error: %s%s; stopping every rank\n", command_.c_str(), comm_.rank(),
                   e.what(), had_output ? "; no output written" : "");
    else
      std::fprintf(stderr, "scanhpc %s: error: %s%s\n", command_.c_str(), e.what(),
                   had_output ? "; no output written" : "");
    std::fflush(stderr);
    if (comm_.size() > 1) MPI_Abort(comm_.get(), kExitFailure);
    return kExitFailure;
  }
}

}  // namespace scanhpc::commands
