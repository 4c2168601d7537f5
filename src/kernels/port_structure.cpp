// Port structure: co-occurrence counts, P(a | b), Eigen's spectral embedding
// and clusters of the ports, and host profiles (port_structure.hpp).
// Eigen runs single-threaded here: its parallel products would sum in an
// order that depends on the thread count, and the outputs must not.
#define EIGEN_DONT_PARALLELIZE
#include "scanhpc/kernels/port_structure.hpp"

#include <omp.h>

#include <Eigen/Dense>
#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <unordered_map>


namespace scanhpc::structure {
namespace {

// Top port key -> its index: a table of 65536 entries for each protocol
// among the top ports (a few), so a lookup is one load.
class TopIndex {
 public:
  explicit TopIndex(const std::vector<PortKey>& top) : by_proto_(256) {
    if (top.size() > 65536) throw std::invalid_argument("structure: at most 65536 top ports");
    for (size_t i = 0; i < top.size(); ++i) {
      auto& t = by_proto_[key_proto_of(top[i])];
      if (t.empty()) t.assign(65536, -1);
      t[key_port_of(top[i])] = int32_t(i);
    }
  }
  int64_t find(PortKey key) const {
    const auto& t = by_proto_[key_proto_of(key)];
    return t.empty() ? -1 : t[key_port_of(key)];
  }
  // The indices of `ports` that are top ports, ascending.
  void indices(std::span<const PortKey> ports, std::vector<uint32_t>& out) const {
    out.clear();
    for (PortKey p : ports)
      if (int64_t i = find(p); i >= 0) out.push_back(uint32_t(i));
    std::sort(out.begin(), out.end());
  }

 private:
  std::vector<std::vector<int32_t>> by_proto_;
};

// FNV-1a over a set's indices: which hosts may share a set.
uint64_t set_hash(std::span<const uint16_t> set) {
  uint64_t h = 0xcbf29ce484222325ull;
  for (uint16_t i : set) h = (((h ^ (i & 0xFF)) * 0x100000001b3ull) ^ (i >> 8)) * 0x100000001b3ull;
  return h;
}

Signature encode(std::span<const uint16_t> set) {
  Signature s;
  s.reserve(2 * set.size());
  for (uint16_t i : set) {
    s.push_back(char(i & 0xFF));
    s.push_back(char(i >> 8));
  }
  return s;
}

}  // namespace

void HostPortSets::add_host(uint32_t host_ip, std::span<const PortKey> ports) {
  ip.push_back(host_ip);
  port.insert(port.end(), ports.begin(), ports.end());
  begin.push_back(port.size());
}

HostPortSets host_port_sets(const std::vector<ServiceEntry>& sorted) {
  HostPortSets out;
  out.port.reserve(sorted.size());  // bounds, not sizes: pages never touched cost nothing
  out.ip.reserve(sorted.size());
  out.begin.reserve(sorted.size() + 1);
  std::vector<PortKey> ports;
  for (size_t i = 0; i < sorted.size();) {
    const uint32_t ip = key_ip(sorted[i].key);
    ports.clear();
    for (; i < sorted.size() && key_ip(sorted[i].key) == ip; ++i)
      ports.push_back(port_key(key_proto(sorted[i].key), key_port(sorted[i].key)));
    std::sort(ports.begin(), ports.end());
    ports.erase(std::unique(ports.begin(), ports.end()), ports.end());
    out.add_host(ip, ports);
  }
  return out;
}

std::vector<std::pair<PortKey, uint64_t>> hosts_per_port(const HostPortSets& hosts) {
  // Counted in a table of 65536 per protocol seen (each host's ports are distinct).
  std::vector<std::vector<uint64_t>> by_proto(256);
  for (PortKey k : hosts.port) {
    auto& t = by_proto[key_proto_of(k)];
    if (t.empty()) t.assign(65536, 0);
    ++t[key_port_of(k)];
  }
  std::vector<std::pair<PortKey, uint64_t>> out;
  for (size_t proto = 0; proto < by_proto.size(); ++proto)
    for (size_t port = 0; port < by_proto[proto].size(); ++port)
      if (by_proto[proto][port]) out.push_back({port_key(uint8_t(proto), uint16_t(port)), by_proto[proto][port]});
  return out;
}

std::vector<PortKey> top_ports(const std::vector<std::pair<PortKey, uint64_t>>& counts, size_t k) {
  std::vector<std::pair<PortKey, uint64_t>> v(counts);
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  std::vector<PortKey> out;
  for (size_t i = 0; i < v.size() && i < k; ++i)
    if (v[i].second > 0) out.push_back(v[i].first);
  return out;
}

TopSets top_sets(const HostPortSets& hosts, const std::vector<PortKey>& top) {
  const TopIndex index(top);
  TopSets out;
  out.begin.reserve(hosts.hosts() + 1);
  out.index.reserve(hosts.port.size());
  std::vector<uint32_t> idx;
  for (size_t h = 0; h < hosts.hosts(); ++h) {
    index.indices(hosts.ports_of(h), idx);
    for (uint32_t i : idx) out.index.push_back(uint16_t(i));
    out.begin.push_back(out.index.size());
  }
  return out;
}

std::vector<uint64_t> cooccurrence(const HostPortSets& hosts, const std::vector<PortKey>& top,
                                   uint32_t max_host_ports, uint64_t* left_out) {
  return cooccurrence(top_sets(hosts, top), top.size(), max_host_ports, left_out);
}

std::vector<uint64_t> cooccurrence(const TopSets& sets, size_t k, uint32_t max_host_ports, uint64_t* left_out) {
  const size_t cells = k * (k + 1) / 2;
  const int threads = int(std::max<size_t>(1, std::min<size_t>(size_t(omp_get_max_threads()), sets.hosts() / 4096 + 1)));
  std::vector<std::vector<uint64_t>> part(static_cast<size_t>(threads));
  std::vector<uint64_t> skipped(static_cast<size_t>(threads), 0);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) {
    auto& c = part[size_t(t)];
    c.assign(cells, 0);
    const size_t first = sets.hosts() * size_t(t) / size_t(threads);
    const size_t last = sets.hosts() * size_t(t + 1) / size_t(threads);
    for (size_t h = first; h < last; ++h) {
      const auto idx = sets.of(h);
      if (idx.size() > max_host_ports) {
        ++skipped[size_t(t)];
        continue;
      }
      for (size_t a = 0; a < idx.size(); ++a)
        for (size_t b = a; b < idx.size(); ++b) ++c[pair_index(idx[a], idx[b], k)];
    }
  }
  std::vector<uint64_t> out(cells, 0);  // integer sums: the same at any thread count
  for (const auto& c : part)
    for (size_t i = 0; i < cells; ++i) out[i] += c[i];
  if (left_out) {
    *left_out = 0;
    for (uint64_t s : skipped) *left_out += s;
  }
  return out;
}

