#pragma once
// Why a service was seen more than once (issue 14, seed 000): the scanner's
// retries, the target's SYN-ACK retransmissions, or separate scans; what the
// timestamps say about the scanner's retry schedule; and, where it retried,
// how many services answered no probe (capture-recapture). MPI-free.
//
// Two passes. Evidence (integer counts of the repeats' offsets from their
// segment's first sighting) is summed over ranks; infer_schedule turns the sum
// into the scan's schedule, the same on every rank; classify labels each
// service's sequence under that schedule. docs/multiprobe-causes.md says what
// each cause looks like on the wire and how it was measured (tests/netlab).
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "scanhpc/core/countmap.hpp"
#include "scanhpc/kernels/services.hpp"

namespace scanhpc::causes {

// Label bits of a service (0 = repeats none of the causes explains).
constexpr uint8_t kRetry = 1;           // the scanner probed again (masscan --retries, ZMap --probes)
constexpr uint8_t kRetransmission = 2;  // the target's SYN-ACK timer (no RST reached it)
constexpr uint8_t kSeparateScans = 4;   // seen again in a later scan of the file, or with another reason
// A silence of more than this many seconds in the whole file's observations
// separates two scans: the longest Linux SYN-ACK schedule (6 retransmissions,
// 1 + 2 + ... + 32 s) is over by 63 s, and a scan's own probes and answers
// keep coming until it ends.
constexpr uint32_t kSeparateGapSeconds = 64;
constexpr uint32_t kMaxOffset = 64;     // offsets histogrammed 0..64 (64: 64 and more)

// The seconds where a scan starts: the first second with an observation and
// each one after a silence longer than kSeparateGapSeconds. Input: the
// seconds that have observations (summed over ranks), sorted.
std::vector<uint32_t> epoch_starts(const std::vector<CountEntry>& seconds_with_observations);

// "unknown", "scanner retries", "target retransmissions", "retries and retransmissions",
// "separate scans", "separate scans with retries", ... (label bits -> words).
std::string label_name(uint8_t label);

struct Evidence {
  std::array<uint64_t, kMaxOffset + 1> offsets{};  // repeats by offset from their segment's first sighting
  // The offsets the SYN-ACK timer's ladder (1, 3, 7, 15, 31 s) does not take,
  // each step taking one repeat: where a scan has retries as well, these are theirs.
  std::array<uint64_t, kMaxOffset + 1> beyond_retransmissions{};
  uint64_t repeats() const;                        // observations after the first of a segment
  void merge(const Evidence& o);
  std::vector<uint64_t> words() const;             // fixed length (130), for an integer allreduce
  static Evidence from_words(const std::vector<uint64_t>& w);
};

// The scan's schedule as the offsets show it.
struct Schedule {
  uint32_t retry_spacing_tenths = 0;  // tenths of a second between a service's probes; 0: no retries seen
  uint32_t ladder_tenths = 0;  // the spacing whose whole-second windows hold the repeats (classify uses it)
  uint32_t retries = 0;        // probes per service - 1, as the ladder of offsets shows it
  bool immediate_retries = false;  // repeats in the same second (ZMap --probes style)
  bool retransmissions = false;    // the doubling ladder 1, 3, 7, 15, 31 s (Linux) is there
  double explained = 0;        // share of repeats at offsets the schedule predicts
};

// One service's observations, sorted by time. Observations without a
// timestamp are left out by the caller.
struct Observation {
  uint32_t ts = 0;
  uint8_t reason = 0, ttl = 0;
  bool has_reason = false, has_ttl = false;
};

// Adds the offsets of one service's repeats (from its first sighting in the same scan).
void add_evidence(Evidence& e, const Observation* obs, size_t n, const std::vector<uint32_t>& epochs);
Schedule infer_schedule(const Evidence& e);

// The service's label bits, and each repeat's cause (one of kRetry,
// kRetransmission, kRetry | kRetransmission when its offset fits both,
// kSeparateScans, 0 unknown), written to `repeat_causes` (n - 1 entries).
uint8_t classify(const Observation* obs, size_t n, const Schedule& s, const std::vector<uint32_t>& epochs,
                 uint8_t* repeat_causes);

// Capture-recapture over the retries: each of `probes` probes of a service is
// answered (and reported) with probability p, independently; the services
// seen k times (k = 1..probes) follow a zero-truncated binomial. From the
// counts seen_k[k] (k = 1..probes; index 0 unused): p by maximum likelihood,
// the share of services that answered no probe, (1 - p)^probes, and a 95%
// interval for the share of services missed (log-normal interval for the
// number missed, Chao 1987, with the variance of the Horvitz-Thompson count).
// Not estimable when the fitted counts are more than 10% of the services away
// from the observed (total variation); the interval is widened by the
// overdispersion (chi-square / df) when the fit is merely imperfect.
struct LossEstimate {
  bool estimable = false;
  std::string why_not;           // when not estimable
  uint64_t seen = 0;             // services seen at least once
  uint32_t probes = 0;
  double answer_probability = 0; // p: a probe's SYN-ACK reported
  double probe_loss = 0;         // 1 - p, with its 95% interval
  double probe_loss_low = 0, probe_loss_high = 0;
  double missed_share = 0;       // services that answered no probe / all services
  double missed_low = 0, missed_high = 0;
  double services_estimated = 0; // seen + missed
  double fit_p_value = 0;        // chi-square test of the truncated binomial (NaN: too few cells)
  double fit_distance = 0;       // total variation between the observed and fitted counts
  double overdispersion = 1;     // chi-square / df (at least 1): the interval's variance factor
};
LossEstimate estimate_loss(const std::vector<uint64_t>& seen_k, uint32_t probes);

// This rank's services seen more than once (with timestamps), each as its
// observations sorted by time; services seen once are only counted.
struct LocalSequences {
  std::vector<uint64_t> keys;      // service keys, ascending
  std::vector<uint64_t> starts;    // keys.size() + 1 offsets into obs
  std::vector<Observation> obs;
  uint64_t singles = 0;            // services with one timestamped observation
};
LocalSequences local_sequences(const std::vector<ServiceEntry>& sorted);
// Each second with an observation here -> 1 (summed over ranks, for epoch_starts).
CountMap local_seconds(const std::vector<ServiceEntry>& sorted);
Evidence local_evidence(const LocalSequences& seqs, const std::vector<uint32_t>& epochs);

// The labels of this rank's sequences under the scan's schedule.
struct LocalCauses {
  CountMap services_by_label;      // label -> services
  CountMap repeats_by_label;       // label -> repeats (observations after a service's first)
  CountMap repeats_by_cause_gap;   // repeat cause << 32 | seconds since the previous observation -> repeats
  std::vector<uint64_t> seen_k;    // [k]: services whose first segment holds k observations (k <= probes)
  // One row per service seen more than once, in key order.
  std::vector<uint32_t> ip;
  std::vector<uint16_t> port;
  std::vector<uint8_t> proto, label;
  std::vector<uint32_t> observations;
};
LocalCauses local_causes(const LocalSequences& seqs, const Schedule& s, const std::vector<uint32_t>& epochs);

}  // namespace scanhpc::causes
