#include "scanhpc/flow/convert.hpp"

#include "scanhpc/core/thread_errors.hpp"

#include <algorithm>
#include <parallel/algorithm>
#include <stdexcept>

namespace scanhpc::flow {

Ratio quality_ratio(QualityRule rule, uint64_t n_distinct, uint64_t total_pkts) {
  // The doubles 1.0, 0.5, 0.33 and 0.2 of ftconvert as exact fractions; the
  // doc explains why comparing with 33/100 gives what the double code gives.
  constexpr Ratio kOne{1, 1}, kHalf{1, 2}, kThird{33, 100}, kFifth{1, 5};
  if (rule == QualityRule::doc) {
    if (total_pkts <= 4) return kOne;
    if (total_pkts <= 6) return kHalf;
    if (total_pkts <= 14) return kThird;
    return kFifth;
  }
  if (total_pkts < 10) {
    if (n_distinct < 4) return kOne;
    if (n_distinct < 7) return kHalf;
    return kThird;
  }
  return n_distinct < 15 ? kThird : kFifth;
}

namespace {

using Counts = std::vector<std::pair<uint32_t, uint64_t>>;

// Calls push(value, count) for the common values of `counts` (ascending by value).
template <class Push>
void walk_common(std::span<const std::pair<uint32_t, uint64_t>> counts, uint64_t total, QualityRule rule,
                 Push&& push) {
  const Ratio r = quality_ratio(rule, counts.size(), total);
  size_t kept = 0;
  for (const auto& [value, count] : counts) {
    if (!reaches_ratio(count, r, total)) continue;
    push(value, count);
    if (++kept >= kMaxCommonValues) break;
  }
}

void push_common(CommonColumn& col, const Counts& counts, uint64_t total, QualityRule rule) {
  walk_common(counts, total, rule, [&](uint32_t v, uint64_t f) {
    col.value.push_back(v);
    col.freq.push_back(f);
  });
  col.begin.push_back(col.value.size());
}

// (value, packets) pairs -> one pair per distinct value, ascending.
void tally(Counts& v) {
  std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) { return a.first < b.first; });
  size_t out = 0;
  for (size_t i = 0; i < v.size(); ++i) {
    if (out > 0 && v[out - 1].first == v[i].first) {
      v[out - 1].second += v[i].second;
    } else {
      v[out++] = v[i];
    }
  }
  v.resize(out);
}

// A row's flow key (the 128-bit output-order key, split in two words) and
// its input position, which orders rows within a flow.
struct KeyedRow {
  uint64_t hi, lo;
  uint32_t row;
  bool operator<(const KeyedRow& o) const {
    return hi != o.hi ? hi < o.hi : lo != o.lo ? lo < o.lo : row < o.row;
  }
  bool same_flow(const KeyedRow& o) const { return hi == o.hi && lo == o.lo; }
};

// Per-thread scratch space, reused across flows.
struct Scratch {
  std::vector<uint16_t> dst_low;
  Counts pkt_sizes, ttls, src_ports, tcp_flags;
};

// The four common-value arrays of a run of flows.
struct CommonParts {
  CommonColumn pktsizes, ttls, srcports, tcpflags;
};

