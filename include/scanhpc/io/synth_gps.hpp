#pragma once
// Deterministic synthetic ground truth for GPS (issue 3): the result of an
// all-ports masscan scan of `hosts` responsive hosts, with banners and
// planted co-occurrence structure that GPS's features can learn (the open
// port, the masscan service name, each '\n'-split banner line, the /16):
//  - device profiles with fixed port sets and characteristic banner lines
//    (cisco 80 + 60443 with "cisco-IOS" on port 80, windows 135/445/3389,
//    ssh beside mysql or postgres, web 80/443 (+22), mail, IoT telnet (+80
//    with a GoAhead banner), Elasticsearch 9200 + 5601, printers
//    80/443/631/9100, vendors whose admin UI sits on an unusual port named by
//    a banner line (UniFi 8080 -> 8443, MikroTik 80 -> 8291, Synology 5000 ->
//    5001, Hikvision 80 -> 8000 + 554));
//  - single-port hosts on common ports, and a long tail of single-port hosts
//    on random ports, most on a port that is popular in their /16 (found
//    only by /16 density);
//  - service sinks with 12-48 random open ports (GPS drops hosts > 10 ports);
//  - noise: 5 % of profile hosts miss one of their ports, a few hosts get
//    random extra ports, 8 % of services send no banner, 0.3 % of services
//    are seen twice (a retry);
//  - hosts clustered in hosts / hosts_per_slash16 /16s with Zipf weights (hot
//    /16s capped at 3/4 full),
//    some profiles concentrated in a few /16s of their own; IPs avoid 0/8,
//    10/8, 127/8 and 224/3.
// One status record per open service (plus retries), 0-3 banner records
// after it, records in non-decreasing timestamp order, hosts interleaved.
// The output depends only on the options (own splitmix64 hashing, integer
// thresholds, no std:: distributions, no floating point). Memory is
// O(number of /16s) plus a window of about a minute of records.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "scanhpc/io/masscan_writer.hpp"

namespace scanhpc {

struct SynthGpsOptions {
  uint64_t hosts = 1000;              // responsive hosts, at most 2^30
  uint64_t seed = 1;
  uint32_t ports_universe = 65535;    // random ports (tail, extras, sinks) are drawn from 1..this
  // Density: the scan spans hosts / this /16s (at least 16). Routed IPv4
  // /16s that answer at all hold thousands of responsive hosts, and GPS's
  // plan works at /16 granularity, so a much sparser default would make
  // every network look unlike the Internet GPS was measured on.
  uint32_t hosts_per_slash16 = 1024;
  std::string format = "json";        // used by the synth command to build the writer
  uint32_t start_time = 1700000000;   // first base time (Unix seconds)
  uint32_t duration_s = 6 * 3600;     // host base times spread over [start, start + duration)
  // Optional: called once per host with its address and its profile (an
  // index into synthetic_gps_profiles()): the planted truth, for tests.
  std::function<void(uint32_t ip, size_t profile)> on_host;
};

// A planted profile as listed for tests and docs. Hosts of a profile open
// every port of `ports` (noise may drop one) and each of `optional_ports`
// with the given percentage. The two single-port kinds list no fixed ports:
// "single" opens one port of `optional_ports` (weights not shown), "tail"
// one random port, "sink" 12-48 random ports.
struct SynthGpsProfile {
  std::string_view name;
  std::vector<uint16_t> ports;
  std::vector<uint16_t> optional_ports;
  std::vector<uint8_t> optional_percent;  // one per optional port (0 for "single")
  uint32_t weight;                        // share of hosts, out of 65536
  std::string_view marker_service;        // a banner record only this profile sends ("" if none)
  std::string_view marker_banner;         //   and its banner text (one whole line)
  uint16_t marker_port;                   //   on this port
  std::string_view description;
};

// The planted profiles, in the order of SynthGpsSummary::profile_hosts.
const std::vector<SynthGpsProfile>& synthetic_gps_profiles();

struct SynthGpsSummary {
  uint64_t hosts = 0;
  uint64_t services = 0;        // distinct (ip, port)
  uint64_t status_records = 0;  // services + retries
  uint64_t banner_records = 0;
  uint64_t records = 0;         // status + banner records
  std::vector<uint64_t> profile_hosts;  // indexed like synthetic_gps_profiles()
};

// Throws std::invalid_argument naming the offending option.
void validate(const SynthGpsOptions& options);

// Writes the scan to `writer` and calls writer.finish().
SynthGpsSummary write_synthetic_gps(const SynthGpsOptions& options, MasscanWriter& writer);

}  // namespace scanhpc
