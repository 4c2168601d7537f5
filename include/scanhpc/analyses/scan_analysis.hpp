#pragma once
// The shape of every analysis of `scanhpc scan`: the shared path brings each
// open observation to the rank owning its host, sorted by service; then each
// analysis accumulates from this rank's rows (local, OpenMP inside, an
// MPI-free kernel), merges its integer partials across ranks, writes its
// HDF5 group (collective, zero-row ranks included) and gives one summary
// line. The registry (scan_analyses) feeds --analyses: adding an analysis is
// its kernel, one file here and one line in registry.cpp.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/h5/h5.hpp"
#include "scanhpc/kernels/services.hpp"

namespace scanhpc::analyses {

class ScanAnalysis {
 public:
  virtual ~ScanAnalysis() = default;
  // Local: this rank's open services, sorted by (ip, port, proto).
  virtual void accumulate(const std::vector<ServiceEntry>& sorted) = 0;
  // Collective: partials merged (owner-side or reduced, never data-sized on one rank).
  virtual void merge(const dist::Comm& comm) = 0;
  // Collective: writes the analysis's group of `out`; may move its columns out.
  virtual void write(h5::File& out, const dist::Comm& comm) = 0;
  // Collective: the line for the closing summary (used on rank 0).
  virtual std::string summary(const dist::Comm& comm) const = 0;
  // Repeated identical observations, for /ingest (only multiprobe counts them).
  virtual uint64_t duplicates() const { return 0; }
};

struct ScanAnalysisInfo {
  std::string name;
  std::string description;  // for --help
  std::function<std::unique_ptr<ScanAnalysis>()> make;
};

// Every analysis of `scan`, in output order.
const std::vector<ScanAnalysisInfo>& scan_analyses();

// --analyses: a comma-separated list of names or "all", in registry order.
// Throws std::invalid_argument naming an unknown analysis or an empty choice.
std::vector<const ScanAnalysisInfo*> choose_scan_analyses(const std::string& list);

}  // namespace scanhpc::analyses
