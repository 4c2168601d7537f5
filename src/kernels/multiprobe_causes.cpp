#include "scanhpc/kernels/multiprobe_causes.hpp"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <stdexcept>
#include <tuple>

#include "scanhpc/core/codes.hpp"
#include "scanhpc/core/thread_errors.hpp"

namespace scanhpc::causes {
namespace {

// A window of offsets [lo, hi] (seconds) where a predicted repeat lands: the
// repeat comes d seconds after the first sighting, both stamped in whole
// seconds, so it shows as floor(d) or floor(d) + 1; timers and rate limits run
// a little late, so long delays get one second more.
struct Window {
  uint32_t lo, hi;
};
Window window_at(double d) {
  const auto lo = uint32_t(std::floor(d));
  return {lo, lo + (d >= 15 ? 2u : 1u)};
}

// Linux's SYN-ACK timer: 1 s, doubling, so repeats at 1, 3, 7, 15, 31, 63 s
// after the first SYN-ACK. (When the first SYN-ACKs were lost the sighting
// starts later on the ladder; in a scan with the timer alone every repeat is
// the timer's anyway, and in one with retries too that case is "both".)
std::vector<Window> retransmission_ladder(uint32_t steps) {
  std::vector<Window> w;
  for (uint32_t m = 1; m <= steps; ++m) {
    const double d = double((1u << m) - 1);
    if (d + 2 >= kMaxOffset) break;
    w.push_back(window_at(d));
  }
  return w;
}

// The scanner's retries: k * spacing, k = 1..retries (spacing in tenths of a second).
std::vector<Window> retry_ladder(uint32_t spacing10, uint32_t retries) {
  std::vector<Window> w;
  for (uint32_t k = 1; k <= retries; ++k) {
    const double d = double(k) * spacing10 / 10.0;
    if (d + 2 >= kMaxOffset) break;
    w.push_back(window_at(d));
  }
  return w;
}

// Retries into a target that never got an RST: each retry's SYN is answered
// at once and restarts the SYN-ACK timer with the backoff it had reached
// (j fires so far: 2^j s, then doubling), so besides k * spacing the repeats
// come at k * spacing + 2^j (2^i - 1) s.
std::vector<Window> retry_rearmed_ladder(uint32_t spacing10, uint32_t retries) {
  std::vector<Window> w = retry_ladder(spacing10, retries);
  for (uint32_t k = 1; k <= retries; ++k) {
    const double r = double(k) * spacing10 / 10.0;
    const auto j = uint32_t(std::floor(std::log2(r + 1.0)));
    for (uint32_t i = 1; i <= 6; ++i) {
      const double d = r + double(1u << j) * double((1u << i) - 1);
      if (d + 2 >= kMaxOffset) break;
      w.push_back(window_at(d));
    }
  }
  return w;
}

// Offsets covered by a set of windows (no offset counted twice).
std::vector<bool> cover(const std::vector<Window>& ws) {
  std::vector<bool> c(kMaxOffset + 1, false);
  for (const auto& w : ws)
    for (uint32_t o = w.lo; o <= std::min(w.hi, kMaxOffset); ++o) c[o] = true;
  return c;
}

// A model's worth: the repeats its windows hold, less a price per offset it
// predicts (so a ladder is extended only while its steps hold repeats).
using Histogram = std::array<uint64_t, kMaxOffset + 1>;
double gain(const Histogram& h, const std::vector<bool>& covered, double price) {
  double g = 0;
  for (uint32_t o = 1; o < kMaxOffset; ++o)
    if (covered[o]) g += double(h[o]) - price;
  return g;
}

constexpr uint32_t kRetransmissionSteps = 6;
constexpr uint32_t kMaxRetries = 8;

}  // namespace

std::string label_name(uint8_t label) {
  if (label == 0) return "unknown";
  std::string s;
  auto add = [&](const char* w) { s += s.empty() ? w : std::string(" and ") + w; };
  if (label & kSeparateScans) add("separate scans");
  if (label & kRetry) add(label & kSeparateScans ? "retries" : "scanner retries");
  if (label & kRetransmission) add(label & (kRetry | kSeparateScans) ? "retransmissions" : "target retransmissions");
  return s;
}

uint64_t Evidence::repeats() const {
  uint64_t n = 0;
  for (uint64_t x : offsets) n += x;
  return n;
}

void Evidence::merge(const Evidence& o) {
  for (size_t i = 0; i < offsets.size(); ++i) offsets[i] += o.offsets[i];
  for (size_t i = 0; i < offsets.size(); ++i) beyond_retransmissions[i] += o.beyond_retransmissions[i];
}

std::vector<uint64_t> Evidence::words() const {
  std::vector<uint64_t> w(offsets.begin(), offsets.end());
  w.insert(w.end(), beyond_retransmissions.begin(), beyond_retransmissions.end());
  return w;
}

Evidence Evidence::from_words(const std::vector<uint64_t>& w) {
  Evidence e;
  const size_t n = e.offsets.size();
  if (w.size() != 2 * n) throw std::runtime_error("causes::Evidence: wrong length");
  std::copy(w.begin(), w.begin() + n, e.offsets.begin());
  std::copy(w.begin() + n, w.end(), e.beyond_retransmissions.begin());
  return e;
}

namespace {
// Segments: a new one starts where a scan of the file starts between two
// observations, or where the reason changes (a port that answered syn-ack
// and later rst).
bool starts_segment(const Observation& prev, const Observation& cur, const std::vector<uint32_t>& epochs) {
  const auto next = std::upper_bound(epochs.begin(), epochs.end(), prev.ts);
  if (next != epochs.end() && *next <= cur.ts) return true;
  return prev.has_reason && cur.has_reason && prev.reason != cur.reason;
}
}  // namespace

std::vector<uint32_t> epoch_starts(const std::vector<CountEntry>& seconds) {
  std::vector<uint32_t> out;
  for (size_t i = 0; i < seconds.size(); ++i)
    if (i == 0 || seconds[i].value - seconds[i - 1].value > kSeparateGapSeconds) out.push_back(uint32_t(seconds[i].value));
  return out;
}

namespace {
// Matches a segment's offsets (ascending) one to one with the steps of a
// ladder, each step taking the first unmatched offset in its window; offsets
// >= kMaxOffset match when far_ok. Returns whether all matched; `left`, when
// given, receives the offsets that did not.
bool match_ladder(const uint32_t* off, size_t m, const std::vector<Window>& ladder, bool far_ok,
                  std::vector<uint32_t>* left = nullptr) {
  std::vector<bool> used(ladder.size(), false);
  bool all = true;
  for (size_t i = 0; i < m; ++i) {
    bool hit = off[i] >= kMaxOffset && far_ok;
    for (size_t k = 0; k < ladder.size() && !hit; ++k)
      if (!used[k] && off[i] >= ladder[k].lo && off[i] <= ladder[k].hi) used[k] = hit = true;
    if (!hit) {
      all = false;
      if (left) left->push_back(off[i]);
    }
  }
  return all;
}
}  // namespace

void add_evidence(Evidence& e, const Observation* obs, size_t n, const std::vector<uint32_t>& epochs) {
  static const auto ladder = retransmission_ladder(kRetransmissionSteps);
  std::vector<uint32_t> off, left;
  auto flush = [&] {
    left.clear();
    match_ladder(off.data(), off.size(), ladder, false, &left);
    for (uint32_t o : left) e.beyond_retransmissions[std::min(o, kMaxOffset)] += 1;
    off.clear();
  };
  size_t first = 0;
  for (size_t i = 1; i < n; ++i) {
    if (starts_segment(obs[i - 1], obs[i], epochs)) {
      flush();
      first = i;
      continue;
    }
    const uint32_t o = obs[i].ts - obs[first].ts;
    e.offsets[std::min(o, kMaxOffset)] += 1;
    off.push_back(o);
  }
  flush();
}

namespace {
struct Fit {
  double gain = 0;
  uint32_t a = 0, b = 0;  // retry: spacing (tenths), count; retransmissions: depth
};
// The best retry ladder for a histogram of offsets: masscan spaces its probes
// (retries + 1) x rate / achieved rate seconds apart, so at least 2 s.
Fit best_retry_ladder(const Histogram& h, double price, bool rearmed) {
  Fit best;
  for (uint32_t sp = 20; sp <= 200; ++sp)
    for (uint32_t r = 1; r <= kMaxRetries && double(r) * sp / 10.0 + 2 < kMaxOffset; ++r) {
      const double g = gain(h, cover(rearmed ? retry_rearmed_ladder(sp, r) : retry_ladder(sp, r)), price);
      if (g > best.gain) best = {g, sp, r};
    }
  return best;
}
// The mean offset in step k's window is k x spacing (a repeat d seconds after
// the sighting shows as floor(d + f), f the sighting's fraction of a second).
uint32_t refine_spacing(const Histogram& h, uint32_t sp, uint32_t r) {
  double num = 0, den = 0;
  const auto ladder = retry_ladder(sp, r);
  for (size_t k = 0; k < ladder.size(); ++k)
    for (uint32_t o = ladder[k].lo; o <= std::min(ladder[k].hi, kMaxOffset); ++o)
      num += double(o) * double(h[o]), den += double(k + 1) * double(h[o]);
  return den > 0 ? uint32_t(std::lround(10.0 * num / den)) : sp;
}
}  // namespace

Schedule infer_schedule(const Evidence& e) {
  Schedule s;
  const uint64_t repeats = e.repeats();
  if (repeats == 0) return s;
  // A predicted offset must hold 2% of the repeats to be worth predicting.
  const double price = 0.02 * double(repeats);
  s.immediate_retries = double(e.offsets[0]) >= 0.2 * double(repeats);
  // Three models: retries alone, the SYN-ACK timer alone, or the timer plus
  // retries fitted to what the timer leaves (a second repeat in one of its
  // windows, offsets off its ladder).
  const Fit retry = best_retry_ladder(e.offsets, price, false);
  Fit rtx;
  for (uint32_t m = 1; m <= kRetransmissionSteps; ++m) {
    const double g = gain(e.offsets, cover(retransmission_ladder(m)), price);
    if (g > rtx.gain) rtx = {g, m, 0};
  }
  // The retries fitted to what the timer leaves, with or without the timer
  // restarts they cause (no restarts where the target's timer had given up).
  Fit extra;
  bool rearmed = false;
  if (rtx.a) {
    extra = best_retry_ladder(e.beyond_retransmissions, price, false);
    const Fit re = best_retry_ladder(e.beyond_retransmissions, price, true);
    if (re.gain > extra.gain) extra = re, rearmed = true;
  }
  const double both = extra.a ? rtx.gain + extra.gain : 0;
  std::vector<Window> chosen;
  if (both > retry.gain && both > rtx.gain) {
    s.ladder_tenths = extra.a, s.retries = extra.b, s.retransmissions = true;
    s.retry_spacing_tenths = refine_spacing(e.beyond_retransmissions, extra.a, extra.b);
    chosen = rearmed ? retry_rearmed_ladder(extra.a, extra.b) : retry_ladder(extra.a, extra.b);
    const auto t = retransmission_ladder(rtx.a);
    chosen.insert(chosen.end(), t.begin(), t.end());
  } else if (retry.gain > rtx.gain) {  // on a tie the timer: its ladder is the more specific
    s.ladder_tenths = retry.a, s.retries = retry.b;
    s.retry_spacing_tenths = refine_spacing(e.offsets, retry.a, retry.b);
    chosen = retry_ladder(retry.a, retry.b);
  } else if (rtx.gain > 0) {
    s.retransmissions = true;
    chosen = retransmission_ladder(rtx.a);
  }
  const auto c = cover(chosen);
  uint64_t held = s.immediate_retries ? e.offsets[0] : 0;
  for (uint32_t o = 1; o < kMaxOffset; ++o)
    if (c[o]) held += e.offsets[o];
  s.explained = double(held) / double(repeats);
  return s;
}

namespace {
uint8_t classify_segment(const Observation* obs, size_t n, const Schedule& s) {
  for (size_t i = 1; i < n; ++i)  // the same stack answers every probe: a TTL change is not these causes
    if (obs[i].has_ttl && obs[0].has_ttl && obs[i].ttl != obs[0].ttl) return 0;
  bool all_zero = true;
  for (size_t i = 1; i < n; ++i) all_zero = all_zero && obs[i].ts == obs[0].ts;
  if (all_zero) return s.immediate_retries ? kRetry : 0;
  // One mechanism in the scan: it made every repeat inside a segment (the
  // ladders only place them: masscan also re-probes the first targets of its
  // permutation at the end of the scan, off the ladder, and only a scanner
  // comes back more than a minute later within one scan).
  const bool has_retry = s.retry_spacing_tenths > 0, has_rtx = s.retransmissions;
  const bool far = obs[n - 1].ts - obs[0].ts >= kMaxOffset;
  if (has_retry != has_rtx) return has_retry ? kRetry : (far ? 0 : kRetransmission);
  if (!has_retry) return 0;
  std::vector<uint32_t> off;
  for (size_t i = 1; i < n; ++i)
    if (!(obs[i].ts == obs[0].ts && s.immediate_retries)) off.push_back(obs[i].ts - obs[0].ts);
  // Each step of a ladder explains one repeat: two repeats in one window of
  // the timer's ladder, or one off it, need the other mechanism.
  const bool retry = match_ladder(off.data(), off.size(), retry_ladder(s.ladder_tenths, s.retries), true);
  const bool rtx = match_ladder(off.data(), off.size(), retransmission_ladder(kRetransmissionSteps), false);
  if (retry != rtx) return retry ? kRetry : kRetransmission;
  // Offsets both ladders predict, or neither alone: the scan shows both, and a
  // retry that reached a target still waiting for its ACK restarts its timer.
  return kRetry | kRetransmission;
}
}  // namespace

uint8_t classify(const Observation* obs, size_t n, const Schedule& s, const std::vector<uint32_t>& epochs,
                 uint8_t* repeat_causes) {
  uint8_t label = 0;
  size_t first = 0;
  for (size_t i = 1; i <= n; ++i) {
    if (i < n && !starts_segment(obs[i - 1], obs[i], epochs)) continue;
    if (i - first > 1) {
      const uint8_t seg = classify_segment(obs + first, i - first, s);
      label |= seg;
      if (seg == 0) label |= 0x80;  // a segment nobody explains: the service is unknown
      for (size_t k = first + 1; k < i; ++k) repeat_causes[k - 1] = seg;
    }
    if (i < n) {
      repeat_causes[i - 1] = kSeparateScans;
      label |= kSeparateScans;
    }
    first = i;
  }
  return (label & 0x80) ? 0 : label;
}

namespace {
// The regularized upper incomplete gamma function Q(a, x) (series below
// a + 1, continued fraction above: Numerical Recipes, 6.2): the chi-square
// survival function is Q(df / 2, x / 2).
double gamma_q(double a, double x) {
  if (x <= 0) return 1.0;
  const double lg = std::lgamma(a);
  if (x < a + 1) {
    double sum = 1.0 / a, term = sum;
    for (int n = 1; n < 1000 && std::abs(term) > std::abs(sum) * 1e-15; ++n) term *= x / (a + n), sum += term;
    return std::max(0.0, 1.0 - sum * std::exp(-x + a * std::log(x) - lg));
  }
  double b = x + 1 - a, c = 1e300, d = 1 / b, h = d;
  for (int i = 1; i < 1000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::abs(d) < 1e-300) d = 1e-300;
    c = b + an / c;
    if (std::abs(c) < 1e-300) c = 1e-300;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::abs(del - 1) < 1e-15) break;
  }
  return std::exp(-x + a * std::log(x) - lg) * h;
}
}  // namespace

