// Port structure kernels: co-occurrence against a brute-force count, at
// simulated rank and thread counts; spectral clusters of planted port groups;
// host profiles of planted hosts (ARI); the ARI itself on known values.
#include <catch2/catch.hpp>
#include <omp.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/kernels/port_structure.hpp"

using namespace scanhpc;
using namespace scanhpc::structure;

namespace {

constexpr uint8_t TCP = uint8_t(Proto::tcp), UDP = uint8_t(Proto::udp);  // scanhpc's protocol codes

// Hosts from planted profiles (port sets), each host missing one port with
// probability `miss`; returns the sets and each host's planted profile.
HostPortSets planted(const std::vector<std::vector<PortKey>>& profiles, const std::vector<uint32_t>& weights,
                     size_t hosts, double miss, uint32_t seed, std::vector<int64_t>& truth) {
  std::mt19937 rng(seed);
  std::discrete_distribution<size_t> pick(weights.begin(), weights.end());
  std::uniform_real_distribution<double> u(0, 1);
  HostPortSets out;
  truth.clear();
  for (size_t h = 0; h < hosts; ++h) {
    const size_t p = pick(rng);
    std::vector<PortKey> ports = profiles[p];
    if (ports.size() > 1 && u(rng) < miss) ports.erase(ports.begin() + std::ptrdiff_t(rng() % ports.size()));
    std::sort(ports.begin(), ports.end());
    out.add_host(uint32_t(0x0A000000u + h * 7), ports);
    truth.push_back(int64_t(p));
  }
  return out;
}

// The testnet's planted profiles (data/masscan-testnet/planted-services.json).
const std::vector<std::vector<PortKey>> kTestnet = {
    {port_key(TCP, 22)},
    {port_key(TCP, 80), port_key(TCP, 443)},
    {port_key(TCP, 80), port_key(TCP, 60443)},
    {port_key(TCP, 135), port_key(TCP, 445), port_key(TCP, 3389)},
    {port_key(TCP, 22), port_key(TCP, 80), port_key(TCP, 443)},
    {port_key(TCP, 22), port_key(TCP, 3306)},
    {port_key(TCP, 23), port_key(TCP, 8080)},
    {port_key(TCP, 25), port_key(TCP, 110), port_key(TCP, 143), port_key(TCP, 587)},
    {port_key(TCP, 5601), port_key(TCP, 9200)},
};
const std::vector<uint32_t> kTestnetWeights = {279, 206, 108, 86, 82, 55, 43, 41, 30};

HostPortSets slice(const HostPortSets& all, size_t first, size_t last) {
  HostPortSets out;
  for (size_t h = first; h < last; ++h) out.add_host(all.ip[h], all.ports_of(h));
  return out;
}

}  // namespace

TEST_CASE("structure: host port sets from sorted services, repeats and protocols", "[structure]") {
  std::vector<ServiceEntry> s = {
      {service_key(1, 80, TCP)}, {service_key(1, 80, TCP)}, {service_key(1, 53, UDP)}, {service_key(1, 443, TCP)},
      {service_key(9, 22, TCP)},
  };
  std::sort(s.begin(), s.end(), [](const ServiceEntry& a, const ServiceEntry& b) { return a.key < b.key; });
  const auto h = host_port_sets(s);
  REQUIRE(h.hosts() == 2);
  CHECK(h.ip == std::vector<uint32_t>{1, 9});
  const auto p0 = h.ports_of(0);
  CHECK(std::vector<PortKey>(p0.begin(), p0.end()) ==
        std::vector<PortKey>{port_key(TCP, 80), port_key(TCP, 443), port_key(UDP, 53)});
  const auto counts = hosts_per_port(h);
  CHECK(counts.size() == 4);
  CHECK(top_ports(counts, 2) == std::vector<PortKey>{port_key(TCP, 22), port_key(TCP, 80)});  // ties: lower key
}