std::vector<double> conditional_probabilities(const std::vector<uint64_t>& upper, size_t k) {
  if (upper.size() != k * (k + 1) / 2) throw std::invalid_argument("structure: counts are not K(K+1)/2");
  std::vector<double> p(k * k, 0.0);
  for (size_t a = 0; a < k; ++a)
    for (size_t b = 0; b < k; ++b) {
      const uint64_t nb = upper[pair_index(b, b, k)];
      const uint64_t nab = upper[pair_index(std::min(a, b), std::max(a, b), k)];
      p[a * k + b] = nb ? double(nab) / double(nb) : 0.0;
    }
  return p;
}

namespace {

// k-means over the rows of `x` (n x d) from farthest-point seeds (the first
// row, then each time the row farthest from the seeds so far; ties: the
// lower row), Lloyd's steps until no row moves. Every choice is made in row
// order, so the result depends on the rows alone.
std::vector<uint32_t> kmeans(const Eigen::MatrixXd& x, size_t k) {
  const Eigen::Index n = x.rows();
  std::vector<uint32_t> label(size_t(n), 0);
  if (n == 0 || k <= 1) return label;
  Eigen::MatrixXd centers(Eigen::Index(k), x.cols());
  centers.row(0) = x.row(0);
  Eigen::VectorXd nearest = (x.rowwise() - x.row(0)).rowwise().squaredNorm();
  for (size_t c = 1; c < k; ++c) {
    Eigen::Index far = 0;
    for (Eigen::Index i = 1; i < n; ++i)
      if (nearest(i) > nearest(far)) far = i;
    centers.row(Eigen::Index(c)) = x.row(far);
    nearest = nearest.cwiseMin((x.rowwise() - x.row(far)).rowwise().squaredNorm());
  }
  for (int step = 0; step < 300; ++step) {
    bool moved = step == 0;
    for (Eigen::Index i = 0; i < n; ++i) {
      uint32_t best = 0;
      double best_d = (x.row(i) - centers.row(0)).squaredNorm();
      for (size_t c = 1; c < k; ++c) {
        const double d = (x.row(i) - centers.row(Eigen::Index(c))).squaredNorm();
        if (d < best_d) best_d = d, best = uint32_t(c);
      }
      if (label[size_t(i)] != best) moved = true, label[size_t(i)] = best;
    }
    if (!moved) break;
    Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(Eigen::Index(k), x.cols());
    std::vector<size_t> members(k, 0);
    for (Eigen::Index i = 0; i < n; ++i) {
      sum.row(label[size_t(i)]) += x.row(i);
      ++members[label[size_t(i)]];
    }
    for (size_t c = 0; c < k; ++c)
      if (members[c]) centers.row(Eigen::Index(c)) = sum.row(Eigen::Index(c)) / double(members[c]);
  }
  return label;
}

}  // namespace

