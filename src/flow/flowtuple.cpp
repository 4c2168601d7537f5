#include "scanhpc/flow/flowtuple.hpp"

namespace scanhpc::flow {

std::optional<Code2> parse_code2(std::string_view text) {
  if (text.size() != 2) return std::nullopt;
  return Code2((uint16_t(uint8_t(text[0])) << 8) | uint8_t(text[1]));
}

std::string code2_text(Code2 code) { return std::string{char(code >> 8), char(code & 0xFF)}; }

namespace {
template <class T>
void append_vec(std::vector<T>& to, const std::vector<T>& from) {
  to.insert(to.end(), from.begin(), from.end());
}
template <class... V>
void reserve_all(size_t n, V&... v) {
  (v.reserve(n), ...);
}
}  // namespace

// ------------------------------------------------------------------ FT3 --

void Ft3Columns::push_back(const Ft3Record& r) {
  time.push_back(r.time); src_ip.push_back(r.src_ip); dst_ip.push_back(r.dst_ip);
  src_port.push_back(r.src_port); dst_port.push_back(r.dst_port);
  protocol.push_back(r.protocol); ttl.push_back(r.ttl); tcp_flags.push_back(r.tcp_flags);
  ip_len.push_back(r.ip_len); tcp_synlen.push_back(r.tcp_synlen); tcp_synwinlen.push_back(r.tcp_synwinlen);
  packet_cnt.push_back(r.packet_cnt);
  is_spoofed.push_back(r.is_spoofed); is_masscan.push_back(r.is_masscan);
  maxmind_continent.push_back(r.maxmind_continent); maxmind_country.push_back(r.maxmind_country);
  netacq_continent.push_back(r.netacq_continent); netacq_country.push_back(r.netacq_country);
  prefix2asn.push_back(r.prefix2asn);
}

Ft3Record Ft3Columns::row(size_t i) const {
  Ft3Record r;
  r.time = time.at(i); r.src_ip = src_ip[i]; r.dst_ip = dst_ip[i];
  r.src_port = src_port[i]; r.dst_port = dst_port[i];
  r.protocol = protocol[i]; r.ttl = ttl[i]; r.tcp_flags = tcp_flags[i];
  r.ip_len = ip_len[i]; r.tcp_synlen = tcp_synlen[i]; r.tcp_synwinlen = tcp_synwinlen[i];
  r.packet_cnt = packet_cnt[i];
  r.is_spoofed = is_spoofed[i]; r.is_masscan = is_masscan[i];
  r.maxmind_continent = maxmind_continent[i]; r.maxmind_country = maxmind_country[i];
  r.netacq_continent = netacq_continent[i]; r.netacq_country = netacq_country[i];
  r.prefix2asn = prefix2asn[i];
  return r;
}

void Ft3Columns::append(const Ft3Columns& o) {
  append_vec(time, o.time); append_vec(src_ip, o.src_ip); append_vec(dst_ip, o.dst_ip);
  append_vec(src_port, o.src_port); append_vec(dst_port, o.dst_port);
  append_vec(protocol, o.protocol); append_vec(ttl, o.ttl); append_vec(tcp_flags, o.tcp_flags);
  append_vec(ip_len, o.ip_len); append_vec(tcp_synlen, o.tcp_synlen); append_vec(tcp_synwinlen, o.tcp_synwinlen);
  append_vec(packet_cnt, o.packet_cnt);
  append_vec(is_spoofed, o.is_spoofed); append_vec(is_masscan, o.is_masscan);
  append_vec(maxmind_continent, o.maxmind_continent); append_vec(maxmind_country, o.maxmind_country);
  append_vec(netacq_continent, o.netacq_continent); append_vec(netacq_country, o.netacq_country);
  append_vec(prefix2asn, o.prefix2asn);
}

void Ft3Columns::clear() {
  for (auto& v : {&time, &src_ip, &dst_ip, &prefix2asn}) v->clear();
  for (auto& v : {&src_port, &dst_port, &ip_len, &tcp_synlen, &tcp_synwinlen, &maxmind_continent, &maxmind_country,
                  &netacq_continent, &netacq_country})
    v->clear();
  for (auto& v : {&protocol, &ttl, &tcp_flags, &is_spoofed, &is_masscan}) v->clear();
  packet_cnt.clear();
}

void Ft3Columns::reserve(size_t n) {
  reserve_all(n, time, src_ip, dst_ip, src_port, dst_port, protocol, ttl, tcp_flags, ip_len, tcp_synlen,
              tcp_synwinlen, packet_cnt, is_spoofed, is_masscan, maxmind_continent, maxmind_country,
              netacq_continent, netacq_country, prefix2asn);
}

// ------------------------------------------------------------------ FT4 --

void CommonColumn::push_back(const std::vector<CommonValue>& r) {
  for (const auto& c : r) {
    value.push_back(c.value);
    freq.push_back(c.freq);
  }
  begin.push_back(value.size());
}

std::vector<CommonValue> CommonColumn::row(size_t i) const {
  std::vector<CommonValue> out;
  for (uint64_t j = begin.at(i); j < begin.at(i + 1); ++j) out.push_back({value[j], freq[j]});
  return out;
}

void CommonColumn::append(const CommonColumn& o) {
  const uint64_t base = value.size();
  for (size_t i = 1; i < o.begin.size(); ++i) begin.push_back(base + o.begin[i]);
  append_vec(value, o.value);
  append_vec(freq, o.freq);
}

void CommonColumn::clear() {
  begin.assign(1, 0);
  value.clear();
  freq.clear();
}

void CommonColumn::reserve(size_t rows, size_t values) {
  begin.reserve(rows + 1);
  value.reserve(values);
  freq.reserve(values);
}

void Ft4Columns::push_back(const Ft4Record& r) {
  time.push_back(r.time); src_ip.push_back(r.src_ip); dst_net.push_back(r.dst_net);
  dst_port.push_back(r.dst_port); protocol.push_back(r.protocol); packet_cnt.push_back(r.packet_cnt);
  uniq_dst_ips.push_back(r.uniq_dst_ips); uniq_pkt_sizes.push_back(r.uniq_pkt_sizes);
  uniq_ttls.push_back(r.uniq_ttls); uniq_src_ports.push_back(r.uniq_src_ports);
  uniq_tcp_flags.push_back(r.uniq_tcp_flags);
  first_syn_length.push_back(r.first_syn_length); first_tcp_rwin.push_back(r.first_tcp_rwin);
  common_pktsizes.push_back(r.common_pktsizes); common_ttls.push_back(r.common_ttls);
  common_srcports.push_back(r.common_srcports); common_tcpflags.push_back(r.common_tcpflags);
  maxmind_continent.push_back(r.maxmind_continent); maxmind_country.push_back(r.maxmind_country);
  netacq_continent.push_back(r.netacq_continent); netacq_country.push_back(r.netacq_country);
  prefix2asn.push_back(r.prefix2asn);
  spoofed_packet_cnt.push_back(r.spoofed_packet_cnt); masscan_packet_cnt.push_back(r.masscan_packet_cnt);
}

Ft4Record Ft4Columns::row(size_t i) const {
  Ft4Record r;
  r.time = time.at(i); r.src_ip = src_ip[i]; r.dst_net = dst_net[i];
  r.dst_port = dst_port[i]; r.protocol = protocol[i]; r.packet_cnt = packet_cnt[i];
  r.uniq_dst_ips = uniq_dst_ips[i]; r.uniq_pkt_sizes = uniq_pkt_sizes[i];
  r.uniq_ttls = uniq_ttls[i]; r.uniq_src_ports = uniq_src_ports[i]; r.uniq_tcp_flags = uniq_tcp_flags[i];
  r.first_syn_length = first_syn_length[i]; r.first_tcp_rwin = first_tcp_rwin[i];
  r.common_pktsizes = common_pktsizes.row(i); r.common_ttls = common_ttls.row(i);
  r.common_srcports = common_srcports.row(i); r.common_tcpflags = common_tcpflags.row(i);
  r.maxmind_continent = maxmind_continent[i]; r.maxmind_country = maxmind_country[i];
  r.netacq_continent = netacq_continent[i]; r.netacq_country = netacq_country[i];
  r.prefix2asn = prefix2asn[i];
  r.spoofed_packet_cnt = spoofed_packet_cnt[i]; r.masscan_packet_cnt = masscan_packet_cnt[i];
  return r;
}

void Ft4Columns::append(const Ft4Columns& o) {
  append_vec(time, o.time); append_vec(src_ip, o.src_ip); append_vec(dst_net, o.dst_net);
  append_vec(dst_port, o.dst_port); append_vec(protocol, o.protocol); append_vec(packet_cnt, o.packet_cnt);
  append_vec(uniq_dst_ips, o.uniq_dst_ips); append_vec(uniq_pkt_sizes, o.uniq_pkt_sizes);
  append_vec(uniq_ttls, o.uniq_ttls); append_vec(uniq_src_ports, o.uniq_src_ports);
  append_vec(uniq_tcp_flags, o.uniq_tcp_flags);
  append_vec(first_syn_length, o.first_syn_length); append_vec(first_tcp_rwin, o.first_tcp_rwin);
  common_pktsizes.append(o.common_pktsizes); common_ttls.append(o.common_ttls);
  common_srcports.append(o.common_srcports); common_tcpflags.append(o.common_tcpflags);
  append_vec(maxmind_continent, o.maxmind_continent); append_vec(maxmind_country, o.maxmind_country);
  append_vec(netacq_continent, o.netacq_continent); append_vec(netacq_country, o.netacq_country);
  append_vec(prefix2asn, o.prefix2asn);
  append_vec(spoofed_packet_cnt, o.spoofed_packet_cnt); append_vec(masscan_packet_cnt, o.masscan_packet_cnt);
}

void Ft4Columns::clear() {
  for (auto& v : {&time, &src_ip, &dst_net, &uniq_dst_ips, &uniq_pkt_sizes, &uniq_ttls, &uniq_src_ports,
                  &uniq_tcp_flags, &prefix2asn})
    v->clear();
  for (auto& v : {&dst_port, &first_syn_length, &first_tcp_rwin, &maxmind_continent, &maxmind_country,
                  &netacq_continent, &netacq_country})
    v->clear();
  for (auto& v : {&packet_cnt, &spoofed_packet_cnt, &masscan_packet_cnt}) v->clear();
  protocol.clear();
  for (CommonColumn* c : {&common_pktsizes, &common_ttls, &common_srcports, &common_tcpflags}) c->clear();
}

void Ft4Columns::reserve(size_t n, size_t values_per_array) {
  reserve_all(n, time, src_ip, dst_net, dst_port, protocol, packet_cnt, uniq_dst_ips, uniq_pkt_sizes, uniq_ttls,
              uniq_src_ports, uniq_tcp_flags, first_syn_length, first_tcp_rwin, maxmind_continent,
              maxmind_country, netacq_continent, netacq_country, prefix2asn, spoofed_packet_cnt,
              masscan_packet_cnt);
  for (CommonColumn* c : {&common_pktsizes, &common_ttls, &common_srcports, &common_tcpflags})
    c->reserve(n, values_per_array);
}

}  // namespace scanhpc::flow
