#include "scanhpc/kernels/hosts.hpp"

#include <omp.h>

#include <algorithm>
#include <bitset>

#include "scanhpc/core/checked_cast.hpp"
#include "scanhpc/core/codes.hpp"

namespace scanhpc {

HostsPartial local_hosts(const StatusColumns& c, const std::vector<ServiceEntry>& e) {
  auto cuts = split_at_hosts(e, size_t(omp_get_max_threads()));
  std::vector<HostsPartial> partial(cuts.size() - 1);
  const size_t nparts = cuts.size() - 1;
#pragma omp parallel for schedule(static, 1)
  for (size_t p = 0; p < nparts; ++p) {
    auto& out = partial[p];
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
        uint32_t r = e[j].row;
        if (e[j].key != prev_key) { ++h.ports; prev_key = e[j].key; }
        uint8_t k = c.known[r];
        if (k & kKnownTtl) {
          h.ttl_min = std::min(h.ttl_min, c.ttl[r]);
          h.ttl_max = std::max(h.ttl_max, c.ttl[r]);
        }
        if (k & kKnownReason) reasons.set(c.reason[r]);
        if (k & kKnownTs) {
          h.first_seen = std::min(h.first_seen, c.ts[r]);
          h.last_seen = std::max(h.last_seen, c.ts[r]);
        }
        h.known |= k;
      }
      h.records = checked_cast<uint32_t>(j - i);
      h.reasons = uint32_t(reasons.count());
      // Unknown fields are 0, never a sentinel that looks like data.
      if (!(h.known & kKnownTtl)) h.ttl_min = h.ttl_max = 0;
      if (!(h.known & kKnownTs)) h.first_seen = h.last_seen = 0;
      out.rows.push_back(h);
      out.ports_per_host.add(h.ports);
      i = j;
    }
  }
  HostsPartial total;
  for (auto& p : partial) {
    total.rows.insert(total.rows.end(), p.rows.begin(), p.rows.end());
    total.ports_per_host.merge(p.ports_per_host);
  }
  return total;
}

}  // namespace scanhpc
