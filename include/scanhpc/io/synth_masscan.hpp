#pragma once
// Deterministic synthetic masscan scans, shaped after a real IPv4-wide scan
// (2021, 11 TCP ports, 64.8 M services; see shared/seeds/000 and 001):
//  - exactly `services` distinct (ip, port) pairs;
//  - hosts with 1 port mostly, a geometric tail up to 10 ports;
//  - hosts clustered in /16s with Zipf weights (a few hot /16s hold a large
//    share), anywhere in IPv4 except 0/8, 10/8, 127/8 and 224/3;
//  - ports from the scan's 11 ports (80 and 443 most common) plus a small
//    tail of other ports;
//  - probes per service in the exact proportions of the published countmap
//    {1: 64774182, 2: 13038, 3: 750, 4: 27, 5: 1}, the multiprobe classes
//    optionally scaled by `multiprobe_boost`; the intervals between probes
//    drawn from the published 30-entry interval countmap;
//  - one reason per service (syn-ack dominant), one ttl per host;
//  - optional banner records (http, title, ssh, ftp, ...);
//  - records in non-decreasing timestamp order, hosts interleaved.
// Output bytes depend only on the options: integer arithmetic and own PRNGs
// throughout (no std:: distributions, no floating point after the two
// user-given fractions are converted to fixed point).
// Memory is O(number of /16s), independent of `services`: records are made
// second by second from keyed permutations of the service index.
#include <array>
#include <cstdint>
#include <string>

#include "scanhpc/io/masscan_writer.hpp"

namespace scanhpc {

struct SynthMasscanOptions {
  uint64_t services = 1000;         // distinct (ip, port) pairs, at most 2^31
  uint64_t seed = 1;
  double banner_fraction = 0;       // share of services with banner records, [0, 1]
  double multiprobe_boost = 1;      // factor on the 2..5-probe classes, [0, 1e6]
  std::string format = "json";      // used by the synth command to build the writer
  uint32_t start_time = 1619500000; // first base time (Unix seconds)
  uint32_t duration_s = 4 * 3600;   // base times spread over [start, start + duration)
};

// Throws std::invalid_argument naming the offending option.
void validate(const SynthMasscanOptions& options);

// Number of services with k probes, index k-1 (k = 1..5), for these options:
// the largest-remainder split of `services` in the proportions of the
// published countmap with classes k >= 2 scaled by multiprobe_boost.
std::array<uint64_t, 5> synthetic_probe_classes(const SynthMasscanOptions& options);

// Writes the scan to `writer` and calls writer.finish(). Returns the number
// of records written (status and banner records).
uint64_t write_synthetic_masscan(const SynthMasscanOptions& options, MasscanWriter& writer);

}  // namespace scanhpc
