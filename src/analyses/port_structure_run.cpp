// The `structure` analysis on MPI ranks (port_structure_run.hpp): hosts per
// port summed at key owners, whose top candidates every rank gathers (at most
// K each) to pick the same top K; the K x K counts summed by MPI_Allreduce
// (integers: exact in any order); Eigen on the sums, the same on every rank;
// port-set signatures summed at the owners of their hashes, the frequent ones
// (the profiles, few by construction) gathered by every rank.
#include "scanhpc/analyses/port_structure_run.hpp"

#include <cstring>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/core/codes.hpp"
#include "scanhpc/dist/record_exchange.hpp"
#include "scanhpc/dist/reduce_by_owner.hpp"
#include "scanhpc/kernels/key_owner.hpp"

namespace scanhpc::analyses {
namespace {

using structure::PortKey;

std::string proto_label(PortKey k) { return std::string(proto_name(Proto(structure::key_proto_of(k)))); }
std::string port_name(PortKey k) { return proto_label(k) + "/" + std::to_string(structure::key_port_of(k)); }

int signature_owner(const std::string& s, int ranks) { return key_owner(structure::signature_hash(s), ranks); }

// Wire record of a signature count: u32 length, u64 hosts, the bytes.
void put_signature(std::string& out, const std::string& sig, uint64_t hosts) {
  const uint32_t len = checked_cast<uint32_t>(sig.size());
  out.append(reinterpret_cast<const char*>(&len), 4);
  out.append(reinterpret_cast<const char*>(&hosts), 8);
  out += sig;
}
size_t signature_record_size(const char* p) {
  uint32_t len;
  std::memcpy(&len, p, 4);
  return 12 + size_t(len);
}
std::vector<std::pair<std::string, uint64_t>> read_signatures(const char* p, size_t n) {
  std::vector<std::pair<std::string, uint64_t>> out;
  for (size_t at = 0; at < n; at += signature_record_size(p + at)) {
    uint32_t len;
    uint64_t hosts;
    std::memcpy(&len, p + at, 4);
    std::memcpy(&hosts, p + at + 4, 8);
    out.push_back({std::string(p + at + 12, len), hosts});
  }
  return out;
}

// Rows [n r / P, n (r + 1) / P) of a table computed alike on every rank.
std::pair<size_t, size_t> my_rows(size_t n, const dist::Comm& comm) {
  const size_t r = size_t(comm.rank()), p = size_t(comm.size());
  return {n * r / p, n * (r + 1) / p};
}

}  // namespace

void PortStructureRun::merge(const dist::Comm& comm) {
  const int ranks = comm.size();
  hosts_total_ = comm.allreduce_sum(uint64_t(hosts_.hosts()));
  // Hosts per port, summed at owners; each owner's top K are candidates.
  std::vector<dist::KeyCount<uint32_t>> local;
  for (const auto& [key, hosts] : structure::hosts_per_port(hosts_)) {
    dist::KeyCount<uint32_t> e{};
    e.key = key;
    e.count = hosts;
    local.push_back(e);
  }
  const auto owned = dist::reduce_by_owner<uint32_t>(
      comm, std::move(local), [ranks](const uint32_t& k) { return key_owner(k, ranks); }, round_bytes_);
  std::vector<std::pair<PortKey, uint64_t>> mine;
  for (const auto& e : owned) mine.push_back({e.key, e.count});
  std::vector<dist::KeyCount<uint32_t>> candidates;
  for (PortKey k : structure::top_ports(mine, options_.top_ports)) {
    dist::KeyCount<uint32_t> e{};
    e.key = k;
    e.count = std::lower_bound(mine.begin(), mine.end(), std::pair<PortKey, uint64_t>{k, 0})->second;
    candidates.push_back(e);
  }
  std::vector<std::pair<PortKey, uint64_t>> all;
  for (const auto& e : dist::allgatherv(comm, candidates)) all.push_back({e.key, e.count});
  top_ = structure::top_ports(all, options_.top_ports);
  const size_t k = top_.size();

  // Pair counts: the same length everywhere, summed exactly.
  structure::TopSets sets = structure::top_sets(hosts_, top_);  // once, for the counts, signatures and profiles
  std::vector<uint32_t> ips = std::move(hosts_.ip);
  hosts_ = {};
  counts_ = structure::cooccurrence(sets, k, options_.max_host_ports, &left_out_);
  comm.allreduce_sum_inplace(counts_);
  left_out_ = comm.allreduce_sum(left_out_);
  structure_ = structure::port_structure(counts_, k, options_.max_clusters);

  // Profiles: port sets summed at their owners, the frequent ones gathered.
  auto sigs = structure::local_signatures(sets);
  uint64_t with_top = 0;
  for (const auto& s : sigs) with_top += s.second;
  hosts_with_top_ = comm.allreduce_sum(with_top);
  min_profile_hosts_ = structure::profile_min_hosts(hosts_with_top_, options_);
  std::vector<std::string> per_rank(static_cast<size_t>(ranks));
  for (const auto& [sig, hosts] : sigs) put_signature(per_rank[size_t(signature_owner(sig, ranks))], sig, hosts);
  sigs = {};
  const std::string got = dist::exchange_records(comm, per_rank, signature_record_size, round_bytes_);
  per_rank = {};
  const auto frequent = structure::choose_profiles(read_signatures(got.data(), got.size()), min_profile_hosts_);
  std::string bytes;
  for (size_t p = 0; p < frequent.size(); ++p) put_signature(bytes, frequent.signature[p], frequent.hosts[p]);
  const auto everyone = dist::allgatherv(comm, std::vector<char>(bytes.begin(), bytes.end()));
  profiles_ = structure::choose_profiles(read_signatures(everyone.data(), everyone.size()), min_profile_hosts_);

  assigned_ = structure::assign_profiles(ips, sets, k, profiles_);
  assigned_per_profile_.assign(profiles_.size(), 0);
  unassigned_ = 0;
  for (int32_t p : assigned_.profile) {
    if (p >= 0) ++assigned_per_profile_[size_t(p)];
    else ++unassigned_;
  }
  comm.allreduce_sum_inplace(assigned_per_profile_);
  unassigned_ = comm.allreduce_sum(unassigned_);
}

void PortStructureRun::write(h5::File& out, const dist::Comm& comm) {
  const size_t k = top_.size();
  out.create_group("/structure");
  out.write_attr("/structure", "top_ports", uint64_t(options_.top_ports));
  out.write_attr("/structure", "ports", uint64_t(k));
  out.write_attr("/structure", "hosts", hosts_total_);
  out.write_attr("/structure", "max_host_ports", uint64_t(options_.max_host_ports));
  out.write_attr("/structure", "hosts_left_out", left_out_);
  out.write_attr("/structure", "clusters", uint64_t(structure_.clusters));
  out.write_attr("/structure", "embedding_dims", uint64_t(structure_.dims));
  out.write_attr("/structure", "profiles", uint64_t(profiles_.size()));
  out.write_attr("/structure", "min_profile_hosts", min_profile_hosts_);
  out.write_attr("/structure", "min_profile_share", options_.min_profile_share);
  out.write_attr("/structure", "hosts_without_profile", unassigned_);
  {
    // The ports: every rank holds them all; each writes its slice.
    const auto [r0, r1] = my_rows(k, comm);
    std::vector<uint16_t> port;
    std::vector<std::string> proto;
    std::vector<uint64_t> hosts;
    std::vector<uint32_t> cluster, rank;
    for (size_t i = r0; i < r1; ++i) {
      port.push_back(structure::key_port_of(top_[i]));
      proto.push_back(proto_label(top_[i]));
      hosts.push_back(counts_[structure::pair_index(i, i, k)]);
      cluster.push_back(structure_.cluster[i]);
      rank.push_back(uint32_t(i));
    }
    out.write_table("/structure/port_clusters", {{"rank", std::move(rank)}, {"port", std::move(port)},
                                                 {"proto", std::move(proto)}, {"hosts", std::move(hosts)},
                                                 {"cluster", std::move(cluster)}});
  }
  {
    const size_t d = structure_.dims;
    const auto [r0, r1] = my_rows(k, comm);
    std::vector<uint16_t> port;
    std::vector<std::string> proto;
    std::vector<uint32_t> dim;
    std::vector<double> value;
    for (size_t i = r0; i < r1; ++i)
      for (size_t j = 0; j < d; ++j) {
        port.push_back(structure::key_port_of(top_[i]));
        proto.push_back(proto_label(top_[i]));
        dim.push_back(uint32_t(j));
        value.push_back(structure_.embedding[i * d + j]);
      }
    out.write_table("/structure/port_embedding", {{"port", std::move(port)}, {"proto", std::move(proto)},
                                                  {"dim", std::move(dim)}, {"value", std::move(value)}});
    const auto [e0, e1] = my_rows(structure_.eigenvalues.size(), comm);
    std::vector<uint32_t> index;
    std::vector<double> eigenvalue;
    for (size_t i = e0; i < e1; ++i) {
      index.push_back(uint32_t(i));
      eigenvalue.push_back(structure_.eigenvalues[i]);
    }
    out.write_table("/structure/spectrum", {{"index", std::move(index)}, {"eigenvalue", std::move(eigenvalue)}});
  }
  {
    // Ordered pairs (a, b), a != b, with a host in common; rows of a split over ranks.
    const auto [r0, r1] = my_rows(k, comm);
    std::vector<uint16_t> a_port, b_port;
    std::vector<std::string> a_proto, b_proto;
    std::vector<uint64_t> both;
    std::vector<double> p_a_given_b;
    for (size_t a = r0; a < r1; ++a)
      for (size_t b = 0; b < k; ++b) {
        if (a == b) continue;
        const uint64_t n = counts_[structure::pair_index(std::min(a, b), std::max(a, b), k)];
        if (n == 0) continue;
        a_port.push_back(structure::key_port_of(top_[a]));
        a_proto.push_back(proto_label(top_[a]));
        b_port.push_back(structure::key_port_of(top_[b]));
        b_proto.push_back(proto_label(top_[b]));
        both.push_back(n);
        p_a_given_b.push_back(double(n) / double(counts_[structure::pair_index(b, b, k)]));
      }
    out.write_table("/structure/port_pairs",
                    {{"a_port", std::move(a_port)}, {"a_proto", std::move(a_proto)}, {"b_port", std::move(b_port)},
                     {"b_proto", std::move(b_proto)}, {"hosts_both", std::move(both)},
                     {"p_a_given_b", std::move(p_a_given_b)}});
  }
  {
    const auto [r0, r1] = my_rows(profiles_.size(), comm);
    std::vector<uint32_t> profile;
    std::vector<std::string> ports, clusters;
    std::vector<uint64_t> exact, assigned;
    for (size_t p = r0; p < r1; ++p) {
      std::string names, cl;
      for (uint16_t i : structure::signature_ports(profiles_.signature[p])) {
        names += (names.empty() ? "" : " ") + port_name(top_[i]);
        cl += (cl.empty() ? "" : " ") + std::to_string(structure_.cluster[i]);
      }
      profile.push_back(uint32_t(p));
      ports.push_back(names);
      clusters.push_back(cl);
      exact.push_back(profiles_.hosts[p]);
      assigned.push_back(assigned_per_profile_[p]);
    }
    out.write_table("/structure/profiles", {{"profile", std::move(profile)}, {"ports", std::move(ports)},
                                            {"port_clusters", std::move(clusters)}, {"hosts_exact", std::move(exact)},
                                            {"hosts", std::move(assigned)}});
  }
  out.write_table("/structure/host_profiles", {{"ip", std::move(assigned_.ip)},
                                               {"profile", std::move(assigned_.profile)},
                                               {"similarity", std::move(assigned_.similarity)}});
}

std::string PortStructureRun::summary() const {
  return "structure: " + std::to_string(top_.size()) + " ports in " + std::to_string(structure_.clusters) +
         " clusters, " + std::to_string(profiles_.size()) + " host profiles";
}

}  // namespace scanhpc::analyses
