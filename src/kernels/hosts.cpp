#include "scanhpc/kernels/hosts.hpp"

#include <omp.h>

#include <algorithm>
#include <bitset>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/thread_errors.hpp"

namespace scanhpc {

void HostColumns::reserve(size_t n) {
  for (auto* v : {&ip, &records, &ports, &reasons, &first_seen, &last_seen}) v->reserve(n);
  for (auto* v : {&ttl_min, &ttl_max, &known}) v->reserve(n);
}

void HostColumns::push_back(const HostRow& h) {
  ip.push_back(h.ip); records.push_back(h.records); ports.push_back(h.ports); reasons.push_back(h.reasons);
  first_seen.push_back(h.first_seen); last_seen.push_back(h.last_seen);
  ttl_min.push_back(h.ttl_min); ttl_max.push_back(h.ttl_max); known.push_back(h.known);
}

HostRow HostColumns::row(size_t i) const {
  return {ip[i], records[i], ports[i], ttl_min[i], ttl_max[i], reasons[i], first_seen[i], last_seen[i], known[i]};
}

void HostColumns::append(const HostColumns& o) {
  auto cat = [](auto& a, const auto& b) { a.insert(a.end(), b.begin(), b.end()); };
  cat(ip, o.ip); cat(records, o.records); cat(ports, o.ports); cat(reasons, o.reasons);
  cat(first_seen, o.first_seen); cat(last_seen, o.last_seen);
  cat(ttl_min, o.ttl_min); cat(ttl_max, o.ttl_max); cat(known, o.known);
}

namespace {

// Aggregates the host whose entries are [i, j).
HostRow aggregate_host(const ServiceEntry* e, size_t i, size_t j) {
  HostRow h;
  h.ip = key_ip(e[i].key);
  h.ttl_min = 255;
  h.first_seen = UINT32_MAX;
  std::bitset<256> reasons;
  uint64_t prev_key = ~uint64_t(0);
  for (size_t k = i; k < j; ++k) {
    const ServiceEntry& x = e[k];
    if (x.key != prev_key) { ++h.ports; prev_key = x.key; }
    if (x.known & kKnownTtl) {
      h.ttl_min = std::min(h.ttl_min, x.ttl);
      h.ttl_max = std::max(h.ttl_max, x.ttl);
    }
    if (x.known & kKnownReason) reasons.set(x.reason);
    if (x.known & kKnownTs) {
      h.first_seen = std::min(h.first_seen, x.ts);
      h.last_seen = std::max(h.last_seen, x.ts);
    }
    h.known |= x.known;
  }
  h.records = checked_cast<uint32_t>(j - i);
  h.reasons = uint32_t(reasons.count());
  // Unknown fields are 0, never a sentinel that looks like data.
  if (!(h.known & kKnownTtl)) h.ttl_min = h.ttl_max = 0;
  if (!(h.known & kKnownTs)) h.first_seen = h.last_seen = 0;
  return h;
}

size_t host_end(const std::vector<ServiceEntry>& e, size_t i, size_t limit) {
  const uint32_t ip = key_ip(e[i].key);
  size_t j = i;
  while (j < limit && key_ip(e[j].key) == ip) ++j;
  return j;
}

}  // namespace

HostsPartial local_hosts(const std::vector<ServiceEntry>& e) {
  // Two passes over thread ranges cut at host boundaries: count the hosts of
  // each range, then let every thread write its rows at its offset in columns
  // sized exactly once, so no partial tables are merged (or held twice).
  auto cuts = split_at_hosts(e, size_t(omp_get_max_threads()));
  const size_t nparts = cuts.size() - 1;
  std::vector<uint64_t> first(nparts + 1, 0);
  std::vector<CountMap> ports(nparts);
#pragma omp parallel for schedule(static, 1)
  for (size_t p = 0; p < nparts; ++p)
    for (size_t i = cuts[p]; i < cuts[p + 1]; i = host_end(e, i, cuts[p + 1])) ++first[p + 1];
  for (size_t p = 0; p < nparts; ++p) first[p + 1] += first[p];

  HostsPartial out;
  auto& t = out.table;
  const size_t n = first[nparts];
  for (auto* v : {&t.ip, &t.records, &t.ports, &t.reasons, &t.first_seen, &t.last_seen}) v->resize(n);
  for (auto* v : {&t.ttl_min, &t.ttl_max, &t.known}) v->resize(n);
  ThreadErrors errors;
#pragma omp parallel for schedule(static, 1)
  for (size_t p = 0; p < nparts; ++p) {
    errors.run([&] {
      size_t row = first[p];
      for (size_t i = cuts[p]; i < cuts[p + 1]; ++row) {
        size_t j = host_end(e, i, cuts[p + 1]);
        HostRow h = aggregate_host(e.data(), i, j);
        t.ip[row] = h.ip; t.records[row] = h.records; t.ports[row] = h.ports; t.reasons[row] = h.reasons;
        t.first_seen[row] = h.first_seen; t.last_seen[row] = h.last_seen;
        t.ttl_min[row] = h.ttl_min; t.ttl_max[row] = h.ttl_max; t.known[row] = h.known;
        ports[p].add(h.ports);  // a count map: may allocate
        i = j;
      }
    });
  }
  errors.rethrow();
  for (const auto& m : ports) out.ports_per_host.merge(m);
  return out;
}

}  // namespace scanhpc
