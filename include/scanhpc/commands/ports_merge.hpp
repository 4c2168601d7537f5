#pragma once
// `scanhpc ports` across ranks: the kernels of ports/port_stats on each
// rank's events (every event of a source on one rank), then sums at owners,
// never on one rank:
//  - counts per port at the port's owner; each owner's top n per protocol
//    (the only ports that can be in the global top n) reach every rank;
//  - (day, sensor, port) counts at the owners of ranges of their key (regular
//    sampling), which write /ports/daily in rank order = key order; then at
//    owners of ranges of (day, proto, port), with the active sensors of their
//    days, which derive and write /ports/daily_mean: one day of data still
//    spreads over every rank;
//  - the daily means at the owner of their port for the per-port averages
//    (summed in day order, so bit-identical at any rank count);
//  - box plots from the means of the top ports only, on rank 0;
//  - neighbour-port rows summed at key owners, then on rank 0 (output-sized).
#include <cstdint>
#include <map>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/ports/events.hpp"
#include "scanhpc/ports/port_stats.hpp"

namespace scanhpc::commands {

struct PortAverage {
  uint8_t proto = 0;
  uint16_t port = 0;
  double mean = 0;  // average over days of the daily mean
};

struct PortsResults {
  std::map<uint8_t, uint64_t> no_port;      // every rank
  std::vector<ports::TopPortRow> top;       // every rank
  std::vector<ports::DailyCount> daily;     // this rank's range of keys
  std::vector<ports::DailyMean> means;      // this rank's range of (day, proto, port)
  std::vector<ports::PortBox> boxes;        // rank 0
  std::vector<ports::NeighbourRow> pairs;   // rank 0
  std::vector<PortAverage> busiest;         // rank 0: the 10 highest averages
};

struct PortsMergeOptions {
  size_t top = 10;
  std::vector<ports::PortPair> pairs;
  ports::Denominator denominator = ports::Denominator::sensors_seeing_port;
  ports::BoxRule box_rule = ports::BoxRule::ggplot2;
  uint64_t round_bytes = 64 << 20;
};

// Collective. `events` hold global sensor ids and are partitioned by source.
PortsResults merge_port_analyses(const dist::Comm& comm, const ports::EventColumns& events,
                                 const PortsMergeOptions& options);

}  // namespace scanhpc::commands
