#pragma once
// Deterministic synthetic honeypot logs in the marx CSV layout of seed 003
// (datetime,host,src,proto,type,spt,dpt; optionally the 15-column geo form),
// shaped for its questions ("ports as categories"):
//  - sensors with different base rates (groucho-eu, ..., zeppo-norcal),
//    each sensor-day varying by +-20 %;
//  - TCP ~73 %, UDP ~17 %, ICMP ~10 % of rows (as in marx); destination ports from
//    Zipf-like tables led by TCP 1433, 445, 3389, 80, 8080, 22, 3306 and UDP
//    5060, 53, 137, 1434, 56338, plus a random tail; TCP 1433 beside UDP
//    1434, and TCP 1434 only from neighbour probes (rare, as in seed 003);
//  - a monthly trend: TCP 23 gains weight month after month;
//  - bursts: on about one (sensor, day) per 15 days (at most 8) one port
//    gets a wave of extra rows (3x the sensor-day's base, >= 40) from
//    distinct sources within 4 hours (listed in the truth);
//  - repeating sources: a Zipf-like pool, sessions of 1-3 SYN retries
//    (same source port, +3 s, +9 s), so unique sources < rows;
//  - neighbour probing: 1.2 % of sessions on TCP 1433/3389/80/8080 go on
//    to port+1 20 s later;
//  - ICMP rows carry a type (8, 3, 0, 11) and empty ports;
//  - 0.5 % exact duplicate rows (the same line twice);
//  - geo form: per-source MaxMind-like columns, some locales with unquoted
//    commas ("Washington, D.C.") and failed lookups (IP + 8 empty fields),
//    as in marx-geo.csv.
// Rows are in time order (ties by generation order). The bytes depend only
// on the options (splitmix64 hashing, integer weights, no floating point).
// Memory: one day of rows.
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

namespace scanhpc::ports {

struct SynthHoneypotOptions {
  uint64_t seed = 1;
  uint32_t start_day = 15767;        // days since 1970-01-01; 15767 = 2013-03-03, marx's first day
  uint32_t days = 30;
  uint32_t sensors = 9;              // the first 9 get marx's host names, then sensor-10, ...
  uint32_t events_per_day = 2000;    // base rows per day over all sensors (before bursts and duplicates)
  bool geo = false;                  // the 15-column marx-geo form
};

struct HoneypotBurst {
  uint32_t sensor;  // index into the truth's sensor names
  uint32_t day;     // 0-based day of the run
  uint8_t proto;    // 6 or 17
  uint16_t port;
  uint32_t rows;    // extra rows written for the burst
};

// The planted truth, for tests and docs.
struct SynthHoneypotTruth {
  std::vector<std::string> sensors;
  std::vector<uint32_t> sensor_weight;  // relative base rates
  std::vector<HoneypotBurst> bursts;    // distinct (sensor, day) pairs
  uint16_t rising_tcp_port = 23;
  uint64_t rows = 0;            // data lines written (header excluded)
  uint64_t tcp_rows = 0, udp_rows = 0, icmp_rows = 0;
  uint64_t duplicate_rows = 0;  // rows written as an exact copy of the previous row
  uint64_t neighbour_probes = 0;  // rows to port+1 after a session on a popular port
  uint64_t comma_locale_rows = 0;  // geo rows whose locale or country holds a comma
  uint64_t failed_geo_rows = 0;    // geo rows written as IP + 8 empty fields
};

// The sensors and bursts only (no rows are made).
SynthHoneypotTruth plan_synth_honeypot(const SynthHoneypotOptions& options);

// Writes the CSV (header first) to `sink` in chunks of about 1 MiB.
SynthHoneypotTruth write_synth_honeypot(const SynthHoneypotOptions& options,
                                        const std::function<void(std::string_view)>& sink);
// The same bytes to a stdio stream; throws std::runtime_error on a write error.
SynthHoneypotTruth write_synth_honeypot(const SynthHoneypotOptions& options, std::FILE* out);

}  // namespace scanhpc::ports
