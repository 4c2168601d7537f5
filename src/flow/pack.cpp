#include "scanhpc/flow/pack.hpp"

#include <cstring>
#include <stdexcept>

namespace scanhpc::flow {
namespace {

// One row: the scalars in Ft4Columns' order at their own widths, four array
// lengths, then the arrays as (u32 value, u64 freq) pairs.

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
    // Scalars at their own widths (about 75 bytes a row): this buffer is what
    // flow convert's route step holds beside the columns.
    put(out, c.time[i]); put(out, c.src_ip[i]); put(out, c.dst_net[i]); put(out, c.dst_port[i]);
    put(out, c.protocol[i]); put(out, c.packet_cnt[i]); put(out, c.uniq_dst_ips[i]);
    put(out, c.uniq_pkt_sizes[i]); put(out, c.uniq_ttls[i]); put(out, c.uniq_src_ports[i]);
    put(out, c.uniq_tcp_flags[i]); put(out, c.first_syn_length[i]); put(out, c.first_tcp_rwin[i]);
    put(out, c.maxmind_continent[i]); put(out, c.maxmind_country[i]); put(out, c.netacq_continent[i]);
    put(out, c.netacq_country[i]); put(out, c.prefix2asn[i]); put(out, c.spoofed_packet_cnt[i]);
    put(out, c.masscan_packet_cnt[i]);
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
    Ft4Record row;
    row.time = r.get<uint32_t>(); row.src_ip = r.get<uint32_t>(); row.dst_net = r.get<uint32_t>();
    row.dst_port = r.get<uint16_t>(); row.protocol = r.get<uint8_t>(); row.packet_cnt = r.get<uint64_t>();
    row.uniq_dst_ips = r.get<uint32_t>(); row.uniq_pkt_sizes = r.get<uint32_t>(); row.uniq_ttls = r.get<uint32_t>();
    row.uniq_src_ports = r.get<uint32_t>(); row.uniq_tcp_flags = r.get<uint32_t>();
    row.first_syn_length = r.get<uint16_t>(); row.first_tcp_rwin = r.get<uint16_t>();
    row.maxmind_continent = r.get<Code2>(); row.maxmind_country = r.get<Code2>();
    row.netacq_continent = r.get<Code2>(); row.netacq_country = r.get<Code2>();
    row.prefix2asn = r.get<uint32_t>(); row.spoofed_packet_cnt = r.get<uint64_t>();
    row.masscan_packet_cnt = r.get<uint64_t>();
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
