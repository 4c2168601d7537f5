// Top ports per protocol, as summary(factor(dpt), maxsum) does for one protocol.
#include <omp.h>

#include <algorithm>
#include <array>
#include <stdexcept>

#include "scanhpc/ports/port_stats.hpp"

#include "scanhpc/core/thread_errors.hpp"

namespace scanhpc::ports {

std::string proto_name(uint8_t proto) {
  switch (proto) {
    case uint8_t(Proto::tcp): return "TCP";
    case uint8_t(Proto::udp): return "UDP";
    case uint8_t(Proto::icmp): return "ICMP";
  }
  return std::to_string(proto);
}

uint32_t month_of(uint32_t day) {
  // Howard Hinnant's civil_from_days, for days >= 0.
  const uint32_t z = day + 719468;
  const uint32_t era = z / 146097;
  const uint32_t doe = z - era * 146097;
  const uint32_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const uint32_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const uint32_t mp = (5 * doy + 2) / 153;
  const uint32_t m = mp < 10 ? mp + 3 : mp - 9;
  const uint32_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  return y * 100 + m;
}

PortCounts local_port_counts(const EventColumns& e) {
  // Dense counters for TCP and UDP (almost every row), a map for the rest;
  // per-thread partials summed in thread order (integers: any order is exact).
  constexpr size_t kPorts = 65536;
  const int64_t n = int64_t(e.size());
  const int threads = omp_get_max_threads();
  std::vector<std::vector<uint64_t>> dense(size_t(threads), std::vector<uint64_t>(2 * kPorts, 0));
  std::vector<PortCounts> rest(static_cast<size_t>(threads));
  ThreadErrors errors(threads);
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    auto& d = dense[size_t(t)];
    auto& r = rest[size_t(t)];
#pragma omp for schedule(static)
    for (int64_t i = 0; i < n; ++i) {
      const uint8_t p = e.proto[size_t(i)];
      const uint32_t port = e.dst_port[size_t(i)];
      if (port > 0xFFFFu)
        errors.run([&] { ++r.no_port[p]; });  // map inserts may allocate
      else if (p == uint8_t(Proto::tcp))
        ++d[port];
      else if (p == uint8_t(Proto::udp))
        ++d[kPorts + port];
      else
        errors.run([&] { ++r.ports[{p, uint16_t(port)}]; });
    }
  }
  errors.rethrow();
  PortCounts out;
  for (int t = 0; t < threads; ++t) merge_port_counts(out, rest[size_t(t)]);
  for (size_t k = 0; k < 2 * kPorts; ++k) {
    uint64_t sum = 0;
    for (int t = 0; t < threads; ++t) sum += dense[size_t(t)][k];
    if (sum) out.ports[{k < kPorts ? uint8_t(Proto::tcp) : uint8_t(Proto::udp), uint16_t(k % kPorts)}] += sum;
  }
  return out;
}

void merge_port_counts(PortCounts& into, const PortCounts& part) {
  for (const auto& [k, c] : part.ports) into.ports[k] += c;
  for (const auto& [p, c] : part.no_port) into.no_port[p] += c;
}

namespace {

// Per protocol, its ports by count descending; the stable sort keeps
// ascending ports among ties, as R's radix sort.list.
std::map<uint8_t, std::vector<std::pair<uint16_t, uint64_t>>> ranked_ports(const PortCounts& counts) {
  std::map<uint8_t, std::vector<std::pair<uint16_t, uint64_t>>> out;
  for (const auto& [k, c] : counts.ports) out[k.proto].emplace_back(k.port, c);  // map order: port ascending
  for (auto& [proto, ports] : out)
    std::stable_sort(ports.begin(), ports.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  return out;
}

}  // namespace

std::vector<TopPortRow> top_ports(const PortCounts& candidates, const std::map<uint8_t, uint64_t>& totals, size_t n) {
  std::vector<TopPortRow> out;
  for (const auto& [proto, ports] : ranked_ports(candidates)) {
    const auto t = totals.find(proto);
    const uint64_t total = t == totals.end() ? 0 : t->second;
    uint64_t listed = 0;
    const auto share = [&](uint64_t c) { return total ? double(c) / double(total) : 0.0; };
    for (size_t r = 0; r < ports.size() && r < n; ++r) {
      listed += ports[r].second;
      out.push_back({proto, uint32_t(r + 1), int32_t(ports[r].first), ports[r].second, share(ports[r].second)});
    }
    if (total < listed) throw std::invalid_argument("top_ports: a protocol's total is below its listed ports");
    if (total > listed) out.push_back({proto, uint32_t(n + 1), -1, total - listed, share(total - listed)});
  }
  return out;
}

std::vector<TopPortRow> top_ports(const PortCounts& global, size_t n) {
  std::map<uint8_t, uint64_t> totals;
  for (const auto& [k, c] : global.ports) totals[k.proto] += c;
  return top_ports(global, totals, n);
}

PortCounts top_candidates(const PortCounts& owned, size_t n) {
  PortCounts out;
  for (const auto& [proto, ports] : ranked_ports(owned))
    for (size_t r = 0; r < ports.size() && r < n; ++r) out.ports[{proto, ports[r].first}] = ports[r].second;
  return out;
}

std::vector<PortKey> top_port_keys(const std::vector<TopPortRow>& rows) {
  std::vector<PortKey> keys;
  for (const TopPortRow& r : rows)
    if (r.port >= 0) keys.push_back({r.proto, uint16_t(r.port)});
  return keys;
}

}  // namespace scanhpc::ports
