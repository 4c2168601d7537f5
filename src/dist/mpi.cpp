#include "scanhpc/dist/mpi.hpp"

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <string>
#include <system_error>
#include <numeric>

#include "scanhpc/core/checked_cast.hpp"

namespace scanhpc::dist {

void check(int rc, const char* what) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  if (MPI_Error_string(rc, text, &len) != MPI_SUCCESS) len = 0;
  throw MpiError(std::string(what) + ": " + (len ? std::string(text, size_t(len)) : "MPI error " + std::to_string(rc)));
}

Environment::Environment(int* argc, char*** argv) {
  // Read before MPI_Init: an Open MPI singleton sets these in its own environment.
  const bool wired = std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK") || std::getenv("PMI_SIZE");
  // Not under a launcher (no mpirun: a laptop, a quick look): an Open MPI singleton then forks
  // a daemon for MPI_Comm_spawn, which scanhpc never calls; without it MPI_Init takes 0.05 s
  // instead of 0.2 s here. Overwrite 0: a user's own setting wins. Other MPI libraries ignore it.
  if (!wired) setenv("OMPI_MCA_ess_singleton_isolated", "1", 0);
  // Open MPI 4.1 puts every singleton's session files in the same folder
  // (/tmp/ompi.HOST.UID/jf.0/1), and the first to finish removes it: a second
  // run without mpirun at the same moment then fails to open its output
  // (seen once in the test suite, MPI-IO's shared-file-pointer file). Each
  // singleton gets a folder of its own, removed at the end; a user's setting wins.
  if (!wired && !std::getenv("OMPI_MCA_orte_tmpdir_base")) {
    const char* tmp = std::getenv("TMPDIR");
    std::string tmpl(tmp && *tmp ? tmp : "/tmp");
    tmpl.append("/scanhpc-mpi.XXXXXX");
    if (mkdtemp(tmpl.data())) {
      private_tmpdir_ = tmpl;
      setenv("OMPI_MCA_orte_tmpdir_base", private_tmpdir_.c_str(), 1);
    }
  }
  // Every rank on this one machine (a laptop, one node): Open MPI's ob1 layer over shared memory,
  // instead of ~0.2 s of every MPI_Init probing for cluster fabrics (UCX, libfabric, PSM) that
  // cannot help here. Each rank sees the same sizes, so all choose alike; a user's or a site's
  // OMPI_MCA_pml wins; jobs across nodes keep the site's default.
  const char* world = std::getenv("OMPI_COMM_WORLD_SIZE");
  const char* local = std::getenv("OMPI_COMM_WORLD_LOCAL_SIZE");
  if (world && local && std::strcmp(world, local) == 0) setenv("OMPI_MCA_pml", "ob1", 0);
  int provided = 0;
  try {
    check(MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
  } catch (...) {
    remove_private_tmpdir();
    throw;
  }
  if (provided < MPI_THREAD_FUNNELED) {
    MPI_Finalize();
    remove_private_tmpdir();
    throw MpiError("MPI_Init_thread: the MPI library does not provide MPI_THREAD_FUNNELED");
  }
  MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN);
  // srun without the PMI this MPI library speaks starts N singletons, each of which
  // would read every input and write the same output. Refuse before any work.
  int size = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  const char* step_tasks = std::getenv("SLURM_STEP_NUM_TASKS");
  if (size == 1 && step_tasks && std::atoi(step_tasks) > 1 && !wired) {
    MPI_Finalize();
    remove_private_tmpdir();
    throw MpiError("srun started " + std::string(step_tasks) +
                   " tasks but MPI sees each as a world of one: srun's MPI plugin does not match this MPI "
                   "library (" + std::string(std::getenv("SLURM_MPI_TYPE") ? std::getenv("SLURM_MPI_TYPE") : "none") +
                   "); run `srun --mpi=list` and use srun --mpi=pmix (or pmi2), or mpirun");
  }
}

Environment::~Environment() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
  remove_private_tmpdir();
}

void Environment::remove_private_tmpdir() noexcept {
  if (private_tmpdir_.empty()) return;
  std::error_code ignored;  // Open MPI removed its session files; what it left goes too
  std::filesystem::remove_all(private_tmpdir_, ignored);
  private_tmpdir_.clear();
}

