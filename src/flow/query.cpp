// FT4 queries: fields, conditions, filters and row selection.
#include "scanhpc/flow/query.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <stdexcept>

#include "scanhpc/core/ipv4.hpp"

namespace scanhpc::flow {
namespace {

struct FieldInfo {
  Field field;
  std::string_view name;
  FieldType type;
};
constexpr std::array<FieldInfo, 20> kFields{{
    {Field::time, "time", FieldType::number},
    {Field::src_ip, "src_ip", FieldType::ip},
    {Field::dst_net, "dst_net", FieldType::ip},
    {Field::dst_port, "dst_port", FieldType::number},
    {Field::protocol, "protocol", FieldType::number},
    {Field::packet_cnt, "packet_cnt", FieldType::number},
    {Field::uniq_dst_ips, "uniq_dst_ips", FieldType::number},
    {Field::uniq_pkt_sizes, "uniq_pkt_sizes", FieldType::number},
    {Field::uniq_ttls, "uniq_ttls", FieldType::number},
    {Field::uniq_src_ports, "uniq_src_ports", FieldType::number},
    {Field::uniq_tcp_flags, "uniq_tcp_flags", FieldType::number},
    {Field::first_syn_length, "first_syn_length", FieldType::number},
    {Field::first_tcp_rwin, "first_tcp_rwin", FieldType::number},
    {Field::maxmind_continent, "maxmind_continent", FieldType::code2},
    {Field::maxmind_country, "maxmind_country", FieldType::code2},
    {Field::netacq_continent, "netacq_continent", FieldType::code2},
    {Field::netacq_country, "netacq_country", FieldType::code2},
    {Field::prefix2asn, "prefix2asn", FieldType::number},
    {Field::spoofed_packet_cnt, "spoofed_packet_cnt", FieldType::number},
    {Field::masscan_packet_cnt, "masscan_packet_cnt", FieldType::number},
}};

const FieldInfo& info(Field f) { return kFields.at(size_t(f)); }

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::optional<uint64_t> parse_u64(std::string_view s) {
  uint64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

// A value of the field's type from text; throws naming the field.
uint64_t parse_value(Field f, std::string_view text) {
  auto bad = [&](const char* what) {
    return std::invalid_argument("'" + std::string(text) + "' is not " + what + " (field " +
                                 std::string(info(f).name) + ")");
  };
  switch (info(f).type) {
    case FieldType::ip: {
      auto ip = parse_ipv4(text);
      if (!ip) throw bad("an IPv4 address");
      return *ip;
    }
    case FieldType::code2: {
      auto code = parse_code2(text);
      if (!code) throw bad("a two-letter code");
      return *code;
    }
    case FieldType::number: {
      auto v = parse_u64(text);
      if (!v) throw bad("an unsigned integer");
      return *v;
    }
  }
  throw bad("valid");
}

}  // namespace

std::optional<Field> parse_field(std::string_view name) {
  for (const auto& f : kFields)
    if (f.name == name) return f.field;
  return std::nullopt;
}
std::string_view field_name(Field f) { return info(f).name; }
FieldType field_type(Field f) { return info(f).type; }

uint64_t field_value(const Ft4Columns& c, Field f, size_t i) {
  switch (f) {
    case Field::time: return c.time[i];
    case Field::src_ip: return c.src_ip[i];
    case Field::dst_net: return c.dst_net[i];
    case Field::dst_port: return c.dst_port[i];
    case Field::protocol: return c.protocol[i];
    case Field::packet_cnt: return c.packet_cnt[i];
    case Field::uniq_dst_ips: return c.uniq_dst_ips[i];
    case Field::uniq_pkt_sizes: return c.uniq_pkt_sizes[i];
    case Field::uniq_ttls: return c.uniq_ttls[i];
    case Field::uniq_src_ports: return c.uniq_src_ports[i];
    case Field::uniq_tcp_flags: return c.uniq_tcp_flags[i];
    case Field::first_syn_length: return c.first_syn_length[i];
    case Field::first_tcp_rwin: return c.first_tcp_rwin[i];
    case Field::maxmind_continent: return c.maxmind_continent[i];
    case Field::maxmind_country: return c.maxmind_country[i];
    case Field::netacq_continent: return c.netacq_continent[i];
    case Field::netacq_country: return c.netacq_country[i];
    case Field::prefix2asn: return c.prefix2asn[i];
    case Field::spoofed_packet_cnt: return c.spoofed_packet_cnt[i];
    case Field::masscan_packet_cnt: return c.masscan_packet_cnt[i];
  }
  return 0;
}

std::string value_text(Field f, uint64_t v) {
  switch (info(f).type) {
    case FieldType::ip: return format_ipv4(uint32_t(v));
    case FieldType::code2: return code2_text(Code2(v));
    case FieldType::number: return std::to_string(v);
  }
  return {};
}

std::optional<CommonArray> parse_common_array(std::string_view name) {
  if (name.substr(0, 7) == "common_") name.remove_prefix(7);
  if (name == "pktsizes" || name == "pkt_sizes") return CommonArray::pktsizes;
  if (name == "ttls") return CommonArray::ttls;
  if (name == "srcports" || name == "src_ports") return CommonArray::srcports;
  if (name == "tcpflags" || name == "tcp_flags") return CommonArray::tcpflags;
  return std::nullopt;
}

const CommonColumn& common_column(const Ft4Columns& c, CommonArray a) {
  switch (a) {
    case CommonArray::pktsizes: return c.common_pktsizes;
    case CommonArray::ttls: return c.common_ttls;
    case CommonArray::srcports: return c.common_srcports;
    case CommonArray::tcpflags: return c.common_tcpflags;
  }
  return c.common_ttls;
}

uint32_t ft4_columns_of(Field f) {
  switch (f) {
    case Field::time: return ft4_bit(Ft4Col::time);
    case Field::src_ip: return ft4_bit(Ft4Col::src_ip);
    case Field::dst_net: return ft4_bit(Ft4Col::dst_net);
    case Field::dst_port: return ft4_bit(Ft4Col::dst_port);
    case Field::protocol: return ft4_bit(Ft4Col::protocol);
    case Field::packet_cnt: return ft4_bit(Ft4Col::packet_cnt);
    case Field::uniq_dst_ips: return ft4_bit(Ft4Col::uniq_dst_ips);
    case Field::uniq_pkt_sizes: return ft4_bit(Ft4Col::uniq_pkt_sizes);
    case Field::uniq_ttls: return ft4_bit(Ft4Col::uniq_ttls);
    case Field::uniq_src_ports: return ft4_bit(Ft4Col::uniq_src_ports);
    case Field::uniq_tcp_flags: return ft4_bit(Ft4Col::uniq_tcp_flags);
    case Field::first_syn_length: return ft4_bit(Ft4Col::first_syn_length);
    case Field::first_tcp_rwin: return ft4_bit(Ft4Col::first_tcp_rwin);
    case Field::maxmind_continent: return ft4_bit(Ft4Col::maxmind_continent);
    case Field::maxmind_country: return ft4_bit(Ft4Col::maxmind_country);
    case Field::netacq_continent: return ft4_bit(Ft4Col::netacq_continent);
    case Field::netacq_country: return ft4_bit(Ft4Col::netacq_country);
    case Field::prefix2asn: return ft4_bit(Ft4Col::prefix2asn);
    case Field::spoofed_packet_cnt: return ft4_bit(Ft4Col::spoofed_packet_cnt);
    case Field::masscan_packet_cnt: return ft4_bit(Ft4Col::masscan_packet_cnt);
  }
  return kFt4AllColumns;
}

uint32_t ft4_columns_of(CommonArray a) {
  switch (a) {
    case CommonArray::pktsizes: return ft4_bit(Ft4Col::common_pktsizes);
    case CommonArray::ttls: return ft4_bit(Ft4Col::common_ttls);
    case CommonArray::srcports: return ft4_bit(Ft4Col::common_srcports);
    case CommonArray::tcpflags: return ft4_bit(Ft4Col::common_tcpflags);
  }
  return kFt4AllColumns;
}

// ------------------------------------------------------------ conditions --

Condition parse_condition(std::string_view text) {
  static constexpr std::pair<std::string_view, Op> kOps[] = {
      {"==", Op::eq}, {"!=", Op::ne}, {"<=", Op::le}, {">=", Op::ge}, {"<", Op::lt}, {">", Op::gt}, {"=", Op::eq}};
  for (const auto& [sym, op] : kOps) {
    size_t at = text.find(sym);
    if (at == std::string_view::npos) continue;
    std::string_view name = trim(text.substr(0, at)), value = trim(text.substr(at + sym.size()));
    auto field = parse_field(name);
    if (!field) throw std::invalid_argument("unknown field '" + std::string(name) + "' in '" + std::string(text) + "'");
    Condition c;
    c.field = *field;
    c.op = op;
    c.value = parse_value(*field, value);
    c.text = std::string(text);
    return c;
  }
  throw std::invalid_argument("expected 'field OP value' with OP one of == != < <= > >=: '" + std::string(text) + "'");
}

bool Condition::matches(const Ft4Columns& c, size_t i) const {
  const uint64_t v = field_value(c, field, i);
  switch (op) {
    case Op::eq: return v == value;
    case Op::ne: return v != value;
    case Op::lt: return v < value;
    case Op::le: return v <= value;
    case Op::gt: return v > value;
    case Op::ge: return v >= value;
  }
  return false;
}

CommonFilter parse_common_filter(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos) throw std::invalid_argument("expected ARRAY=LO-HI[,LO-HI...]: '" + std::string(text) + "'");
  auto array = parse_common_array(trim(text.substr(0, eq)));
  if (!array)
    throw std::invalid_argument("unknown common-value array '" + std::string(trim(text.substr(0, eq))) +
                                "' (pktsizes, ttls, srcports or tcpflags)");
  CommonFilter f;
  f.array = *array;
  f.text = std::string(text);
  std::string_view rest = text.substr(eq + 1);
  while (true) {
    size_t comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    size_t dash = item.find('-');
    auto lo = parse_u64(trim(item.substr(0, dash)));
    auto hi = dash == std::string_view::npos ? lo : parse_u64(trim(item.substr(dash + 1)));
    if (!lo || !hi || *lo > *hi || *hi > 0xFFFFFFFFull)
      throw std::invalid_argument("bad range '" + std::string(item) + "' in '" + std::string(text) + "'");
    f.ranges.emplace_back(uint32_t(*lo), uint32_t(*hi));
    if (comma == std::string_view::npos) break;
    rest = rest.substr(comma + 1);
  }
  return f;
}

bool CommonFilter::matches(const Ft4Columns& c, size_t i) const {
  const CommonColumn& col = common_column(c, array);
  for (uint64_t j = col.begin[i]; j < col.begin[i + 1]; ++j)
    for (const auto& [lo, hi] : ranges)
      if (col.value[j] >= lo && col.value[j] <= hi) return true;
  return false;
}

PrefixFilter parse_prefixes(const std::vector<std::string>& cidrs) {
  PrefixFilter f;
  for (const auto& text : cidrs) {
    std::string_view s = trim(text);
    size_t slash = s.find('/');
    auto ip = parse_ipv4(s.substr(0, slash));
    auto len = slash == std::string_view::npos ? std::optional<uint64_t>(32) : parse_u64(s.substr(slash + 1));
    if (!ip || !len || *len > 32) throw std::invalid_argument("not an IPv4 prefix a.b.c.d/len: '" + text + "'");
    f.prefixes.emplace_back(prefix_of(*ip, int(*len)), uint8_t(*len));
  }
  return f;
}

bool PrefixFilter::matches(uint32_t ip) const {
  if (prefixes.empty()) return true;
  for (const auto& [net, len] : prefixes)
    if (prefix_of(ip, len) == net) return true;
  return false;
}

bool Selection::matches(const Ft4Columns& c, size_t i) const {
  if (time_from && c.time[i] < *time_from) return false;
  if (time_to && c.time[i] > *time_to) return false;
  if (!sources.prefixes.empty() && !sources.matches(c.src_ip[i])) return false;
  for (const auto& f : common)
    if (!f.matches(c, i)) return false;
  for (const auto& w : where)
    if (!w.matches(c, i)) return false;
  return true;
}

uint32_t Selection::ft4_columns() const {
  uint32_t m = ft4_bit(Ft4Col::time);
  if (!sources.prefixes.empty()) m |= ft4_bit(Ft4Col::src_ip);
  for (const auto& f : common) m |= ft4_columns_of(f.array);
  for (const auto& w : where) m |= ft4_columns_of(w.field);
  return m;
}

std::string Selection::describe() const {
  std::string out;
  auto add = [&](const std::string& s) {
    if (!out.empty()) out += " AND ";
    out += s;
  };
  if (time_from) add("time >= " + std::to_string(*time_from));
  if (time_to) add("time <= " + std::to_string(*time_to));
  if (!sources.prefixes.empty()) {
    std::string p;
    for (const auto& [net, len] : sources.prefixes) {
      if (!p.empty()) p += ',';
      p += format_ipv4(net);
      p += '/';
      p += std::to_string(len);
    }
    add("src_ip in " + p);
  }
  for (const auto& f : common) add("common " + f.text);
  for (const auto& w : where) add(w.text);
  return out.empty() ? "all" : out;
}

std::vector<uint32_t> local_select(const Ft4Columns& c, const Selection& s) {
  if (c.size() > 0xFFFFFFFFull) throw std::length_error("flow: more than 2^32 rows in one selection");
  const int64_t n = int64_t(c.size());
  std::vector<uint8_t> keep(size_t(n), 0);
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) keep[size_t(i)] = s.matches(c, size_t(i));
  std::vector<uint32_t> rows;
  for (int64_t i = 0; i < n; ++i)
    if (keep[size_t(i)]) rows.push_back(uint32_t(i));
  return rows;
}

}  // namespace scanhpc::flow
