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

// Top port key -> its index, by binary search over the keys sorted once.
class TopIndex {
 public:
  explicit TopIndex(const std::vector<PortKey>& top) {
    sorted_.reserve(top.size());
    for (size_t i = 0; i < top.size(); ++i) sorted_.push_back({top[i], uint32_t(i)});
    std::sort(sorted_.begin(), sorted_.end());
  }
  // The index of `key`, or -1.
  int64_t find(PortKey key) const {
    auto it = std::lower_bound(sorted_.begin(), sorted_.end(), std::pair<PortKey, uint32_t>{key, 0});
    return it != sorted_.end() && it->first == key ? int64_t(it->second) : -1;
  }
  // The indices of `ports` that are top ports, ascending.
  void indices(std::span<const PortKey> ports, std::vector<uint32_t>& out) const {
    out.clear();
    for (PortKey p : ports)
      if (int64_t i = find(p); i >= 0) out.push_back(uint32_t(i));
    std::sort(out.begin(), out.end());
  }

 private:
  std::vector<std::pair<PortKey, uint32_t>> sorted_;
};

}  // namespace

void HostPortSets::add_host(uint32_t host_ip, std::span<const PortKey> ports) {
  ip.push_back(host_ip);
  port.insert(port.end(), ports.begin(), ports.end());
  begin.push_back(port.size());
}

HostPortSets host_port_sets(const std::vector<ServiceEntry>& sorted) {
  HostPortSets out;
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
  std::vector<PortKey> all(hosts.port);  // each host's ports are distinct: one entry per (host, port)
  std::sort(all.begin(), all.end());
  std::vector<std::pair<PortKey, uint64_t>> out;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j] == all[i]) ++j;
    out.push_back({all[i], uint64_t(j - i)});
    i = j;
  }
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

std::vector<uint64_t> cooccurrence(const HostPortSets& hosts, const std::vector<PortKey>& top,
                                   uint32_t max_host_ports, uint64_t* left_out) {
  const size_t k = top.size();
  const size_t cells = k * (k + 1) / 2;
  const TopIndex index(top);
  const int threads = int(std::max<size_t>(1, std::min<size_t>(size_t(omp_get_max_threads()), hosts.hosts() / 4096 + 1)));
  std::vector<std::vector<uint64_t>> part(static_cast<size_t>(threads));
  std::vector<uint64_t> skipped(static_cast<size_t>(threads), 0);
#pragma omp parallel for num_threads(threads) schedule(static, 1)
  for (int t = 0; t < threads; ++t) {
    auto& c = part[size_t(t)];
    c.assign(cells, 0);
    std::vector<uint32_t> idx;
    const size_t first = hosts.hosts() * size_t(t) / size_t(threads);
    const size_t last = hosts.hosts() * size_t(t + 1) / size_t(threads);
    for (size_t h = first; h < last; ++h) {
      index.indices(hosts.ports_of(h), idx);
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
  Signature s;
  for (uint32_t i : idx) {
    s.push_back(char(i & 0xFF));
    s.push_back(char(i >> 8));
  }
  return s;
}

std::vector<uint16_t> signature_ports(const Signature& s) {
  std::vector<uint16_t> out;
  for (size_t i = 0; i + 1 < s.size(); i += 2) out.push_back(uint16_t(uint8_t(s[i]) | uint16_t(uint8_t(s[i + 1])) << 8));
  return out;
}

std::vector<std::pair<Signature, uint64_t>> local_signatures(const HostPortSets& hosts,
                                                             const std::vector<PortKey>& top) {
  if (top.size() > 65536) throw std::invalid_argument("structure: at most 65536 top ports");
  const TopIndex index(top);
  std::vector<Signature> all;
  all.reserve(hosts.hosts());
  std::vector<uint32_t> idx;
  for (size_t h = 0; h < hosts.hosts(); ++h) {
    index.indices(hosts.ports_of(h), idx);
    if (idx.empty()) continue;
    Signature s;
    for (uint32_t i : idx) {
      s.push_back(char(i & 0xFF));
      s.push_back(char(i >> 8));
    }
    all.push_back(std::move(s));
  }
  std::sort(all.begin(), all.end());
  std::vector<std::pair<Signature, uint64_t>> out;
  for (size_t i = 0; i < all.size();) {
    size_t j = i;
    while (j < all.size() && all[j] == all[i]) ++j;
    out.push_back({all[i], uint64_t(j - i)});
    i = j;
  }
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
  const TopIndex index(top);
  std::unordered_map<Signature, int32_t> exact;
  std::vector<std::vector<uint32_t>> with_port(top.size());  // top index -> profiles holding it
  std::vector<uint32_t> size(profiles.size());
  for (size_t p = 0; p < profiles.size(); ++p) {
    exact.emplace(profiles.signature[p], int32_t(p));
    const auto ports = signature_ports(profiles.signature[p]);
    size[p] = uint32_t(ports.size());
    for (uint16_t i : ports) with_port[i].push_back(uint32_t(p));
  }
  HostProfiles out;
  const size_t n = hosts.hosts();
  out.ip = hosts.ip;
  out.profile.assign(n, -1);
  out.similarity.assign(n, 0.0);
#pragma omp parallel
  {
    std::vector<uint32_t> idx, shared(profiles.size(), 0), touched;
    Signature sig;
#pragma omp for schedule(static)
    for (int64_t hh = 0; hh < int64_t(n); ++hh) {
      const size_t h = size_t(hh);
      index.indices(hosts.ports_of(h), idx);
      if (idx.empty()) continue;
      sig.clear();
      for (uint32_t i : idx) {
        sig.push_back(char(i & 0xFF));
        sig.push_back(char(i >> 8));
      }
      if (auto it = exact.find(sig); it != exact.end()) {
        out.profile[h] = it->second;
        out.similarity[h] = 1.0;
        continue;
      }
      touched.clear();
      for (uint32_t i : idx)
        for (uint32_t p : with_port[i])
          if (shared[p]++ == 0) touched.push_back(p);
      // Highest Jaccard = shared / union, compared exactly as fractions; ties: more hosts, lower profile.
      int64_t best = -1;
      uint64_t best_num = 0, best_den = 1;
      for (uint32_t p : touched) {
        const uint64_t num = shared[p], den = idx.size() + size[p] - shared[p];
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
