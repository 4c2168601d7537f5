#pragma once
// The shape of every analysis of `scanhpc ports` (top, daily, neighbours):
// each rank reduces its events to distinct (day, sensor, protocol, port,
// source) tuples (ports/port_tuples.hpp), which move to the rank owning their
// source address, so every tuple of a source is on one rank and
// distinct-source counts add up across ranks. Each analysis accumulates from
// this rank's events before they are reduced (what counts events) and from
// its tuples after the exchange (local, MPI-free kernels of ports/port_stats
// and ports/port_tuples), merges its integer partials at owners (never
// data-sized on one rank), writes its groups under /ports (collective,
// zero-row ranks included) and prints its table on rank 0. The registry
// (ports_analyses) feeds --analyses, its help and the output order: adding
// an analysis is one file in src/analyses and one line in ports_registry.cpp.
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/h5/h5.hpp"
#include "scanhpc/ports/events.hpp"
#include "scanhpc/ports/port_stats.hpp"
#include "scanhpc/ports/port_tuples.hpp"

namespace scanhpc::analyses {

// What `ports` asks, for every analysis.
struct PortsAnalysisOptions {
  size_t top_n = 10;                   // top: ports per protocol before (Other); daily: the boxes' ports
  std::vector<ports::PortPair> pairs;  // neighbours
  ports::Denominator denominator = ports::Denominator::sensors_seeing_port;  // daily means
  ports::BoxRule box_rule = ports::BoxRule::ggplot2;                         // daily boxes
  uint64_t round_bytes = uint64_t(64) << 20;
};

class PortsAnalysis {
 public:
  virtual ~PortsAnalysis() = default;
  // Local, before the exchange: this rank's events as read (global sensor ids), any split over ranks;
  // for what counts events or needs events without a port.
  virtual void accumulate_events(const ports::EventColumns&) {}
  // Local, after the exchange: this rank's distinct port tuples, every tuple of a source on this rank.
  virtual void accumulate(const ports::PortTuples& tuples) = 0;
  // Collective: partials summed at owners, never data-sized on one rank.
  virtual void merge(const dist::Comm& comm) = 0;
  // Collective: writes the analysis's groups under /ports; `sensors` are the global names.
  virtual void write(h5::File& out, const dist::Comm& comm, const std::vector<std::string>& sensors) = 0;
  // Rank 0: the result on stdout.
  virtual void print() const = 0;
};

struct PortsAnalysisInfo {
  std::string name;
  std::string description;  // for --help
  std::function<std::unique_ptr<PortsAnalysis>(const PortsAnalysisOptions&)> make;
};

// Every analysis of `ports`, in output order.
const std::vector<PortsAnalysisInfo>& ports_analyses();

// --analyses: a comma-separated list of names or "all", in registry order.
// Throws std::invalid_argument naming an unknown analysis or an empty choice.
std::vector<const PortsAnalysisInfo*> choose_ports_analyses(const std::string& list);

// A port of its protocol as one word: the key whose key_owner sums its counts.
inline uint32_t port_word(uint8_t proto, uint16_t port) { return uint32_t(proto) << 16 | port; }

// Collective: `local` summed at port owners; the top n per protocol from the
// owners' candidates, on every rank. top ranks events by it, daily the boxes'
// ports by deduplicated daily tuples (ports_top.cpp).
std::vector<ports::TopPortRow> global_top_ports(const dist::Comm& comm, const ports::PortCounts& local, size_t n,
                                                uint64_t round_bytes);

}  // namespace scanhpc::analyses