TEST_CASE("structure: co-occurrence equals a brute-force count at any split and thread count", "[structure]") {
  std::mt19937 rng(7);
  HostPortSets hosts;
  const std::vector<uint16_t> pool = {22, 80, 443, 8080, 3389, 445, 135, 23, 25, 3306, 5900, 1};
  for (uint32_t h = 0; h < 3000; ++h) {
    std::set<PortKey> ports;
    const size_t n = 1 + rng() % (h % 50 == 0 ? 12 : 4);  // a few hosts with many ports
    while (ports.size() < n) ports.insert(port_key(TCP, pool[rng() % pool.size()]));
    if (rng() % 10 == 0) ports.insert(port_key(UDP, 53));
    hosts.add_host(h * 3, std::vector<PortKey>(ports.begin(), ports.end()));
  }
  const auto top = top_ports(hosts_per_port(hosts), 8);
  REQUIRE(top.size() == 8);
  const uint32_t max_ports = 6;
  // Oracle: every pair of every host, by hand.
  std::map<std::pair<size_t, size_t>, uint64_t> want;
  uint64_t want_left_out = 0;
  for (size_t h = 0; h < hosts.hosts(); ++h) {
    std::vector<size_t> idx;
    for (PortKey p : hosts.ports_of(h))
      for (size_t i = 0; i < top.size(); ++i)
        if (top[i] == p) idx.push_back(i);
    if (idx.size() > max_ports) {
      ++want_left_out;
      continue;
    }
    for (size_t a : idx)
      for (size_t b : idx)
        if (a <= b) ++want[{a, b}];
  }
  const size_t k = top.size();
  for (int threads : {1, 2, 3}) {
    omp_set_num_threads(threads);
    uint64_t left_out = 0;
    const auto got = cooccurrence(hosts, top, max_ports, &left_out);
    CHECK(left_out == want_left_out);
    for (size_t a = 0; a < k; ++a)
      for (size_t b = a; b < k; ++b) CHECK(got[pair_index(a, b, k)] == want[{a, b}]);
  }
  omp_set_num_threads(2);
  const auto whole = cooccurrence(hosts, top, max_ports);
  for (size_t ranks : {2u, 3u, 7u}) {  // simulated ranks: partials of disjoint hosts sum to the whole
    std::vector<uint64_t> sum(whole.size(), 0);
    for (size_t r = 0; r < ranks; ++r) {
      const auto part = cooccurrence(slice(hosts, hosts.hosts() * r / ranks, hosts.hosts() * (r + 1) / ranks), top, max_ports);
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += part[i];
    }
    CHECK(sum == whole);
  }
  // P(a | b) = n(a, b) / n(b), by hand for one pair.
  const auto p = conditional_probabilities(whole, k);
  CHECK(p[1 * k + 0] == Approx(double(want[{0, 1}]) / double(want[{0, 0}])));
  CHECK(p[0 * k + 0] == 1.0);
}

TEST_CASE("structure: spectral clusters recover planted port groups, isolated ports apart", "[structure]") {
  // Three groups of ports open together, a weak bridge between two of them,
  // and a port no host shares with another.
  const std::vector<std::vector<PortKey>> groups = {
      {port_key(TCP, 135), port_key(TCP, 445), port_key(TCP, 3389)},
      {port_key(TCP, 80), port_key(TCP, 443), port_key(TCP, 8443)},
      {port_key(TCP, 25), port_key(TCP, 110), port_key(TCP, 143), port_key(TCP, 587)},
  };
  HostPortSets hosts;
  std::mt19937 rng(3);
  uint32_t ip = 1;
  for (int rep = 0; rep < 400; ++rep)
    for (const auto& g : groups) {
      std::vector<PortKey> ports;
      for (PortKey p : g)
        if (rng() % 5 != 0) ports.push_back(p);  // most of the group's ports
      if (ports.size() < 2) ports = g;
      if (rep % 50 == 0 && &g == &groups[0]) ports.push_back(port_key(TCP, 80));  // the bridge
      std::sort(ports.begin(), ports.end());
      hosts.add_host(ip++, ports);
    }
  for (int i = 0; i < 30; ++i) hosts.add_host(ip++, std::vector<PortKey>{port_key(TCP, 5900)});
  const auto top = top_ports(hosts_per_port(hosts), 100);
  const auto counts = cooccurrence(hosts, top, 64);
  const auto s = port_structure(counts, top.size(), 16);
  REQUIRE(s.cluster.size() == top.size());
  CHECK(s.clusters == 4);
  CHECK(s.dims == 3);
  std::map<PortKey, uint32_t> cluster_of;
  for (size_t i = 0; i < top.size(); ++i) cluster_of[top[i]] = s.cluster[i];
  for (const auto& g : groups)
    for (PortKey p : g) CHECK(cluster_of[p] == cluster_of[g[0]]);
  CHECK(cluster_of[groups[0][0]] != cluster_of[groups[1][0]]);
  CHECK(cluster_of[groups[1][0]] != cluster_of[groups[2][0]]);
  std::set<uint32_t> others;
  for (const auto& g : groups) others.insert(cluster_of[g[0]]);
  CHECK_FALSE(others.count(cluster_of[port_key(TCP, 5900)]));
  CHECK(s.cluster[0] == 0);  // numbered from the most common port
  // Eigenvalues of a normalised Laplacian: ascending, in [0, 2], the first 0.
  CHECK(std::is_sorted(s.eigenvalues.begin(), s.eigenvalues.end()));
  CHECK(s.eigenvalues.front() == Approx(0).margin(1e-9));
  CHECK(s.eigenvalues.back() <= 2 + 1e-9);
  // The same counts give the same bits (the MPI layer relies on it).
  const auto again = port_structure(counts, top.size(), 16);
  CHECK(again.embedding == s.embedding);
  CHECK(again.cluster == s.cluster);
}