Comm::Comm(MPI_Comm comm) : comm_(comm) {
  check(MPI_Comm_set_errhandler(comm_, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
  check(MPI_Comm_rank(comm_, &rank_), "MPI_Comm_rank");
  check(MPI_Comm_size(comm_, &size_), "MPI_Comm_size");
}

std::string local_mpi_library_version() {
  char text[MPI_MAX_LIBRARY_VERSION_STRING] = {};
  int len = 0;
  check(MPI_Get_library_version(text, &len), "MPI_Get_library_version");
  std::string s(text, size_t(std::max(len, 0)));
  s = s.substr(0, s.find('\n'));
  while (!s.empty() && (s.back() == '\0' || s.back() == ' ' || s.back() == ',')) s.pop_back();
  return s;
}

void Comm::barrier() const { check(MPI_Barrier(comm_), "MPI_Barrier"); }

uint64_t Comm::allreduce_sum(uint64_t v) const {
  uint64_t out = 0;
  check(MPI_Allreduce(&v, &out, 1, MPI_UINT64_T, MPI_SUM, comm_), "MPI_Allreduce(sum)");
  return out;
}

uint64_t Comm::allreduce_max(uint64_t v) const {
  uint64_t out = 0;
  check(MPI_Allreduce(&v, &out, 1, MPI_UINT64_T, MPI_MAX, comm_), "MPI_Allreduce(max)");
  return out;
}

double Comm::allreduce_max(double v) const {
  double out = 0;
  check(MPI_Allreduce(&v, &out, 1, MPI_DOUBLE, MPI_MAX, comm_), "MPI_Allreduce(max)");
  return out;
}

void Comm::allreduce_sum_inplace(std::vector<uint64_t>& v) const {
  // Bounded pieces keep each count an int however long the vector is.
  constexpr size_t kPiece = size_t(1) << 26;
  for (size_t at = 0; at < v.size(); at += kPiece) {
    int n = checked_cast<int>(std::min(kPiece, v.size() - at));
    check(MPI_Allreduce(MPI_IN_PLACE, v.data() + at, n, MPI_UINT64_T, MPI_SUM, comm_), "MPI_Allreduce(sum vector)");
  }
}

uint64_t Comm::exscan_sum(uint64_t v) const {
  uint64_t out = 0;
  check(MPI_Exscan(&v, &out, 1, MPI_UINT64_T, MPI_SUM, comm_), "MPI_Exscan");
  return rank_ == 0 ? 0 : out;  // MPI leaves rank 0's result undefined
}

namespace {
std::atomic<uint64_t> g_sent{0}, g_received{0};
}
void note_traffic(uint64_t sent, uint64_t received) {
  g_sent += sent;
  g_received += received;
}
Traffic traffic() { return {g_sent.load(), g_received.load()}; }

std::vector<uint64_t> Comm::exscan_sum(const std::vector<uint64_t>& v) const {
  std::vector<uint64_t> out(v.size(), 0);
  constexpr size_t kPiece = size_t(1) << 26;
  for (size_t at = 0; at < v.size(); at += kPiece) {
    int n = checked_cast<int>(std::min(kPiece, v.size() - at));
    check(MPI_Exscan(v.data() + at, out.data() + at, n, MPI_UINT64_T, MPI_SUM, comm_), "MPI_Exscan(vector)");
  }
  if (rank_ == 0) std::fill(out.begin(), out.end(), 0);
  return out;
}

std::vector<uint64_t> Comm::allgather(uint64_t v) const {
  std::vector<uint64_t> out(static_cast<size_t>(size_));
  check(MPI_Allgather(&v, 1, MPI_UINT64_T, out.data(), 1, MPI_UINT64_T, comm_), "MPI_Allgather");
  return out;
}

std::vector<uint64_t> Comm::alltoall(const std::vector<uint64_t>& send) const {
  if (send.size() != size_t(size_)) throw std::invalid_argument("Comm::alltoall: one value per rank expected");
  std::vector<uint64_t> out(static_cast<size_t>(size_));
  check(MPI_Alltoall(send.data(), 1, MPI_UINT64_T, out.data(), 1, MPI_UINT64_T, comm_), "MPI_Alltoall");
  return out;
}

void Comm::bcast(std::string& bytes, int root) const {
  uint64_t n = bytes.size();
  check(MPI_Bcast(&n, 1, MPI_UINT64_T, root, comm_), "MPI_Bcast(size)");
  bytes.resize(n);
  constexpr uint64_t kPiece = uint64_t(1) << 30;
  for (uint64_t at = 0; at < n; at += kPiece)
    check(MPI_Bcast(bytes.data() + at, checked_cast<int>(std::min(kPiece, n - at)), MPI_CHAR, root, comm_),
          "MPI_Bcast(bytes)");
}

std::vector<uint64_t> Comm::gatherv(const std::vector<uint64_t>& local, int root) const {
  int n = checked_cast<int>(local.size());
  std::vector<int> counts(static_cast<size_t>(size_)), displs(static_cast<size_t>(size_));
  check(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm_), "MPI_Gather(counts)");
  std::vector<uint64_t> out;
  if (rank_ == root) {
    uint64_t total = 0;
    for (size_t r = 0; r < counts.size(); ++r) {
      displs[r] = checked_cast<int>(total);
      total += uint64_t(counts[r]);
    }
    checked_cast<int>(total);
    out.resize(total);
  }
  check(MPI_Gatherv(local.data(), n, MPI_UINT64_T, out.data(), counts.data(), displs.data(), MPI_UINT64_T, root,
                    comm_),
        "MPI_Gatherv");
  return out;
}

std::vector<std::string> Comm::gather_strings(const std::string& local, int root) const {
  int n = checked_cast<int>(local.size());
  std::vector<int> counts(static_cast<size_t>(size_)), displs(static_cast<size_t>(size_));
  check(MPI_Gather(&n, 1, MPI_INT, counts.data(), 1, MPI_INT, root, comm_), "MPI_Gather(string sizes)");
  std::string all;
  if (rank_ == root) {
    uint64_t total = 0;
    for (size_t r = 0; r < counts.size(); ++r) {
      displs[r] = checked_cast<int>(total);
      total += uint64_t(counts[r]);
    }
    all.resize(total);
  }
  check(MPI_Gatherv(local.data(), n, MPI_CHAR, all.data(), counts.data(), displs.data(), MPI_CHAR, root, comm_),
        "MPI_Gatherv(strings)");
  std::vector<std::string> out;
  if (rank_ == root)
    for (size_t r = 0; r < counts.size(); ++r) out.push_back(all.substr(size_t(displs[r]), size_t(counts[r])));
  return out;
}

}  // namespace scanhpc::dist