PortStructure port_structure(const std::vector<uint64_t>& upper, size_t k, uint32_t max_clusters) {
  if (upper.size() != k * (k + 1) / 2) throw std::invalid_argument("structure: counts are not K(K+1)/2");
  PortStructure s;
  s.ports = k;
  s.cluster.assign(k, 0);
  if (k == 0) return s;
  // Ports sharing a host with another port take part; the others are clusters of their own.
  std::vector<size_t> active;
  for (size_t i = 0; i < k; ++i) {
    bool shared = false;
    for (size_t j = 0; j < k && !shared; ++j)
      shared = j != i && upper[pair_index(std::min(i, j), std::max(i, j), k)] > 0;
    if (shared) active.push_back(i);
  }
  const Eigen::Index m = Eigen::Index(active.size());
  std::vector<int64_t> raw(k, -1);  // k-means label of each active port
  size_t dims = 0;
  Eigen::MatrixXd embedding;
  if (m > 0) {
    Eigen::MatrixXd w = Eigen::MatrixXd::Zero(m, m);
    for (Eigen::Index a = 0; a < m; ++a)
      for (Eigen::Index b = a + 1; b < m; ++b) {
        const size_t i = active[size_t(a)], j = active[size_t(b)];
        const uint64_t n = upper[pair_index(i, j, k)];
        if (n == 0) continue;
        const double v = double(n) / std::sqrt(double(upper[pair_index(i, i, k)]) * double(upper[pair_index(j, j, k)]));
        w(a, b) = w(b, a) = v;
      }
    const Eigen::VectorXd inv_sqrt = w.rowwise().sum().cwiseSqrt().cwiseInverse();
    const Eigen::MatrixXd lap =
        Eigen::MatrixXd::Identity(m, m) - inv_sqrt.asDiagonal() * w * inv_sqrt.asDiagonal();
    Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eig(lap);
    if (eig.info() != Eigen::Success) throw std::runtime_error("structure: the eigensolver did not converge");
    const Eigen::VectorXd& values = eig.eigenvalues();  // ascending
    s.eigenvalues.assign(values.data(), values.data() + m);
    for (double& e : s.eigenvalues) e = e == 0 ? 0.0 : e;  // no -0
    // The number of clusters: the widest gap among the first max_clusters + 1 eigenvalues.
    const Eigen::Index limit = std::min<Eigen::Index>(m, Eigen::Index(std::max<uint32_t>(max_clusters, 1)) + 1);
    dims = 1;
    double widest = -1;
    for (Eigen::Index i = 0; i + 1 < limit; ++i)
      if (values(i + 1) - values(i) > widest) widest = values(i + 1) - values(i), dims = size_t(i + 1);
    embedding = eig.eigenvectors().leftCols(Eigen::Index(dims));
    for (Eigen::Index c = 0; c < embedding.cols(); ++c) {  // a sign for each vector: its largest entry positive
      Eigen::Index at = 0;
      for (Eigen::Index r = 1; r < m; ++r)
        if (std::abs(embedding(r, c)) > std::abs(embedding(at, c))) at = r;
      if (embedding(at, c) < 0) embedding.col(c) *= -1;
    }
    for (Eigen::Index r = 0; r < m; ++r) {
      const double norm = embedding.row(r).norm();
      if (norm > 0) embedding.row(r) /= norm;
    }
    const auto labels = kmeans(embedding, dims);
    for (Eigen::Index a = 0; a < m; ++a) raw[active[size_t(a)]] = int64_t(labels[size_t(a)]);
  }
  // Cluster numbers in the order of the ports (most common first).
  std::map<int64_t, uint32_t> renumber;
  for (size_t i = 0; i < k; ++i) {
    if (raw[i] < 0) {
      s.cluster[i] = uint32_t(s.clusters++);
      continue;
    }
    auto [it, fresh] = renumber.try_emplace(raw[i], uint32_t(s.clusters));
    if (fresh) ++s.clusters;
    s.cluster[i] = it->second;
  }
  s.dims = dims;
  s.embedding.assign(k * dims, 0.0);
  for (Eigen::Index a = 0; a < m; ++a)
    for (size_t d = 0; d < dims; ++d) {
      const double v = embedding(a, Eigen::Index(d));
      s.embedding[active[size_t(a)] * dims + d] = v == 0 ? 0.0 : v;  // no -0 (a flipped sign): text tools read it as 0
    }
  return s;
}

