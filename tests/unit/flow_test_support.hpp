#pragma once
// Helpers shared by the [flow-convert] and [flow-synth] tests: literal FT3
// rows, literal FT4 records, and a text form so that failures show fields.
#include <algorithm>
#include <sstream>
#include <string>

#include "scanhpc/flow/flowtuple.hpp"

namespace flowtest {
using namespace scanhpc::flow;

constexpr uint32_t ip(uint32_t a, uint32_t b, uint32_t c, uint32_t d) { return a << 24 | b << 16 | c << 8 | d; }
inline Code2 cc(const char* s) { return *parse_code2(s); }

inline Ft3Record ft3(uint32_t time, uint32_t src, uint32_t dst, uint16_t sport, uint16_t dport, uint8_t proto,
                     uint8_t ttl, uint8_t flags, uint16_t len, uint64_t pkts) {
  Ft3Record r;
  r.time = time; r.src_ip = src; r.dst_ip = dst; r.src_port = sport; r.dst_port = dport; r.protocol = proto;
  r.ttl = ttl; r.tcp_flags = flags; r.ip_len = len; r.packet_cnt = pkts;
  return r;
}

// uniq = {dst_ips, pkt_sizes, ttls, src_ports, tcp_flags}
struct Uniq {
  uint32_t dst, sizes, ttls, sports, flags;
};
inline Ft4Record ft4(uint32_t time, uint32_t src, uint32_t net, uint16_t port, uint8_t proto, uint64_t pkts, Uniq u) {
  Ft4Record r;
  r.time = time; r.src_ip = src; r.dst_net = net; r.dst_port = port; r.protocol = proto; r.packet_cnt = pkts;
  r.uniq_dst_ips = u.dst; r.uniq_pkt_sizes = u.sizes; r.uniq_ttls = u.ttls; r.uniq_src_ports = u.sports;
  r.uniq_tcp_flags = u.flags;
  return r;
}

inline std::string text(const std::vector<CommonValue>& v) {
  std::string s = "[";
  for (const auto& c : v) s += std::to_string(c.value) + ":" + std::to_string(c.freq) + " ";
  return s + "]";
}
inline std::string text(const Ft4Record& r) {
  std::ostringstream o;
  o << "t=" << r.time << " src=" << r.src_ip << " net=" << r.dst_net << " port=" << r.dst_port
    << " proto=" << int(r.protocol) << " pkts=" << r.packet_cnt << " uniq=" << r.uniq_dst_ips << "/"
    << r.uniq_pkt_sizes << "/" << r.uniq_ttls << "/" << r.uniq_src_ports << "/" << r.uniq_tcp_flags
    << " syn=" << r.first_syn_length << "/" << r.first_tcp_rwin << " sizes=" << text(r.common_pktsizes)
    << " ttls=" << text(r.common_ttls) << " sports=" << text(r.common_srcports) << " flags=" << text(r.common_tcpflags)
    << " geo=" << code2_text(r.maxmind_continent) << code2_text(r.maxmind_country) << code2_text(r.netacq_continent)
    << code2_text(r.netacq_country) << " asn=" << r.prefix2asn << " spoofed=" << r.spoofed_packet_cnt
    << " masscan=" << r.masscan_packet_cnt;
  return o.str();
}

inline std::vector<std::string> texts(const Ft4Columns& c) {
  std::vector<std::string> out;
  for (size_t i = 0; i < c.size(); ++i) out.push_back(text(c.row(i)));
  return out;
}
inline std::vector<std::string> texts(const std::vector<Ft4Record>& rs) {
  std::vector<std::string> out;
  for (const auto& r : rs) out.push_back(text(r));
  return out;
}

// "" when equal, else the first differing row of the two: keeps failure output short.
inline std::string first_difference(const std::vector<std::string>& got, const std::vector<std::string>& want) {
  for (size_t i = 0; i < std::max(got.size(), want.size()); ++i) {
    const std::string g = i < got.size() ? got[i] : "(none)", w = i < want.size() ? want[i] : "(none)";
    if (g != w) return "row " + std::to_string(i) + " of " + std::to_string(got.size()) + "/" +
                       std::to_string(want.size()) + ":\n got  " + g + "\n want " + w;
  }
  return "";
}

}  // namespace flowtest
