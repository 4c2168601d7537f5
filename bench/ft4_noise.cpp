// Makes a less compressible copy of an FT4 file, for benchmarks: our generator's FT4 deflates to
// 8-12 bytes a record (sorted keys, regular values), CAIDA's real files to about 26. Fields that
// vary in real data get random low bits (fixed seed, so the output is reproducible); the fields
// of the benchmark's question (netacq_country, common_ttls) and time are left as they are, so
// the answer of `flow top --field netacq_country --common ttls=...` does not change.
//   src_ip         low LEVEL bits random (real sources are spread over the whole space)
//   packet_cnt     + random 0..(2^(LEVEL/2)-1)
//   first_tcp_rwin random 16 bits; first_syn_length 40..71 (TCP rows only, where they are set)
//   prefix2asn     low 4 bits random
//   common_srcports values random 16 bits (ephemeral ports)
//   common_pktsizes values + random 0..15
// usage: ft4_noise IN.ft4.avro OUT.ft4.avro [LEVEL (default 12)]
// Blocks of 16 KiB of records (corsaro's default, like CAIDA's files), deflate level 6.
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

#include "scanhpc/flow/avro.hpp"

using namespace scanhpc::flow;

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr, "usage: ft4_noise IN.ft4.avro OUT.ft4.avro [LEVEL]\n");
    return 2;
  }
  const int level = argc > 3 ? std::atoi(argv[3]) : 12;
  FlowReadStats stats;
  Ft4Columns c = read_ft4_avro(argv[1], stats);
  std::mt19937_64 rng(20261206);
  const uint32_t src_mask = level >= 32 ? 0xFFFFFFFFu : (1u << level) - 1;
  const uint64_t cnt_mask = (uint64_t(1) << (level / 2)) - 1;
  for (size_t i = 0; i < c.size(); ++i) {
    const uint64_t r = rng();
    c.src_ip[i] ^= uint32_t(r) & src_mask;
    c.packet_cnt[i] += (r >> 32) & cnt_mask;
    if (c.protocol[i] == 6) {
      c.first_tcp_rwin[i] = uint16_t(r >> 40);
      c.first_syn_length[i] = uint16_t(40 + ((r >> 56) & 31));
    }
    c.prefix2asn[i] ^= uint32_t(r >> 60) & 15;
  }
  for (auto& v : c.common_srcports.value) v = uint32_t(rng() & 0xFFFF);
  for (auto& v : c.common_pktsizes.value) v += uint32_t(rng() & 15);
  FlowWriteOptions o;
  write_ft4_avro(argv[2], c, o);
  std::fprintf(stderr, "ft4_noise: %zu records (%llu rejected on reading) -> %s\n", c.size(),
               (unsigned long long)stats.records_rejected, argv[2]);
  return 0;
}