// Aggregates rows[0, n) (one flow, in input order) into flow `f` of `out`,
// whose scalar columns are already sized; common values go to `commons`.
void aggregate_flow(const Ft3Columns& in, const KeyedRow* rows, size_t n, const ConvertOptions& opt,
                    uint32_t dst_mask, Scratch& s, Ft4Columns& out, size_t f, CommonParts& commons) {
  const uint32_t first = rows[0].row;
  const uint8_t proto = in.protocol[first];
  const bool tcp = proto == 6, tcp_udp = proto == 6 || proto == 17;
  s.dst_low.clear(); s.pkt_sizes.clear(); s.ttls.clear(); s.src_ports.clear(); s.tcp_flags.clear();
  uint64_t total = 0, spoofed = 0, masscan = 0;
  for (size_t k = 0; k < n; ++k) {
    const uint32_t i = rows[k].row;
    const uint64_t p = in.packet_cnt[i];
    total += p;
    if (in.is_spoofed[i]) spoofed += p;
    if (in.is_masscan[i]) masscan += p;
    s.dst_low.push_back(uint16_t(in.dst_ip[i] & 0xFFFF));
    s.pkt_sizes.emplace_back(in.ip_len[i], p);
    s.ttls.emplace_back(in.ttl[i], p);
    if (tcp_udp) s.src_ports.emplace_back(in.src_port[i], p);
    if (tcp) s.tcp_flags.emplace_back(in.tcp_flags[i], p);
  }
  size_t uniq_dst = n;
  if (n > 1) {
    std::sort(s.dst_low.begin(), s.dst_low.end());
    uniq_dst = size_t(std::unique(s.dst_low.begin(), s.dst_low.end()) - s.dst_low.begin());
    tally(s.pkt_sizes); tally(s.ttls); tally(s.src_ports); tally(s.tcp_flags);
  }

  uint16_t dst_port = 0;
  if (tcp_udp) dst_port = in.dst_port[first];
  if (proto == 1) dst_port = uint16_t(((in.src_port[first] & 0xFF) << 8) | (in.dst_port[first] & 0xFF));

  out.time[f] = in.time[first] - in.time[first] % opt.interval_s;
  out.src_ip[f] = in.src_ip[first];
  out.dst_net[f] = in.dst_ip[first] & dst_mask;
  out.dst_port[f] = dst_port;
  out.protocol[f] = proto;
  out.packet_cnt[f] = total;
  out.uniq_dst_ips[f] = uint32_t(uniq_dst);
  out.uniq_pkt_sizes[f] = uint32_t(s.pkt_sizes.size());
  out.uniq_ttls[f] = uint32_t(s.ttls.size());
  out.uniq_src_ports[f] = uint32_t(s.src_ports.size());
  out.uniq_tcp_flags[f] = uint32_t(s.tcp_flags.size());
  out.first_syn_length[f] = in.tcp_synlen[first];
  out.first_tcp_rwin[f] = in.tcp_synwinlen[first];
  push_common(commons.pktsizes, s.pkt_sizes, total, opt.quality);
  push_common(commons.ttls, s.ttls, total, opt.quality);
  push_common(commons.srcports, s.src_ports, total, opt.quality);
  push_common(commons.tcpflags, s.tcp_flags, total, opt.quality);
  out.maxmind_continent[f] = in.maxmind_continent[first];
  out.maxmind_country[f] = in.maxmind_country[first];
  out.netacq_continent[f] = in.netacq_continent[first];
  out.netacq_country[f] = in.netacq_country[first];
  out.prefix2asn[f] = in.prefix2asn[first];
  out.spoofed_packet_cnt[f] = spoofed;
  out.masscan_packet_cnt[f] = masscan;
}

// Sizes the scalar columns of `c` for `rows` flows.
void resize_scalars(Ft4Columns& c, size_t rows) {
  auto size = [rows](auto& v) { v.resize(rows); };
  size(c.time); size(c.src_ip); size(c.dst_net); size(c.dst_port); size(c.protocol); size(c.packet_cnt);
  size(c.uniq_dst_ips); size(c.uniq_pkt_sizes); size(c.uniq_ttls); size(c.uniq_src_ports); size(c.uniq_tcp_flags);
  size(c.first_syn_length); size(c.first_tcp_rwin); size(c.maxmind_continent); size(c.maxmind_country);
  size(c.netacq_continent); size(c.netacq_country); size(c.prefix2asn); size(c.spoofed_packet_cnt);
  size(c.masscan_packet_cnt);
}

bool same_lengths(const Ft3Columns& c) {
  const size_t n = c.time.size();
  const size_t sizes[] = {c.src_ip.size(), c.dst_ip.size(), c.src_port.size(), c.dst_port.size(),
                          c.protocol.size(), c.ttl.size(), c.tcp_flags.size(), c.ip_len.size(),
                          c.tcp_synlen.size(), c.tcp_synwinlen.size(), c.packet_cnt.size(), c.is_spoofed.size(),
                          c.is_masscan.size(), c.maxmind_continent.size(), c.maxmind_country.size(),
                          c.netacq_continent.size(), c.netacq_country.size(), c.prefix2asn.size()};
  return std::all_of(std::begin(sizes), std::end(sizes), [n](size_t s) { return s == n; });
}

// Flows per work chunk: fixed, so chunk boundaries never depend on threads.
constexpr size_t kFlowsPerChunk = 2048;

}  // namespace