// ---------------------------------------------------------------- profiles --

Signature signature_of(std::span<const PortKey> ports, const std::vector<PortKey>& top) {
  std::vector<uint32_t> idx;
  TopIndex(top).indices(ports, idx);
  std::vector<uint16_t> set(idx.begin(), idx.end());
  return encode(set);
}

uint64_t signature_hash(const Signature& s) { return set_hash(signature_ports(s)); }

std::vector<uint16_t> signature_ports(const Signature& s) {
  std::vector<uint16_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(uint16_t(uint8_t(s[i]) | uint16_t(uint8_t(s[i + 1])) << 8));
  return out;
}

std::vector<std::pair<Signature, uint64_t>> local_signatures(const HostPortSets& hosts,
                                                             const std::vector<PortKey>& top) {
  return local_signatures(top_sets(hosts, top));
}

std::vector<std::pair<Signature, uint64_t>> local_signatures(const TopSets& sets) {
  // Distinct sets in an open-addressing table keyed by the set's hash; a slot
  // matches only when the sets are equal too, so a hash collision costs a
  // longer probe, never a wrong count. Distinct sets are few next to hosts.
  struct Slot {
    uint64_t hash = 0, count = 0;
    uint32_t rep = 0;  // a host with the set
  };
  std::vector<Slot> slots(1024);
  size_t used = 0;
  auto insert = [&](std::vector<Slot>& table, uint64_t hash, uint32_t host, uint64_t count) {
    const size_t mask = table.size() - 1;
    for (size_t at = size_t(hash) & mask;; at = (at + 1) & mask) {
      Slot& s = table[at];
      if (s.count == 0) {
        s = {hash, count, host};
        return true;
      }
      if (s.hash == hash && std::ranges::equal(sets.of(s.rep), sets.of(host))) {
        s.count += count;
        return false;
      }
    }
  };
  for (size_t h = 0; h < sets.hosts(); ++h) {
    if (sets.of(h).empty()) continue;
    if (2 * (used + 1) > slots.size()) {  // at most half full
      std::vector<Slot> bigger(2 * slots.size());
      for (const Slot& s : slots)
        if (s.count) insert(bigger, s.hash, s.rep, s.count);
      slots.swap(bigger);
    }
    used += insert(slots, set_hash(sets.of(h)), uint32_t(h), 1);
  }
  std::vector<std::pair<Signature, uint64_t>> out;
  out.reserve(used);
  for (const Slot& s : slots)
    if (s.count) out.push_back({encode(sets.of(s.rep)), s.count});
  std::sort(out.begin(), out.end());
  return out;
}

uint64_t profile_min_hosts(uint64_t hosts, const StructureOptions& options) {
  const auto share = uint64_t(std::ceil(options.min_profile_share * double(hosts)));
  return std::max<uint64_t>({options.min_profile_hosts, share, 1});
}