TEST_CASE("structure: host profiles recover planted profiles (ARI), at simulated rank counts", "[structure]") {
  std::vector<int64_t> truth;
  const auto hosts = planted(kTestnet, kTestnetWeights, 5000, 0.05, 11, truth);
  const auto top = top_ports(hosts_per_port(hosts), 1000);
  StructureOptions o;
  const uint64_t min_hosts = profile_min_hosts(hosts.hosts(), o);
  CHECK(min_hosts == 25);  // 0.5% of 5,000
  const auto profiles = choose_profiles(local_signatures(hosts, top), min_hosts);
  // Every planted set is a profile (a frequent partial set, such as "web" without 443, may be one too).
  for (const auto& planted_set : kTestnet) {
    const auto sig = signature_of(planted_set, top);
    CHECK(std::find(profiles.signature.begin(), profiles.signature.end(), sig) != profiles.signature.end());
  }
  CHECK(profiles.size() <= kTestnet.size() + 4);
  CHECK(std::is_sorted(profiles.hosts.rbegin(), profiles.hosts.rend()));
  const auto assigned = assign_profiles(hosts, top, profiles);
  std::vector<int64_t> got(assigned.profile.begin(), assigned.profile.end());
  const double ari = adjusted_rand_index(truth, got);
  CHECK(ari >= 0.9);
  size_t exact = 0;
  for (size_t h = 0; h < hosts.hosts(); ++h) {
    REQUIRE(assigned.profile[h] >= 0);  // every host shares a port with some profile here
    const bool same = signature_of(hosts.ports_of(h), top) == profiles.signature[size_t(assigned.profile[h])];
    CHECK(same == (assigned.similarity[h] == 1.0));  // similarity 1 exactly when the sets are equal
    exact += same;
  }
  CHECK(exact >= hosts.hosts() * 9 / 10);
  // Partials of disjoint hosts (simulated ranks) give the same profiles.
  for (size_t ranks : {2u, 3u, 4u}) {
    std::vector<std::pair<Signature, uint64_t>> all;
    for (size_t r = 0; r < ranks; ++r) {
      auto part = local_signatures(slice(hosts, hosts.hosts() * r / ranks, hosts.hosts() * (r + 1) / ranks), top);
      all.insert(all.end(), part.begin(), part.end());
    }
    const auto p = choose_profiles(all, min_hosts);
    CHECK(p.signature == profiles.signature);
    CHECK(p.hosts == profiles.hosts);
  }
  // A host sharing no port with any profile has none.
  HostPortSets stray;
  stray.add_host(1, std::vector<PortKey>{port_key(UDP, 161)});
  CHECK(assign_profiles(stray, top, profiles).profile[0] == -1);
}

TEST_CASE("structure: adjusted Rand index on known values", "[structure]") {
  CHECK(adjusted_rand_index({0, 0, 1, 1}, {5, 5, 7, 7}) == 1.0);  // the same partition, other names
  // scikit-learn's documented example: 0.24242424...
  CHECK(adjusted_rand_index({0, 0, 0, 1, 1, 1}, {0, 0, 1, 1, 2, 2}) == Approx(0.242424242424));
  CHECK(adjusted_rand_index({0, 0, 1, 1}, {0, 1, 0, 1}) == Approx(-0.5));
}
