#pragma once
// Port structure (issue 14, seed 000/002): which ports are open together, as
// exact co-occurrence counts of the top K ports, conditional probabilities
// P(a | b), a spectral embedding and clusters of the ports (Eigen), and host
// profiles found without naming them. MPI-free: the MPI layer sums the
// integer parts across ranks (every host lives on one rank) and calls the
// rest with the sums, so every output is the same at any rank count.
#include <cstdint>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "scanhpc/kernels/services.hpp"

namespace scanhpc::structure {

// A port as a category: the protocol in bits 16-23, the port below.
using PortKey = uint32_t;
inline PortKey port_key(uint8_t proto, uint16_t port) { return PortKey(proto) << 16 | port; }
inline uint16_t key_port_of(PortKey k) { return uint16_t(k); }
inline uint8_t key_proto_of(PortKey k) { return uint8_t(k >> 16); }

// Hosts and their distinct open ports, CSR: host h has port[begin[h] .. begin[h + 1]),
// ascending. Hosts ascending by ip.
struct HostPortSets {
  std::vector<uint32_t> ip;
  std::vector<uint64_t> begin{0};
  std::vector<PortKey> port;
  size_t hosts() const { return ip.size(); }
  std::span<const PortKey> ports_of(size_t h) const {
    return {port.data() + begin[h], size_t(begin[h + 1] - begin[h])};
  }
  void add_host(uint32_t host_ip, std::span<const PortKey> ports);  // ports ascending, distinct
};

// The open services (sorted by (ip, port, proto), repeats allowed) as host port sets.
HostPortSets host_port_sets(const std::vector<ServiceEntry>& sorted);

// (port, hosts with it open), sorted by port: local partials sum to the global counts.
std::vector<std::pair<PortKey, uint64_t>> hosts_per_port(const HostPortSets& hosts);

// The K most common ports: by hosts descending, then port key ascending.
std::vector<PortKey> top_ports(const std::vector<std::pair<PortKey, uint64_t>>& counts, size_t k);

struct StructureOptions {
  uint32_t top_ports = 256;           // K (the eigensolver is cubic in it)
  uint32_t max_host_ports = 64;       // hosts with more of the top ports: counted apart, not paired
  uint32_t max_clusters = 32;         // port clusters at most (the eigengap chooses below it)
  double min_profile_share = 0.005;   // a port set is a profile when this share of hosts have it
  uint64_t min_profile_hosts = 3;     // ... and at least this many
};

// Each host's top ports as indices into the top list, ascending (CSR, the
// hosts' order): computed once, read by the counts, signatures and profiles.
struct TopSets {
  std::vector<uint64_t> begin{0};
  std::vector<uint16_t> index;
  size_t hosts() const { return begin.size() - 1; }
  std::span<const uint16_t> of(size_t h) const { return {index.data() + begin[h], size_t(begin[h + 1] - begin[h])}; }
};
// Throws std::invalid_argument when there are more than 65536 top ports.
TopSets top_sets(const HostPortSets& hosts, const std::vector<PortKey>& top);

// Index of (i, j), i <= j < k, in the upper triangle stored row by row.
inline size_t pair_index(size_t i, size_t j, size_t k) { return i * k - i * (i - 1) / 2 + (j - i); }

// Hosts with both top[i] and top[j] open, for i <= j (the diagonal: hosts
// with top[i]), K(K+1)/2 counts; hosts with more than max_host_ports of the
// top ports are left out (counted in *left_out). Sums over host partitions.
std::vector<uint64_t> cooccurrence(const HostPortSets& hosts, const std::vector<PortKey>& top,
                                   uint32_t max_host_ports, uint64_t* left_out = nullptr);
std::vector<uint64_t> cooccurrence(const TopSets& sets, size_t k, uint32_t max_host_ports, uint64_t* left_out = nullptr);

// What Eigen makes of the counts. Ports are the top ports, in their order.
struct PortStructure {
  size_t ports = 0;                 // K
  std::vector<double> eigenvalues;  // of the normalised Laplacian, ascending (all K)
  size_t dims = 0;                  // embedding dimensions = clusters
  std::vector<double> embedding;    // K x dims, row-major: row-normalised eigenvectors
  std::vector<uint32_t> cluster;    // per port; numbered by their most common port
  size_t clusters = 0;
};
// Affinity w(a, b) = n(a, b) / sqrt(n(a) n(b)) (cosine of the ports' host
// sets), L = I - D^-1/2 W D^-1/2; the number of clusters k is where the
// gap between consecutive eigenvalues is widest among the first
// max_clusters + 1; the embedding is the first k eigenvectors with rows
// normalised (Ng, Jordan and Weiss), each vector's sign fixed by its
// largest entry; clusters by k-means from farthest-point seeds. Ports that
// no host shares with another are clusters of their own.
PortStructure port_structure(const std::vector<uint64_t>& upper, size_t k, uint32_t max_clusters);

// P(a | b) = n(a, b) / n(b) over the counted hosts (0 when n(b) = 0), K x K row-major: [a * K + b].
std::vector<double> conditional_probabilities(const std::vector<uint64_t>& upper, size_t k);

// ---------------------------------------------------------------- profiles --

// A host's top ports as indices into `top`, ascending, encoded as bytes
// (2 per index, little-endian): one string per distinct set, with its hosts.
using Signature = std::string;
Signature signature_of(std::span<const PortKey> ports, const std::vector<PortKey>& top);
std::vector<uint16_t> signature_ports(const Signature& s);  // the indices back
// FNV-1a of a signature's bytes (the same for its indices): equal sets hash alike on every rank.
uint64_t signature_hash(const Signature& s);
// Distinct signatures of `hosts` (hosts without a top port are left out) and
// how many hosts have each, sorted by signature.
std::vector<std::pair<Signature, uint64_t>> local_signatures(const HostPortSets& hosts, const std::vector<PortKey>& top);
// The same from the hosts' top sets: hosts grouped by a hash of their set
// (sets compared where hashes meet), one string per distinct set.
std::vector<std::pair<Signature, uint64_t>> local_signatures(const TopSets& sets);

// Profiles: the port sets that at least `min_hosts` hosts have exactly,
// ordered by hosts descending, then signature ascending (profile i is entry i).
struct Profiles {
  std::vector<Signature> signature;
  std::vector<uint64_t> hosts;  // hosts with exactly this set
  size_t size() const { return signature.size(); }
};
Profiles choose_profiles(std::vector<std::pair<Signature, uint64_t>> global_counts, uint64_t min_hosts);
uint64_t profile_min_hosts(uint64_t hosts, const StructureOptions& options);

// Each host's profile: its own set's when that is a profile, otherwise the
// profile with the highest Jaccard similarity to its set (ties: more hosts,
// then the lower profile), -1 when it shares no port with any profile.
struct HostProfiles {
  std::vector<uint32_t> ip;
  std::vector<int32_t> profile;
  std::vector<double> similarity;  // Jaccard of the host's set and the profile's (1: exact)
};
HostProfiles assign_profiles(const HostPortSets& hosts, const std::vector<PortKey>& top, const Profiles& profiles);
HostProfiles assign_profiles(const std::vector<uint32_t>& ip, const TopSets& sets, size_t k, const Profiles& profiles);

// Adjusted Rand index of two labelings of the same items (Hubert and Arabie).
double adjusted_rand_index(const std::vector<int64_t>& a, const std::vector<int64_t>& b);

}  // namespace scanhpc::structure
