// FT3 -> FT4 conversion against a plainly written sequential oracle
// (std::map / std::set, ftconvert's double threshold copied literally) on
// random inputs; thread-count independence; src_ip partitions merged.
#include <omp.h>

#include <catch2/catch.hpp>
#include <map>
#include <set>

#include "flow_test_support.hpp"
#include "scanhpc/core/random.hpp"
#include "scanhpc/flow/convert.hpp"

using namespace scanhpc::flow;
using namespace flowtest;

namespace {

// ---------------------------------------------------------------- oracle
struct OracleKey {
  uint32_t time;
  int protocol_class;  // ICMP, TCP, UDP, other
  uint32_t src, net, tail;
  auto operator<=>(const OracleKey&) const = default;
};

struct OracleFlow {
  Ft3Record first;
  std::set<uint32_t> dst_low;
  std::map<uint32_t, uint64_t> sizes, ttls, sports, flags;
  uint64_t total = 0, spoofed = 0, masscan = 0;
};

// ftconvert's QUALITY_RATIO, copied.
double code_ratio(size_t distinct, uint64_t pkts) {
  if (pkts < 10) {
    if (distinct < 4) return 1.0;
    if (distinct < 7) return 0.5;
    return 0.33;
  }
  if (distinct < 15) return 0.33;
  return 0.2;
}
// The CAIDA web page's table.
double doc_ratio(uint64_t pkts) {
  if (pkts <= 4) return 1.0;
  if (pkts <= 6) return 0.5;
  if (pkts <= 14) return 0.33;
  return 0.2;
}

std::vector<CommonValue> oracle_common(const std::map<uint32_t, uint64_t>& m, uint64_t total, bool doc) {
  const double ratio = doc ? doc_ratio(total) : code_ratio(m.size(), total);
  std::vector<CommonValue> out;
  for (const auto& [value, count] : m) {
    if (double(count) >= ratio * double(total)) out.push_back({value, count});
    if (out.size() == 5) break;
  }
  return out;
}

std::vector<Ft4Record> oracle_convert(const Ft3Columns& in, uint32_t prefix, uint32_t interval, bool doc) {
  const uint32_t mask = prefix == 16 ? 0xFFFF0000u : 0xFFFFFF00u;
  std::map<OracleKey, OracleFlow> flows;
  for (size_t i = 0; i < in.size(); ++i) {
    const Ft3Record r = in.row(i);
    OracleKey k{r.time - r.time % interval, 3, r.src_ip, r.dst_ip & mask, r.protocol};
    if (r.protocol == 1) k = {k.time, 0, k.src, k.net, uint32_t(r.src_port << 8 | r.dst_port)};
    if (r.protocol == 6) k = {k.time, 1, k.src, k.net, r.dst_port};
    if (r.protocol == 17) k = {k.time, 2, k.src, k.net, r.dst_port};
    auto [it, fresh] = flows.try_emplace(k);
    OracleFlow& f = it->second;
    if (fresh) f.first = r;
    f.dst_low.insert(r.dst_ip & 0xFFFF);
    f.sizes[r.ip_len] += r.packet_cnt;
    f.ttls[r.ttl] += r.packet_cnt;
    if (r.protocol == 6 || r.protocol == 17) f.sports[r.src_port] += r.packet_cnt;
    if (r.protocol == 6) f.flags[r.tcp_flags] += r.packet_cnt;
    f.total += r.packet_cnt;
    if (r.is_spoofed) f.spoofed += r.packet_cnt;
    if (r.is_masscan) f.masscan += r.packet_cnt;
  }
  std::vector<Ft4Record> out;
  for (const auto& [k, f] : flows) {
    Ft4Record r;
    r.time = k.time; r.src_ip = k.src; r.dst_net = k.net;
    r.dst_port = k.protocol_class == 3 ? 0 : uint16_t(k.tail);
    r.protocol = f.first.protocol;
    r.packet_cnt = f.total;
    r.uniq_dst_ips = uint32_t(f.dst_low.size());
    r.uniq_pkt_sizes = uint32_t(f.sizes.size()); r.uniq_ttls = uint32_t(f.ttls.size());
    r.uniq_src_ports = uint32_t(f.sports.size()); r.uniq_tcp_flags = uint32_t(f.flags.size());
    r.first_syn_length = f.first.tcp_synlen; r.first_tcp_rwin = f.first.tcp_synwinlen;
    r.common_pktsizes = oracle_common(f.sizes, f.total, doc);
    r.common_ttls = oracle_common(f.ttls, f.total, doc);
    r.common_srcports = oracle_common(f.sports, f.total, doc);
    r.common_tcpflags = oracle_common(f.flags, f.total, doc);
    r.maxmind_continent = f.first.maxmind_continent; r.maxmind_country = f.first.maxmind_country;
    r.netacq_continent = f.first.netacq_continent; r.netacq_country = f.first.netacq_country;
    r.prefix2asn = f.first.prefix2asn;
    r.spoofed_packet_cnt = f.spoofed; r.masscan_packet_cnt = f.masscan;
    out.push_back(r);
  }
  return out;
}

// ---------------------------------------------------------------- inputs
// Random FT3 rows over a small universe so that flows collect many rows and
// values repeat; `sources` controls how many flows there are.
Ft3Columns random_ft3(uint64_t seed, size_t n, uint32_t sources) {
  scanhpc::SplitMix64 rng{seed};
  const uint8_t protos[] = {1, 6, 6, 6, 17, 17, 47, 50};
  const char* countries[] = {"CN", "US", "RU", "BR", "??"};
  Ft3Columns in;
  uint32_t time = 1600000000 + uint32_t(rng.below(600));
  for (size_t i = 0; i < n; ++i) {
    if (rng.below(100) == 0) time += 60;            // files of non-decreasing time
    if (rng.below(2000) == 0) time -= uint32_t(rng.below(120));  // and a later file starting earlier
    Ft3Record r;
    r.time = time - time % 60;
    r.src_ip = uint32_t(scanhpc::mix64(seed * 1000 + rng.below(sources)));
    const uint32_t b = uint32_t(rng.below(3)), c = uint32_t(rng.below(3)), d = uint32_t(rng.below(256));
    r.dst_ip = ip(44, b, c, d);
    r.protocol = protos[rng.below(8)];
    r.src_port = uint16_t(rng.below(5) == 0 ? rng.below(65536) : 1000 + rng.below(4));
    r.dst_port = uint16_t(rng.below(4));
    if (r.protocol == 1) r.src_port = uint16_t(rng.below(2) ? 8 : 3);
    r.ttl = uint8_t(rng.below(3) == 0 ? 240 : 50 + rng.below(4));
    r.tcp_flags = r.protocol == 6 ? uint8_t(rng.below(2) ? 2 : 18) : 0;
    r.ip_len = uint16_t(40 + 4 * rng.below(3));
    r.tcp_synlen = uint16_t(rng.below(40));
    r.tcp_synwinlen = uint16_t(rng.below(65536));
    r.packet_cnt = rng.below(10) == 0 ? rng.below(200) : 1 + rng.below(4);  // sometimes 0
    r.is_spoofed = uint8_t(rng.below(4) == 0);
    r.is_masscan = uint8_t(rng.below(4) == 0);
    r.netacq_country = r.maxmind_country = cc(countries[rng.below(5)]);
    r.netacq_continent = cc(rng.below(2) ? "EU" : "AS");
    r.prefix2asn = uint32_t(rng.below(5));
    in.push_back(r);
  }
  return in;
}

// Rows of `in` with lo <= src_ip < hi, in input order.
Ft3Columns src_range(const Ft3Columns& in, uint64_t lo, uint64_t hi) {
  Ft3Columns out;
  for (size_t i = 0; i < in.size(); ++i) {
    if (in.src_ip[i] >= lo && in.src_ip[i] < hi) out.push_back(in.row(i));
  }
  return out;
}

}  // namespace

