#include "scanhpc/kernels/multiprobe.hpp"

#include <omp.h>

#include <algorithm>
#include <bitset>
#include <stdexcept>
#include <tuple>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/thread_errors.hpp"

namespace scanhpc {

void MultiprobePartial::merge(const MultiprobePartial& o) {
  probes_per_service.merge(o.probes_per_service);
  reasons_per_service.merge(o.reasons_per_service);
  intervals.merge(o.intervals);
  services += o.services;
  probes += o.probes;
  duplicates += o.duplicates;
}

std::vector<uint64_t> MultiprobePartial::serialize() const {
  std::vector<uint64_t> out{services, probes, duplicates};
  for (const CountMap* m : {&probes_per_service, &reasons_per_service, &intervals}) {
    auto flat = m->flatten();
    out.push_back(flat.size());
    out.insert(out.end(), flat.begin(), flat.end());
  }
  return out;
}

MultiprobePartial MultiprobePartial::deserialize(const uint64_t* w, size_t n) {
  if (n < 3) throw std::runtime_error("MultiprobePartial: truncated");
  MultiprobePartial p;
  p.services = w[0]; p.probes = w[1]; p.duplicates = w[2];
  size_t at = 3;
  for (CountMap* m : {&p.probes_per_service, &p.reasons_per_service, &p.intervals}) {
    if (at >= n || at + 1 + w[at] > n) throw std::runtime_error("MultiprobePartial: truncated");
    *m = CountMap::from_flat(w + at + 1, w[at]);
    at += 1 + w[at];
  }
  return p;
}

MultiprobePartial local_multiprobe(const std::vector<ServiceEntry>& e) {
  const size_t parts = size_t(omp_get_max_threads());
  auto cuts = split_at_hosts(e, parts);
  std::vector<MultiprobePartial> partial(cuts.size() - 1);
  const size_t nparts = cuts.size() - 1;
  ThreadErrors errors;
#pragma omp parallel for schedule(static, 1)
  for (size_t p = 0; p < nparts; ++p) errors.run([&] {
    MultiprobePartial& out = partial[p];
    struct Probe {
      uint32_t ts; uint8_t reason, ttl, known;
      auto tie() const { return std::tie(ts, reason, ttl, known); }
    };
    std::vector<Probe> group;
    for (size_t i = cuts[p]; i < cuts[p + 1];) {
      size_t j = i;
      while (j < cuts[p + 1] && e[j].key == e[i].key) ++j;
      out.services += 1;
      out.probes += j - i;
      out.probes_per_service.add(j - i);
      if (j - i == 1) {  // the common case: one probe, no interval, no duplicate
        out.reasons_per_service.add((e[i].known & kKnownReason) ? 1 : 0);
        i = j;
        continue;
      }
      group.clear();
      std::bitset<256> reasons;
      bool any_reason = false;
      for (size_t k = i; k < j; ++k) {
        group.push_back({e[k].ts, e[k].reason, e[k].ttl, e[k].known});
        if (e[k].known & kKnownReason) { reasons.set(e[k].reason); any_reason = true; }
      }
      out.reasons_per_service.add(any_reason ? reasons.count() : 0);
      if (group.size() > 1) {
        // Full order inside the service, so duplicates and intervals do not
        // depend on the input order.
        std::sort(group.begin(), group.end(), [](const Probe& a, const Probe& b) { return a.tie() < b.tie(); });
        const Probe* prev = nullptr;
        for (size_t k = 0; k < group.size(); ++k) {
          if (k > 0 && group[k].tie() == group[k - 1].tie()) ++out.duplicates;
          if (!(group[k].known & kKnownTs)) continue;
          if (prev) out.intervals.add(group[k].ts - prev->ts);
          prev = &group[k];
        }
      }
      i = j;
    }
  });  // count maps and the probe group allocate
  errors.rethrow();
  MultiprobePartial total;
  for (const auto& p : partial) total.merge(p);
  return total;
}

}  // namespace scanhpc
