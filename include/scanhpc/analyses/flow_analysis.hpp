#pragma once
// The shape of every analysis of `scanhpc flow` (top, series, intersect):
// the FT4 blocks are streamed in chunks on each rank's OpenMP threads (each
// thread takes consecutive blocks, in order); each analysis accumulates per
// thread from a chunk's selected rows, merges its partials across threads
// and ranks (owner-side or up a tree, never data-sized on one rank), writes
// its HDF5 group and prints its result. The registry (flow_analyses) names
// them; adding one is one file in src/analyses and one line in
// flow_registry.cpp.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/flow/query.hpp"
#include "scanhpc/h5/h5.hpp"

namespace scanhpc::analyses {

// What a flow query asks, for every analysis.
struct FlowAnalysisOptions {
  flow::Selection selection;                                 // rows an analysis sees (intersect: all but the
                                                             // first --where is the baseline)
  std::vector<std::pair<flow::Field, flow::Metric>> tables;  // top: one table each
  size_t top_n = 10;                                         // top: rows before Other
  size_t sample = 10;                                        // intersect: matching rows kept
  uint64_t round_bytes = uint64_t(64) << 20;
};

class FlowAnalysis {
 public:
  virtual ~FlowAnalysis() = default;
  // Local, on OpenMP thread `thread` of `threads`: one chunk and its rows
  // that the selection keeps (indices into the chunk, ascending).
  virtual void accumulate(int thread, const flow::Ft4Columns& chunk, const std::vector<uint32_t>& selected) = 0;
  // Collective: the threads' partials, then the ranks'.
  virtual void merge(const dist::Comm& comm) = 0;
  // Collective: writes the analysis's group under /flow.
  virtual void write(h5::File& out, const dist::Comm& comm) = 0;
  // Rank 0: the result on stdout.
  virtual void print() const = 0;
  // The FT4 columns accumulate() reads (flow::ft4_bit); the chunks carry
  // only these and the selection's, the others empty.
  virtual uint32_t ft4_columns() const { return flow::kFt4AllColumns; }
};

struct FlowAnalysisInfo {
  std::string name;
  std::string description;
  std::function<std::unique_ptr<FlowAnalysis>(const FlowAnalysisOptions&, int threads)> make;
};

// Every analysis of `flow`, in output order.
const std::vector<FlowAnalysisInfo>& flow_analyses();
// The analysis of that name; throws std::invalid_argument for an unknown one.
const FlowAnalysisInfo& flow_analysis(const std::string& name);

}  // namespace scanhpc::analyses