LossEstimate estimate_loss(const std::vector<uint64_t>& seen_k, uint32_t probes) {
  LossEstimate L;
  L.probes = probes;
  const double n = probes;
  double D = 0, K = 0;
  for (uint32_t k = 1; k < seen_k.size() && k <= probes; ++k) D += double(seen_k[k]), K += double(k) * seen_k[k];
  L.seen = uint64_t(D);
  if (probes < 2) return L.why_not = "the scan shows no retries", L;
  if (D == 0) return L.why_not = "no service seen", L;
  const double mean = K / D;
  if (mean <= 1.0) return L.why_not = "no service answered more than one probe", L;
  auto pi = [&](double p) { return 1.0 - std::pow(1.0 - p, n); };
  // p from the mean of the zero-truncated binomial: n p / pi(p) = mean (increasing in p).
  double lo = 1e-12, hi = 1.0 - 1e-12;
  if (mean >= n) {
    lo = hi;
  } else {
    for (int it = 0; it < 200; ++it) {
      const double mid = 0.5 * (lo + hi);
      (n * mid / pi(mid) < mean ? lo : hi) = mid;
    }
  }
  const double p = 0.5 * (lo + hi);
  // The model must fit: the counts of services seen k times against the
  // truncated binomial. A scan's services are never exactly alike (a duplicate
  // filter hides some repeats, some targets get an extra probe), so with
  // thousands of services a chi-square test rejects any model; what decides is
  // how far apart the two distributions are (total variation: the share of
  // services the model puts in another cell). Beyond 10% the repeats are not
  // one answer per probe (another mechanism) and no estimate is given; below,
  // the overdispersion chi-square / df widens the interval (quasi-likelihood).
  double phi = 1;
  {
    std::vector<double> obs_k, exp_k;
    double o_acc = 0, e_acc = 0, tv = 0;
    for (uint32_t k = 1; k <= probes; ++k) {
      const double logc = std::lgamma(n + 1) - std::lgamma(k + 1.0) - std::lgamma(n - k + 1);
      const double pk = std::exp(logc + k * std::log(p) + (n - k) * std::log1p(-p)) / pi(p);
      const double ok = k < seen_k.size() ? double(seen_k[k]) : 0.0;
      tv += std::abs(ok / D - pk);
      o_acc += ok;
      e_acc += D * pk;
      if (e_acc >= 5 || k == probes) obs_k.push_back(o_acc), exp_k.push_back(e_acc), o_acc = e_acc = 0;
    }
    L.fit_distance = tv / 2;
    if (exp_k.size() > 1 && exp_k.back() < 5) {  // a small last cell joins the one before
      obs_k[obs_k.size() - 2] += obs_k.back(), exp_k[exp_k.size() - 2] += exp_k.back();
      obs_k.pop_back(), exp_k.pop_back();
    }
    double x2 = 0;
    for (size_t i = 0; i < obs_k.size(); ++i) x2 += (obs_k[i] - exp_k[i]) * (obs_k[i] - exp_k[i]) / exp_k[i];
    const double df = double(obs_k.size()) - 2;  // cells - 1 (the total) - 1 (p)
    L.fit_p_value = df >= 1 ? gamma_q(df / 2, x2 / 2) : std::nan("");
    if (df >= 1) phi = std::max(1.0, x2 / df);
    L.overdispersion = phi;
    if (L.fit_distance > 0.1) {
      char why[200];
      std::snprintf(why, sizeof why,
                    "the counts of services seen 1..%u times are not one answer probability per probe: "
                    "the best such model puts %.0f%% of the services in another count", probes,
                    100 * L.fit_distance);
      L.why_not = why;
      return L;
    }
  }
  L.estimable = true;
  L.answer_probability = p;
  L.probe_loss = 1.0 - p;
  const double pi_hat = pi(p);
  L.services_estimated = D / pi_hat;
  const double f0 = L.services_estimated - D;
  L.missed_share = f0 / L.services_estimated;
  // Observed information of the truncated binomial log-likelihood in p.
  auto dl = [&](double q) {
    double g = 0;
    for (uint32_t k = 1; k < seen_k.size() && k <= probes; ++k)
      g += double(seen_k[k]) * (double(k) / q - (n - double(k)) / (1.0 - q));
    return g - D * n * std::pow(1.0 - q, n - 1) / pi(q);
  };
  double var_p = 0;
  if (p < 1.0 - 1e-9) {
    const double h = std::min(1e-6, 0.5 * std::min(p, 1.0 - p));
    const double info = -(dl(p + h) - dl(p - h)) / (2 * h);
    var_p = info > 0 ? phi / info : 0;
  }
  const double z = 1.959963984540054;
  L.probe_loss_low = std::clamp(1.0 - p - z * std::sqrt(var_p), 0.0, 1.0);
  L.probe_loss_high = std::clamp(1.0 - p + z * std::sqrt(var_p), 0.0, 1.0);
  const double dpi = n * std::pow(1.0 - p, n - 1);
  const double var_n =
      phi * D * (1.0 - pi_hat) / (pi_hat * pi_hat) + std::pow(D * dpi / (pi_hat * pi_hat), 2) * var_p;
  if (f0 <= 1e-9) {
    L.missed_low = L.missed_high = 0;
  } else {
    const double C = std::exp(z * std::sqrt(std::log(1.0 + var_n / (f0 * f0))));
    const double f_lo = f0 / C, f_hi = f0 * C;
    L.missed_low = f_lo / (D + f_lo);
    L.missed_high = f_hi / (D + f_hi);
  }
  return L;
}