Profiles choose_profiles(std::vector<std::pair<Signature, uint64_t>> counts, uint64_t min_hosts) {
  std::sort(counts.begin(), counts.end());  // equal signatures (from several partials) side by side
  std::vector<std::pair<Signature, uint64_t>> summed;
  for (auto& c : counts) {
    if (!summed.empty() && summed.back().first == c.first) summed.back().second += c.second;
    else summed.push_back(std::move(c));
  }
  std::erase_if(summed, [&](const auto& c) { return c.second < min_hosts || c.first.empty(); });
  std::sort(summed.begin(), summed.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  Profiles p;
  for (auto& c : summed) {
    p.signature.push_back(std::move(c.first));
    p.hosts.push_back(c.second);
  }
  return p;
}

HostProfiles assign_profiles(const HostPortSets& hosts, const std::vector<PortKey>& top, const Profiles& profiles) {
  return assign_profiles(hosts.ip, top_sets(hosts, top), top.size(), profiles);
}

HostProfiles assign_profiles(const std::vector<uint32_t>& ip, const TopSets& sets, size_t k, const Profiles& profiles) {
  if (ip.size() != sets.hosts()) throw std::invalid_argument("structure: one address per host set");
  std::vector<std::pair<uint64_t, uint32_t>> exact;  // (set hash, profile), sorted
  std::vector<std::vector<uint16_t>> profile_set(profiles.size());
  std::vector<std::vector<uint32_t>> with_port(k);  // top index -> profiles holding it
  for (size_t p = 0; p < profiles.size(); ++p) {
    profile_set[p] = signature_ports(profiles.signature[p]);
    exact.push_back({set_hash(profile_set[p]), uint32_t(p)});
    for (uint16_t i : profile_set[p]) {
      if (i >= k) throw std::invalid_argument("structure: a profile names a port beyond the top ports");
      with_port[i].push_back(uint32_t(p));
    }
  }
  std::sort(exact.begin(), exact.end());
  HostProfiles out;
  const size_t n = sets.hosts();
  out.ip = ip;
  out.profile.assign(n, -1);
  out.similarity.assign(n, 0.0);
#pragma omp parallel
  {
    std::vector<uint32_t> shared(profiles.size(), 0), touched;
#pragma omp for schedule(static)
    for (int64_t hh = 0; hh < int64_t(n); ++hh) {
      const size_t h = size_t(hh);
      const auto idx = sets.of(h);
      if (idx.empty()) continue;
      bool found = false;
      const uint64_t hash = set_hash(idx);
      for (auto it = std::lower_bound(exact.begin(), exact.end(), std::pair<uint64_t, uint32_t>{hash, 0});
           it != exact.end() && it->first == hash && !found; ++it)
        if (std::ranges::equal(profile_set[it->second], idx)) {
          out.profile[h] = int32_t(it->second);
          out.similarity[h] = 1.0;
          found = true;
        }
      if (found) continue;
      touched.clear();
      for (uint16_t i : idx)
        for (uint32_t p : with_port[i])
          if (shared[p]++ == 0) touched.push_back(p);
      // Highest Jaccard = shared / union, compared exactly as fractions; ties: more hosts, lower profile.
      int64_t best = -1;
      uint64_t best_num = 0, best_den = 1;
      for (uint32_t p : touched) {
        const uint64_t num = shared[p], den = idx.size() + profile_set[p].size() - shared[p];
        bool better = best < 0;
        if (!better) {
          const unsigned __int128 l = (unsigned __int128)num * best_den, r = (unsigned __int128)best_num * den;
          better = l > r || (l == r && (profiles.hosts[p] > profiles.hosts[size_t(best)] ||
                                        (profiles.hosts[p] == profiles.hosts[size_t(best)] && p < uint32_t(best))));
        }
        if (better) best = p, best_num = num, best_den = den;
      }
      for (uint32_t p : touched) shared[p] = 0;
      if (best >= 0) {
        out.profile[h] = int32_t(best);
        out.similarity[h] = double(best_num) / double(best_den);
      }
    }
  }
  return out;
}

double adjusted_rand_index(const std::vector<int64_t>& a, const std::vector<int64_t>& b) {
  if (a.size() != b.size()) throw std::invalid_argument("adjusted_rand_index: labelings of different sizes");
  const double n = double(a.size());
  if (a.size() < 2) return 1.0;
  std::map<std::pair<int64_t, int64_t>, uint64_t> cell;
  std::map<int64_t, uint64_t> ra, rb;
  for (size_t i = 0; i < a.size(); ++i) {
    ++cell[{a[i], b[i]}];
    ++ra[a[i]];
    ++rb[b[i]];
  }
  auto pairs = [](double x) { return x * (x - 1) / 2; };
  double index = 0, sa = 0, sb = 0;
  for (const auto& [k, v] : cell) index += pairs(double(v));
  for (const auto& [k, v] : ra) sa += pairs(double(v));
  for (const auto& [k, v] : rb) sb += pairs(double(v));
  const double expected = sa * sb / pairs(n), top = (sa + sb) / 2;
  if (top == expected) return 1.0;  // both labelings put everything together (or apart)
  return (index - expected) / (top - expected);
}

}  // namespace scanhpc::structure
