#include "scanhpc/kernels/hosts.hpp"

#include <omp.h>

#include <algorithm>
#include <bitset>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/core/codes.hpp"

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

HostsPartial local_hosts(const std::vector<ServiceEntry>& e) {
  auto cuts = split_at_hosts(e, size_t(omp_get_max_threads()));
  std::vector<HostsPartial> partial(cuts.size() - 1);
  const size_t nparts = cuts.size() - 1;
#pragma omp parallel for schedule(static, 1)
  for (size_t p = 0; p < nparts; ++p) {
    auto& out = partial[p];
    out.table.reserve(cuts[p + 1] - cuts[p]);  // an upper bound; untouched pages cost nothing
    for (size_t i = cuts[p]; i < cuts[p + 1];) {
      const uint32_t ip = key_ip(e[i].key);
      HostRow h;
      h.ip = ip;
      h.ttl_min = 255;
      h.first_seen = UINT32_MAX;
      std::bitset<256> reasons;
      size_t j = i;
      uint64_t prev_key = ~uint64_t(0);
      for (; j < cuts[p + 1] && key_ip(e[j].key) == ip; ++j) {
        const ServiceEntry& x = e[j];
        if (x.key != prev_key) { ++h.ports; prev_key = x.key; }
        uint8_t k = x.known;
        if (k & kKnownTtl) {
          h.ttl_min = std::min(h.ttl_min, x.ttl);
          h.ttl_max = std::max(h.ttl_max, x.ttl);
        }
        if (k & kKnownReason) reasons.set(x.reason);
        if (k & kKnownTs) {
          h.first_seen = std::min(h.first_seen, x.ts);
          h.last_seen = std::max(h.last_seen, x.ts);
        }
        h.known |= k;
      }
      h.records = checked_cast<uint32_t>(j - i);
      h.reasons = uint32_t(reasons.count());
      // Unknown fields are 0, never a sentinel that looks like data.
      if (!(h.known & kKnownTtl)) h.ttl_min = h.ttl_max = 0;
      if (!(h.known & kKnownTs)) h.first_seen = h.last_seen = 0;
      out.table.push_back(h);
      out.ports_per_host.add(h.ports);
      i = j;
    }
  }
  if (partial.size() == 1) return std::move(partial[0]);
  HostsPartial total;
  for (auto& p : partial) {
    total.table.append(p.table);
    total.ports_per_host.merge(p.ports_per_host);
  }
  return total;
}

}  // namespace scanhpc