LocalSequences local_sequences(const std::vector<ServiceEntry>& e) {
  auto cuts = split_at_hosts(e, size_t(omp_get_max_threads()));
  const size_t parts = cuts.size() - 1;
  std::vector<LocalSequences> part(parts);
  ThreadErrors errors;
#pragma omp parallel for schedule(static, 1)
  for (size_t p = 0; p < parts; ++p) errors.run([&] {
    LocalSequences& out = part[p];
    std::vector<Observation> group;
    for (size_t i = cuts[p]; i < cuts[p + 1];) {
      size_t j = i;
      while (j < cuts[p + 1] && e[j].key == e[i].key) ++j;
      group.clear();
      for (size_t k = i; k < j; ++k)
        if (e[k].known & kKnownTs)
          group.push_back({e[k].ts, e[k].reason, e[k].ttl, bool(e[k].known & kKnownReason),
                           bool(e[k].known & kKnownTtl)});
      if (group.size() == 1) {
        ++out.singles;
      } else if (group.size() > 1) {
        // Full order, so labels do not depend on the order rows arrived in.
        std::sort(group.begin(), group.end(), [](const Observation& a, const Observation& b) {
          return std::tie(a.ts, a.reason, a.ttl, a.has_reason, a.has_ttl) <
                 std::tie(b.ts, b.reason, b.ttl, b.has_reason, b.has_ttl);
        });
        if (out.starts.empty()) out.starts.push_back(0);
        out.keys.push_back(e[i].key);
        out.obs.insert(out.obs.end(), group.begin(), group.end());
        out.starts.push_back(out.obs.size());
      }
      i = j;
    }
  });
  errors.rethrow();
  LocalSequences all;
  all.starts.push_back(0);
  for (auto& p : part) {
    all.singles += p.singles;
    const uint64_t base = all.obs.size();
    all.keys.insert(all.keys.end(), p.keys.begin(), p.keys.end());
    all.obs.insert(all.obs.end(), p.obs.begin(), p.obs.end());
    for (size_t k = 1; k < p.starts.size(); ++k) all.starts.push_back(base + p.starts[k]);
  }
  return all;
}

