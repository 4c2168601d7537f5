#include "scanhpc/flow/pack.hpp"

#include <cstring>
#include <stdexcept>

namespace scanhpc::flow {
namespace {

// One row: the scalars as u64 in this order, four array lengths, then the
// arrays as (u32 value, u64 freq) pairs.
constexpr size_t kScalars = 22;

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

struct Reader {
  std::string_view bytes;
  size_t pos = 0;
  template <class T>
  T get() {
    if (bytes.size() - pos < sizeof(T)) throw std::runtime_error("unpack_ft4: truncated buffer");
    T v;
    std::memcpy(&v, bytes.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
};

const CommonColumn* arrays(const Ft4Columns& c, int k) {
  const CommonColumn* all[] = {&c.common_pktsizes, &c.common_ttls, &c.common_srcports, &c.common_tcpflags};
  return all[k];
}

}  // namespace

void pack_ft4(const Ft4Columns& c, size_t first, size_t last, std::string& out) {
  if (last > c.size() || first > last) throw std::out_of_range("pack_ft4: bad row range");
  for (size_t i = first; i < last; ++i) {
    const uint64_t s[kScalars] = {c.time[i], c.src_ip[i], c.dst_net[i], c.dst_port[i], c.protocol[i],
                                  c.packet_cnt[i], c.uniq_dst_ips[i], c.uniq_pkt_sizes[i], c.uniq_ttls[i],
                                  c.uniq_src_ports[i], c.uniq_tcp_flags[i], c.first_syn_length[i],
                                  c.first_tcp_rwin[i], c.maxmind_continent[i], c.maxmind_country[i],
                                  c.netacq_continent[i], c.netacq_country[i], c.prefix2asn[i],
                                  c.spoofed_packet_cnt[i], c.masscan_packet_cnt[i], 0, 0};
    out.append(reinterpret_cast<const char*>(s), sizeof s);
    for (int k = 0; k < 4; ++k) {
      const CommonColumn& a = *arrays(c, k);
      put<uint32_t>(out, uint32_t(a.begin[i + 1] - a.begin[i]));
    }
    for (int k = 0; k < 4; ++k) {
      const CommonColumn& a = *arrays(c, k);
      for (uint64_t j = a.begin[i]; j < a.begin[i + 1]; ++j) {
        put<uint32_t>(out, a.value[j]);
        put<uint64_t>(out, a.freq[j]);
      }
    }
  }
}

void unpack_ft4(std::string_view bytes, Ft4Columns& out) {
  Reader r{bytes};
  while (r.pos < bytes.size()) {
    uint64_t s[kScalars];
    for (auto& x : s) x = r.get<uint64_t>();
    Ft4Record row;
    row.time = uint32_t(s[0]); row.src_ip = uint32_t(s[1]); row.dst_net = uint32_t(s[2]);
    row.dst_port = uint16_t(s[3]); row.protocol = uint8_t(s[4]); row.packet_cnt = s[5];
    row.uniq_dst_ips = uint32_t(s[6]); row.uniq_pkt_sizes = uint32_t(s[7]); row.uniq_ttls = uint32_t(s[8]);
    row.uniq_src_ports = uint32_t(s[9]); row.uniq_tcp_flags = uint32_t(s[10]);
    row.first_syn_length = uint16_t(s[11]); row.first_tcp_rwin = uint16_t(s[12]);
    row.maxmind_continent = Code2(s[13]); row.maxmind_country = Code2(s[14]);
    row.netacq_continent = Code2(s[15]); row.netacq_country = Code2(s[16]);
    row.prefix2asn = uint32_t(s[17]); row.spoofed_packet_cnt = s[18]; row.masscan_packet_cnt = s[19];
    uint32_t n[4];
    for (auto& x : n) x = r.get<uint32_t>();
    std::vector<CommonValue>* dest[] = {&row.common_pktsizes, &row.common_ttls, &row.common_srcports,
                                        &row.common_tcpflags};
    for (int k = 0; k < 4; ++k) {
      if (n[k] > (bytes.size() - r.pos) / 12) throw std::runtime_error("unpack_ft4: array longer than the buffer");
      for (uint32_t j = 0; j < n[k]; ++j) {
        const uint32_t v = r.get<uint32_t>();
        dest[k]->push_back({v, r.get<uint64_t>()});
      }
    }
    out.push_back(row);
  }
}

}  // namespace scanhpc::flow
