#pragma once
// Internal to synth_flowtuple.cpp: the fixed "world" of the synthetic
// telescope (source populations, geo and ASN per source /16, sweepers),
// derived from the options only.
#include <array>
#include <cstdint>
#include <vector>

#include "scanhpc/flow/synth_flowtuple.hpp"

namespace scanhpc::flow::synth {

enum class Pop : uint8_t { high_ttl, telnet, backscatter, icmp_scan, icmp_unreach, udp, gre, noise, steady130, count };

struct Source {
  uint32_t ip = 0;
  uint8_t ttl = 64;     // the source's TTL at the telescope (initial TTL minus hops)
  uint16_t sport = 0;   // a fixed source port, where the profile has one
  uint8_t flavor = 0;   // a per-profile variant (e.g. masscan-like or not)
};

struct Sweeper {
  Source source;
  uint32_t dst_net16 = 0;
  uint16_t dst_port = 0;
  uint64_t perm_key = 0;  // the permutation of the /16's 65536 hosts
  uint64_t offset = 0;
};

struct Geo {
  Code2 maxmind_continent = kUnknownCode2, maxmind_country = kUnknownCode2;
  Code2 netacq_continent = kUnknownCode2, netacq_country = kUnknownCode2;
  uint32_t asn = 0;
};

// A keyed bijection of 16-bit values (a /16's host part).
uint32_t feistel16(uint64_t key, uint32_t x);

class World {
 public:
  explicit World(const SynthFlowOptions& opt);  // throws std::invalid_argument on bad options

  const SynthFlowOptions opt;
  const uint64_t seed;
  const uint64_t telescope_size;  // addresses
  std::vector<Sweeper> sweepers;

  const std::vector<Source>& pop(Pop p) const { return pops_[size_t(p)]; }
  // Geo tags and ASN are functions of the source /16.
  Geo geo(uint32_t src_ip) const;
  // Sets the geo and ASN tags and the is_spoofed / is_masscan flags.
  void tag(Ft3Record& r) const;

 private:
  Source make_source(Pop p, uint32_t i, Code2 want_country) const;
  bool usable_source(uint32_t ip) const;
  std::array<std::vector<Source>, size_t(Pop::count)> pops_;
};

}  // namespace scanhpc::flow::synth