std::vector<CommonValue> find_common_values(std::span<const std::pair<uint32_t, uint64_t>> counts,
                                            uint64_t total_pkts, QualityRule rule) {
  std::vector<CommonValue> out;
  walk_common(counts, total_pkts, rule, [&](uint32_t v, uint64_t f) { out.push_back({v, f}); });
  return out;
}

unsigned __int128 ft4_order_key(const Ft4Columns& c, size_t i) {
  return ft4_order_key(c.time[i], c.protocol[i], c.src_ip[i], c.dst_net[i], c.dst_port[i]);
}

Ft4Columns convert_ft3_to_ft4(const Ft3Columns& in, const ConvertOptions& opt) {
  if (opt.dst_prefix != 16 && opt.dst_prefix != 24) throw std::invalid_argument("dst_prefix must be 16 or 24");
  if (opt.interval_s == 0) throw std::invalid_argument("interval_s must be > 0");
  if (in.size() >= (size_t(1) << 32)) throw std::invalid_argument("more than 2^32 FT3 rows in one call");
  if (!same_lengths(in)) throw std::invalid_argument("FT3 columns of different lengths");
  const uint32_t mask = opt.dst_prefix == 16 ? 0xFFFF0000u : 0xFFFFFF00u;
  const int64_t n = int64_t(in.size());

  // 1. Each row's flow key in output order; ties keep input order (row).
  std::vector<KeyedRow> keyed(static_cast<size_t>(n));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    const uint8_t proto = in.protocol[i];
    uint16_t port = 0;
    if (proto == 6 || proto == 17) port = in.dst_port[i];
    if (proto == 1) port = uint16_t(((in.src_port[i] & 0xFF) << 8) | (in.dst_port[i] & 0xFF));
    const uint32_t time = in.time[i] - in.time[i] % opt.interval_s;
    const unsigned __int128 key = ft4_order_key(time, proto, in.src_ip[i], in.dst_ip[i] & mask, port);
    keyed[i] = {uint64_t(key >> 64), uint64_t(key), uint32_t(i)};
  }
  // (key, row) pairs are unique, so every correct sort gives the same order.
  __gnu_parallel::sort(keyed.begin(), keyed.end());

  // 2. Flow boundaries.
  std::vector<size_t> starts;
  for (int64_t i = 0; i < n; ++i) {
    if (i == 0 || !keyed[i].same_flow(keyed[i - 1])) starts.push_back(size_t(i));
  }
  starts.push_back(size_t(n));
  const size_t flows = starts.size() - 1;

  // 3. Aggregate fixed chunks of flows in parallel: scalars in place, common
  //    values per chunk, then concatenated in chunk order.
  const size_t chunks = (flows + kFlowsPerChunk - 1) / kFlowsPerChunk;
  Ft4Columns out;
  resize_scalars(out, flows);
  std::vector<CommonParts> commons(chunks);
  ThreadErrors errors;
#pragma omp parallel
  {
    Scratch scratch;
#pragma omp for schedule(dynamic, 1)
    for (int64_t c = 0; c < int64_t(chunks); ++c) {
      if (errors.failed()) continue;
      errors.run([&] {
        const size_t f0 = size_t(c) * kFlowsPerChunk, f1 = std::min(flows, f0 + kFlowsPerChunk);
        for (size_t f = f0; f < f1; ++f) {
          aggregate_flow(in, keyed.data() + starts[f], starts[f + 1] - starts[f], opt, mask, scratch, out, f,
                         commons[c]);
        }
      });
    }
  }
  errors.rethrow();
  size_t values[4] = {0, 0, 0, 0};
  for (const auto& part : commons) {
    values[0] += part.pktsizes.value.size(); values[1] += part.ttls.value.size();
    values[2] += part.srcports.value.size(); values[3] += part.tcpflags.value.size();
  }
  CommonColumn* cols[4] = {&out.common_pktsizes, &out.common_ttls, &out.common_srcports, &out.common_tcpflags};
  for (int k = 0; k < 4; ++k) {
    cols[k]->begin.reserve(flows + 1);
    cols[k]->value.reserve(values[k]);
    cols[k]->freq.reserve(values[k]);
  }
  for (const auto& part : commons) {
    out.common_pktsizes.append(part.pktsizes);
    out.common_ttls.append(part.ttls);
    out.common_srcports.append(part.srcports);
    out.common_tcpflags.append(part.tcpflags);
  }
  return out;
}

