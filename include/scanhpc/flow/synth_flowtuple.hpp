#pragma once
// Deterministic synthetic FT3 telescope traffic (UCSD-NT-like darknet), one
// minute at a time, with planted truths for tests and for the questions of
// the DUST 2021 demo (top countries at TTL >= 200, 130.0.0.0/8 series,
// Russian /16 sweepers). Profiles and proportions: docs/flowtuple-convert.md.
#include <cstdint>
#include <functional>
#include <vector>

#include "scanhpc/flow/flowtuple.hpp"

namespace scanhpc::flow {

struct SynthFlowOptions {
  uint64_t seed = 1;
  uint32_t start_time = 1612130100;  // rounded down to a minute
  uint32_t minutes = 60;
  // Background records per minute at the daily mean (the rate varies by
  // -30%..+30% over a UTC day); duplicates on the FT3 key merge, so a minute
  // holds a little fewer. The sweepers come on top.
  uint32_t records_per_minute = 100000;
  uint32_t telescope_net = 0x2C000000;  // 44.0.0.0
  uint32_t telescope_prefix_len = 8;    // 8..16
  // Masscan-like /16 sweepers: each walks a permutation of one telescope /16
  // at sweep_per_minute addresses a minute (1100: >= 60,000 in 55 minutes).
  uint32_t sweepers = 6;
  uint32_t sweep_per_minute = 1100;
  uint32_t sources_130 = 32;  // steady sources in 130.0.0.0/8, active every minute
  // Sources of each background population per record a minute, times this:
  // 1 gives a few thousand sources for 10^5 records a minute; larger values
  // give the source diversity of a real telescope (hundreds of thousands of
  // distinct sources an interval), a family with many more keys.
  uint32_t population_scale = 1;
  // Every source inside this prefix when source_prefix_len > 0 (the skewed
  // family for benchmarks: all sources in one /16; the 130/8 sources and the
  // sweepers' countries are then not planted).
  uint32_t source_net = 0;
  uint32_t source_prefix_len = 0;  // 0: sources anywhere; else 8..24
};

// A planted /16 sweeper: for tests and for checking answers.
struct PlantedSweeper {
  uint32_t src_ip = 0;
  uint32_t dst_net16 = 0;  // the telescope /16 it sweeps
  uint16_t dst_port = 0;
  Code2 netacq_country = kUnknownCode2;
};
std::vector<PlantedSweeper> planted_sweepers(const SynthFlowOptions& opt);

// Calls emit once per minute, in time order, with that minute's FT3 records
// (time = minute_start), unique on the FT3 key (src_ip, dst_ip, src_port,
// dst_port, protocol, ttl, tcp_flags, ip_len) and sorted by it. The output
// depends only on `opt`. Throws std::invalid_argument on bad options.
void generate_ft3(const SynthFlowOptions& opt,
                  const std::function<void(uint32_t minute_start, const Ft3Columns& minute)>& emit);

// The reference's is_spoofed / is_masscan rules that an FT3 record can show
// (libcorsaro_filtering.c; fragments and TCP options are not modelled).
bool masscan_by_rules(const Ft3Record& r);
bool spoofed_by_rules(const Ft3Record& r);

}  // namespace scanhpc::flow