CountMap local_seconds(const std::vector<ServiceEntry>& e) {
  // A bitmap over this rank's span (a scan of hours is a few kB), then one entry per second.
  CountMap seconds;
  uint32_t lo = UINT32_MAX, hi = 0;
  for (const auto& x : e)
    if (x.known & kKnownTs) lo = std::min(lo, x.ts), hi = std::max(hi, x.ts);
  if (lo > hi) return seconds;
  std::vector<bool> seen(size_t(hi - lo) + 1, false);
  for (const auto& x : e)
    if (x.known & kKnownTs) seen[x.ts - lo] = true;
  for (size_t k = 0; k < seen.size(); ++k)
    if (seen[k]) seconds.add(lo + k);
  return seconds;
}

Evidence local_evidence(const LocalSequences& q, const std::vector<uint32_t>& epochs) {
  Evidence ev;
  for (size_t i = 0; i < q.keys.size(); ++i)
    add_evidence(ev, q.obs.data() + q.starts[i], q.starts[i + 1] - q.starts[i], epochs);
  return ev;
}

LocalCauses local_causes(const LocalSequences& q, const Schedule& s, const std::vector<uint32_t>& epochs) {
  LocalCauses out;
  const uint32_t probes = s.retries + 1;
  out.seen_k.assign(probes + 1, 0);
  if (q.singles) out.seen_k[1] += q.singles;
  std::vector<uint8_t> repeat_causes;
  for (size_t i = 0; i < q.keys.size(); ++i) {
    const Observation* o = q.obs.data() + q.starts[i];
    const size_t n = q.starts[i + 1] - q.starts[i];
    repeat_causes.assign(n - 1, 0);
    const uint8_t label = classify(o, n, s, epochs, repeat_causes.data());
    out.services_by_label.add(label);
    out.repeats_by_label.add(label, n - 1);
    for (size_t k = 1; k < n; ++k) out.repeats_by_cause_gap.add((uint64_t(repeat_causes[k - 1]) << 32) | (o[k].ts - o[k - 1].ts));
    size_t first_segment = 1;
    while (first_segment < n && repeat_causes[first_segment - 1] != kSeparateScans) ++first_segment;
    out.seen_k[std::min<size_t>(first_segment, probes)] += 1;
    out.ip.push_back(key_ip(q.keys[i]));
    out.port.push_back(key_port(q.keys[i]));
    out.proto.push_back(key_proto(q.keys[i]));
    out.label.push_back(label);
    out.observations.push_back(uint32_t(n));
  }
  return out;
}

}  // namespace scanhpc::causes