TEST_CASE("flow convert: equals the sequential oracle on random inputs", "[flow-convert]") {
  for (uint64_t seed = 1; seed <= 6; ++seed) {
    const Ft3Columns in = random_ft3(seed, 3000, 6);
    for (uint32_t prefix : {16u, 24u}) {
      for (uint32_t interval : {60u, 300u}) {
        for (bool doc : {false, true}) {
          INFO("seed " << seed << " prefix " << prefix << " interval " << interval << " doc " << doc);
          const ConvertOptions opt{prefix, interval, doc ? QualityRule::doc : QualityRule::code};
          const auto want = texts(oracle_convert(in, prefix, interval, doc));
          CHECK(first_difference(texts(convert_ft3_to_ft4(in, opt)), want) == "");
        }
      }
    }
  }
}

TEST_CASE("flow convert: many flows, 1 versus 2 threads, partitions by src_ip", "[flow-convert]") {
  const Ft3Columns in = random_ft3(99, 200000, 3000);
  const int threads_before = omp_get_max_threads();
  omp_set_num_threads(1);
  const Ft4Columns one = convert_ft3_to_ft4(in);
  omp_set_num_threads(2);
  const Ft4Columns two = convert_ft3_to_ft4(in);
  omp_set_num_threads(threads_before);
  REQUIRE(one.size() > 3 * 2048);  // several work chunks
  const auto whole = texts(one);
  CHECK(first_difference(texts(two), whole) == "");
  CHECK(first_difference(whole, texts(oracle_convert(in, 16, 300, false))) == "");

  // Split by src_ip ranges (each part keeps input order), convert, merge.
  const uint64_t cuts[] = {0, 0x40000000, 0x9000000f, uint64_t(1) << 32};
  std::vector<Ft4Columns> parts;
  for (int p = 0; p < 3; ++p) parts.push_back(convert_ft3_to_ft4(src_range(in, cuts[p], cuts[p + 1])));
  CHECK(parts[0].size() > 0);
  CHECK(parts[2].size() > 0);
  CHECK(first_difference(texts(merge_ft4_parts(parts)), whole) == "");
  // merging the parts in another order gives the same
  std::vector<Ft4Columns> reversed(parts.rbegin(), parts.rend());
  CHECK(first_difference(texts(merge_ft4_parts(reversed)), whole) == "");
  // a flow in two parts is refused
  const std::vector<Ft4Columns> twice = {parts[0], parts[0]};
  CHECK_THROWS_AS(merge_ft4_parts(twice), std::invalid_argument);
}
