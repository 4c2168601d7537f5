// hosts (seed 001): one row per host, written by the rank owning it, in
// global ip order (ranks own contiguous ranges). Kernel: kernels/hosts.
#include "scanhpc/analyses/scan_analysis.hpp"
#include "scanhpc/commands/scan_output.hpp"
#include "scanhpc/kernels/hosts.hpp"

namespace scanhpc::analyses {
namespace {

class Hosts final : public ScanAnalysis {
 public:
  void accumulate(const std::vector<ServiceEntry>& sorted) override { part_ = local_hosts(sorted); }
  void merge(const dist::Comm& comm) override {
    hosts_ = comm.allreduce_sum(part_.table.size());
    per_host_ = commands::merge_countmap(comm, part_.ports_per_host);
  }
  void write(h5::File& out, const dist::Comm& comm) override {
    auto& t = part_.table;
    out.create_group("/hosts");
    out.write_attr("/hosts", "hosts", hosts_);
    // The columns move into the writer: the table is never copied.
    out.write_table("/hosts/table", {{"ip", std::move(t.ip)}, {"records", std::move(t.records)},
                                     {"ports", std::move(t.ports)}, {"ttl_min", std::move(t.ttl_min)},
                                     {"ttl_max", std::move(t.ttl_max)}, {"reasons", std::move(t.reasons)},
                                     {"first_seen", std::move(t.first_seen)}, {"last_seen", std::move(t.last_seen)},
                                     {"known", std::move(t.known)}});
    commands::write_countmap(out, comm, "/hosts/ports_per_host", per_host_, "ports", "hosts");
  }
  std::string summary(const dist::Comm&) const override { return "hosts: " + std::to_string(hosts_); }

 private:
  HostsPartial part_;
  CountMap per_host_;
  uint64_t hosts_ = 0;
};

}  // namespace

std::unique_ptr<ScanAnalysis> make_hosts() { return std::make_unique<Hosts>(); }

}  // namespace scanhpc::analyses
