// structure for gps model (issue 14): the seed's hosts and their open ports
// (GPS counts TCP only), the same tables as scan's (analyses/structure.cpp),
// so that the profiles can be set beside the rules GPS finds.
#include "scanhpc/analyses/gps_analysis.hpp"
#include "scanhpc/analyses/port_structure_run.hpp"
#include "scanhpc/core/codes.hpp"

namespace scanhpc::analyses {
namespace {

class GpsStructure final : public GpsAnalysis {
 public:
  explicit GpsStructure(uint64_t round_bytes) : run_({}, round_bytes) {}
  void accumulate(const gps::SeedHosts& seed, gps::FeatureDictionary&, const gps::FeatureTextSource&) override {
    structure::HostPortSets hosts;
    std::vector<structure::PortKey> ports;
    for (size_t h = 0; h < seed.hosts(); ++h) {
      ports.clear();
      for (uint64_t s = seed.host_begin[h]; s < seed.host_begin[h + 1]; ++s)
        ports.push_back(structure::port_key(uint8_t(Proto::tcp), seed.port[s]));  // ascending, as the seed's
      hosts.add_host(seed.ip[h], ports);
    }
    run_.set_hosts(std::move(hosts));
  }
  void merge(const dist::Comm& comm, const StageMark& stage) override {
    run_.merge(comm);
    stage("structure");
  }
  void write(h5::File& out, const dist::Comm& comm) override { run_.write(out, comm); }
  std::string summary(const dist::Comm&) const override { return run_.summary(); }

 private:
  PortStructureRun run_;
};

}  // namespace

std::unique_ptr<GpsAnalysis> make_gps_structure(const GpsSettings&, uint64_t round_bytes) {
  return std::make_unique<GpsStructure>(round_bytes);
}

}  // namespace scanhpc::analyses
