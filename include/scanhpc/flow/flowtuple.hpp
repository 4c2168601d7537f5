#pragma once
// CAIDA STARDUST flowtuple records (FT3 and FT4) in memory, MPI-free.
// Schemas and field meanings: ../shared/reference/flowtuple.md.
//
// Records are held as columns (structure of arrays): IPs, nets and times as
// u32, countries and continents as 2-byte codes, and each FT4 "common value"
// array as offsets plus values plus packet-count frequencies. A row-wise
// struct (Ft3Record, Ft4Record) exists for tests, hand-made cases and
// conversion code that is clearer row by row.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace scanhpc::flow {

// A two-character tag ("US", "EU", "??") packed as (c0 << 8) | c1.
using Code2 = uint16_t;
constexpr Code2 kUnknownCode2 = (uint16_t('?') << 8) | uint16_t('?');
// nullopt unless `text` is exactly 2 bytes.
std::optional<Code2> parse_code2(std::string_view text);
std::string code2_text(Code2 code);

enum class Protocol : uint8_t { icmp = 1, tcp = 6, udp = 17 };

// ------------------------------------------------------------------ FT3 --
// One FT3 record: a raw-packet flow of one 60 s interval (corsarotrace).
// For ICMP, src_port holds the type and dst_port the code.
struct Ft3Record {
  uint32_t time = 0;
  uint32_t src_ip = 0, dst_ip = 0;
  uint16_t src_port = 0, dst_port = 0;
  uint8_t protocol = 0, ttl = 0, tcp_flags = 0;
  uint16_t ip_len = 0, tcp_synlen = 0, tcp_synwinlen = 0;
  uint64_t packet_cnt = 0;
  uint8_t is_spoofed = 0, is_masscan = 0;
  Code2 maxmind_continent = kUnknownCode2, maxmind_country = kUnknownCode2;
  Code2 netacq_continent = kUnknownCode2, netacq_country = kUnknownCode2;
  uint32_t prefix2asn = 0;
  friend bool operator==(const Ft3Record&, const Ft3Record&) = default;
};

struct Ft3Columns {
  std::vector<uint32_t> time, src_ip, dst_ip;
  std::vector<uint16_t> src_port, dst_port;
  std::vector<uint8_t> protocol, ttl, tcp_flags;
  std::vector<uint16_t> ip_len, tcp_synlen, tcp_synwinlen;
  std::vector<uint64_t> packet_cnt;
  std::vector<uint8_t> is_spoofed, is_masscan;
  std::vector<Code2> maxmind_continent, maxmind_country, netacq_continent, netacq_country;
  std::vector<uint32_t> prefix2asn;

  size_t size() const { return time.size(); }
  void reserve(size_t rows);  // capacity for `rows` rows in all (growing columns costs page faults)
  void push_back(const Ft3Record& r);
  Ft3Record row(size_t i) const;
  void append(const Ft3Columns& other);
  void clear();  // no rows; the capacity stays
};

// ------------------------------------------------------------------ FT4 --
struct CommonValue {
  uint32_t value = 0;
  uint64_t freq = 0;  // packets, not a fraction
  friend bool operator==(const CommonValue&, const CommonValue&) = default;
};

// One FT4 record: a flow aggregated over an interval by (src_ip, dst_net,
// dst_port | ICMP type<<8|code | protocol), as ftconvert writes it.
struct Ft4Record {
  uint32_t time = 0;
  uint32_t src_ip = 0, dst_net = 0;
  uint16_t dst_port = 0;
  uint8_t protocol = 0;
  uint64_t packet_cnt = 0;
  uint32_t uniq_dst_ips = 0, uniq_pkt_sizes = 0, uniq_ttls = 0, uniq_src_ports = 0, uniq_tcp_flags = 0;
  uint16_t first_syn_length = 0, first_tcp_rwin = 0;
  std::vector<CommonValue> common_pktsizes, common_ttls, common_srcports, common_tcpflags;
  Code2 maxmind_continent = kUnknownCode2, maxmind_country = kUnknownCode2;
  Code2 netacq_continent = kUnknownCode2, netacq_country = kUnknownCode2;
  uint32_t prefix2asn = 0;
  uint64_t spoofed_packet_cnt = 0, masscan_packet_cnt = 0;  // 0 in files of the older variant
  friend bool operator==(const Ft4Record&, const Ft4Record&) = default;
};

// A variable-length array column: row i holds value/freq [begin[i], begin[i+1]).
struct CommonColumn {
  std::vector<uint64_t> begin{0};
  std::vector<uint32_t> value;
  std::vector<uint64_t> freq;
  size_t rows() const { return begin.size() - 1; }
  void reserve(size_t rows, size_t values);
  void push_back(const std::vector<CommonValue>& row);
  std::vector<CommonValue> row(size_t i) const;
  void append(const CommonColumn& other);
  void clear();
  friend bool operator==(const CommonColumn&, const CommonColumn&) = default;
};

struct Ft4Columns {
  std::vector<uint32_t> time, src_ip, dst_net;
  std::vector<uint16_t> dst_port;
  std::vector<uint8_t> protocol;
  std::vector<uint64_t> packet_cnt;
  std::vector<uint32_t> uniq_dst_ips, uniq_pkt_sizes, uniq_ttls, uniq_src_ports, uniq_tcp_flags;
  std::vector<uint16_t> first_syn_length, first_tcp_rwin;
  CommonColumn common_pktsizes, common_ttls, common_srcports, common_tcpflags;
  std::vector<Code2> maxmind_continent, maxmind_country, netacq_continent, netacq_country;
  std::vector<uint32_t> prefix2asn;
  std::vector<uint64_t> spoofed_packet_cnt, masscan_packet_cnt;

  size_t size() const { return time.size(); }
  // Capacity for `rows` rows and `values_per_array` values in each common-value array.
  void reserve(size_t rows, size_t values_per_array);
  void push_back(const Ft4Record& r);
  Ft4Record row(size_t i) const;
  void append(const Ft4Columns& other);
  void clear();  // no rows; the capacity stays
};

}  // namespace scanhpc::flow
