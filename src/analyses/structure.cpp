// structure (issue 14): which ports are open together, their clusters and the
// hosts' profiles (kernels/port_structure, analyses/port_structure_run).
#include "scanhpc/analyses/port_structure_run.hpp"
#include "scanhpc/analyses/scan_analysis.hpp"

namespace scanhpc::analyses {
namespace {

class Structure final : public ScanAnalysis {
 public:
  void accumulate(const std::vector<ServiceEntry>& sorted) override { run_.set_hosts(structure::host_port_sets(sorted)); }
  void merge(const dist::Comm& comm) override { run_.merge(comm); }
  void write(h5::File& out, const dist::Comm& comm) override { run_.write(out, comm); }
  std::string summary(const dist::Comm&) const override { return run_.summary(); }

 private:
  PortStructureRun run_;
};

}  // namespace

std::unique_ptr<ScanAnalysis> make_structure() { return std::make_unique<Structure>(); }

}  // namespace scanhpc::analyses
