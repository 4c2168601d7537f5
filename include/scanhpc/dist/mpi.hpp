#pragma once
// Thin MPI layer: RAII init/finalize, MPI errors as exceptions carrying MPI's
// own error text, and the few typed collectives scanhpc needs. Functions
// named local_* involve this rank only; every other member is a collective
// that all ranks of the communicator must call in the same order.
#include <mpi.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace scanhpc::dist {

class MpiError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Throws MpiError("<what>: <MPI_Error_string>") unless rc == MPI_SUCCESS.
void check(int rc, const char* what);

// MPI_Init_thread(FUNNELED) ... MPI_Finalize. OpenMP threads run only
// between communication phases, so FUNNELED is all we ask for. Without
// mpirun this is an MPI singleton: one rank.
// The MPI library's own name and version (MPI_Get_library_version), first line only:
// "Open MPI v4.1.4, package: ...". Local; any time after MPI_Init.
std::string local_mpi_library_version();

class Environment {
 public:
  Environment(int* argc, char*** argv);
  ~Environment();
  Environment(const Environment&) = delete;
  Environment& operator=(const Environment&) = delete;

 private:
  void remove_private_tmpdir() noexcept;
  std::string private_tmpdir_;  // a singleton's own Open MPI session folder (removed at the end)
};

// Bytes this process sent to and received from other ranks in the data
// exchanges (alltoallv_rounds, exchange_records; not the small collectives),
// for /run/ranks: how evenly the work was spread.
struct Traffic {
  uint64_t sent = 0, received = 0;
};
void note_traffic(uint64_t sent, uint64_t received);
Traffic traffic();

class Comm {
 public:
  explicit Comm(MPI_Comm comm = MPI_COMM_WORLD);  // sets MPI_ERRORS_RETURN on it
  MPI_Comm get() const { return comm_; }
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }

  void barrier() const;
  uint64_t allreduce_sum(uint64_t v) const;
  uint64_t allreduce_max(uint64_t v) const;
  double allreduce_max(double v) const;
  void allreduce_sum_inplace(std::vector<uint64_t>& v) const;  // same length on all ranks
  uint64_t exscan_sum(uint64_t v) const;                       // 0 on rank 0
  std::vector<uint64_t> exscan_sum(const std::vector<uint64_t>& v) const;  // elementwise; zeros on rank 0
  std::vector<uint64_t> allgather(uint64_t v) const;
  std::vector<uint64_t> alltoall(const std::vector<uint64_t>& send) const;  // one value per rank
  void bcast(std::string& bytes, int root) const;
  // Concatenation of every rank's words on root (rank order); empty elsewhere.
  std::vector<uint64_t> gatherv(const std::vector<uint64_t>& local, int root) const;
  std::vector<std::string> gather_strings(const std::string& local, int root) const;

 private:
  MPI_Comm comm_;
  int rank_ = 0, size_ = 1;
};

}  // namespace scanhpc::dist