Ft4IntervalStream::Ft4IntervalStream(const ConvertOptions& opt, Emit emit) : opt_(opt), emit_(std::move(emit)) {
  if (opt.interval_s == 0) throw std::invalid_argument("interval_s must be > 0");
}

void Ft4IntervalStream::add(const Ft3Columns& batch) {
  uint32_t newest = 0;
  for (size_t i = 0; i < batch.size(); ++i) {
    const uint32_t interval = batch.time[i] - batch.time[i] % opt_.interval_s;
    if (last_emitted_ && interval <= *last_emitted_) {
      throw std::invalid_argument("Ft4IntervalStream: a row of an interval already emitted");
    }
    open_[interval].push_back(batch.row(i));
    newest = std::max(newest, interval);
  }
  flush_before(newest);
}

void Ft4IntervalStream::finish() { flush_before(uint64_t(1) << 32); }

void Ft4IntervalStream::flush_before(uint64_t interval_end) {
  while (!open_.empty() && open_.begin()->first < interval_end) {
    const uint32_t interval = open_.begin()->first;
    const Ft4Columns flows = convert_ft3_to_ft4(open_.begin()->second, opt_);
    open_.erase(open_.begin());
    last_emitted_ = interval;
    emit_(interval, flows);
  }
}

void append_ft4_row(Ft4Columns& to, const Ft4Columns& from, size_t i) {
  auto common = [](CommonColumn& t, const CommonColumn& f, size_t r) {
    for (uint64_t j = f.begin[r]; j < f.begin[r + 1]; ++j) {
      t.value.push_back(f.value[j]);
      t.freq.push_back(f.freq[j]);
    }
    t.begin.push_back(t.value.size());
  };
  to.time.push_back(from.time[i]); to.src_ip.push_back(from.src_ip[i]); to.dst_net.push_back(from.dst_net[i]);
  to.dst_port.push_back(from.dst_port[i]); to.protocol.push_back(from.protocol[i]);
  to.packet_cnt.push_back(from.packet_cnt[i]);
  to.uniq_dst_ips.push_back(from.uniq_dst_ips[i]); to.uniq_pkt_sizes.push_back(from.uniq_pkt_sizes[i]);
  to.uniq_ttls.push_back(from.uniq_ttls[i]); to.uniq_src_ports.push_back(from.uniq_src_ports[i]);
  to.uniq_tcp_flags.push_back(from.uniq_tcp_flags[i]);
  to.first_syn_length.push_back(from.first_syn_length[i]); to.first_tcp_rwin.push_back(from.first_tcp_rwin[i]);
  common(to.common_pktsizes, from.common_pktsizes, i); common(to.common_ttls, from.common_ttls, i);
  common(to.common_srcports, from.common_srcports, i); common(to.common_tcpflags, from.common_tcpflags, i);
  to.maxmind_continent.push_back(from.maxmind_continent[i]); to.maxmind_country.push_back(from.maxmind_country[i]);
  to.netacq_continent.push_back(from.netacq_continent[i]); to.netacq_country.push_back(from.netacq_country[i]);
  to.prefix2asn.push_back(from.prefix2asn[i]);
  to.spoofed_packet_cnt.push_back(from.spoofed_packet_cnt[i]);
  to.masscan_packet_cnt.push_back(from.masscan_packet_cnt[i]);
}

Ft4Columns merge_ft4_parts(std::span<const Ft4Columns> parts) {
  struct Ref {
    unsigned __int128 key;
    uint32_t part;
    uint64_t row;
  };
  std::vector<Ref> refs;
  for (size_t p = 0; p < parts.size(); ++p) {
    for (size_t i = 0; i < parts[p].size(); ++i) refs.push_back({ft4_order_key(parts[p], i), uint32_t(p), i});
  }
  std::sort(refs.begin(), refs.end(), [](const Ref& a, const Ref& b) { return a.key < b.key; });
  Ft4Columns out;
  for (size_t k = 0; k < refs.size(); ++k) {
    if (k > 0 && refs[k].key == refs[k - 1].key) throw std::invalid_argument("merge_ft4_parts: a flow is in two parts");
    append_ft4_row(out, parts[refs[k].part], refs[k].row);
  }
  return out;
}

}  // namespace scanhpc::flow
