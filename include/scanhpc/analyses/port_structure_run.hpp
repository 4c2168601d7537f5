#pragma once
// The `structure` analysis of scan and gps model (issue 14): the kernels of
// kernels/port_structure over this rank's hosts, their integer parts summed
// across ranks, and the /structure group. Every rank ends with the same top
// ports, counts, embedding, clusters and profiles, so the tables do not
// depend on the rank count; each rank writes its own hosts' profiles.
#include <cstdint>
#include <string>
#include <vector>

#include "scanhpc/dist/mpi.hpp"
#include "scanhpc/h5/h5.hpp"
#include "scanhpc/kernels/port_structure.hpp"

namespace scanhpc::analyses {

class PortStructureRun {
 public:
  explicit PortStructureRun(structure::StructureOptions options = {}, uint64_t round_bytes = uint64_t(64) << 20)
      : options_(options), round_bytes_(round_bytes) {}
  // Local: this rank's hosts (every host of the run lives on one rank).
  void set_hosts(structure::HostPortSets hosts) { hosts_ = std::move(hosts); }
  // Collective.
  void merge(const dist::Comm& comm);
  // Collective: the /structure group.
  void write(h5::File& out, const dist::Comm& comm);
  std::string summary() const;

 private:
  structure::StructureOptions options_;
  uint64_t round_bytes_;
  structure::HostPortSets hosts_;
  std::vector<structure::PortKey> top_;
  std::vector<uint64_t> counts_;  // upper triangle, summed over ranks
  uint64_t hosts_total_ = 0, hosts_with_top_ = 0, left_out_ = 0, min_profile_hosts_ = 0;
  structure::PortStructure structure_;
  structure::Profiles profiles_;
  structure::HostProfiles assigned_;
  std::vector<uint64_t> assigned_per_profile_;  // summed over ranks
  uint64_t unassigned_ = 0;
};

}  // namespace scanhpc::analyses
