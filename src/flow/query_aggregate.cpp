// FT4 queries: top-N values and per-interval series.
#include <algorithm>
#include <stdexcept>
#include <unordered_map>

#include "scanhpc/flow/query.hpp"

namespace scanhpc::flow {

std::optional<Metric> parse_metric(std::string_view name) {
  if (name == "flows") return Metric::flows;
  if (name == "packets") return Metric::packets;
  if (name == "dst_ips" || name == "dest_ips") return Metric::dst_ips;
  return std::nullopt;
}

std::string_view metric_name(Metric m) {
  switch (m) {
    case Metric::flows: return "flows";
    case Metric::packets: return "packets";
    case Metric::dst_ips: return "dst_ips";
  }
  return "?";
}

std::vector<std::pair<uint64_t, uint64_t>> local_top_counts(const Ft4Columns& c, const std::vector<uint32_t>& rows,
                                                            Field field, Metric metric) {
  std::unordered_map<uint64_t, uint64_t> counts;
  for (uint32_t i : rows) {
    const uint64_t add = metric == Metric::flows ? 1 : metric == Metric::packets ? c.packet_cnt[i] : c.uniq_dst_ips[i];
    counts[field_value(c, field, i)] += add;
  }
  std::vector<std::pair<uint64_t, uint64_t>> out(counts.begin(), counts.end());
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<TopRow> top_rows(std::vector<std::pair<uint64_t, uint64_t>> counts, Field field, size_t n,
                             std::optional<uint64_t> given_total) {
  std::sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) {
    return a.second != b.second ? a.second > b.second : a.first < b.first;
  });
  uint64_t total = 0;
  for (const auto& [v, c] : counts) total += c;
  if (given_total) total = *given_total;
  std::vector<TopRow> out;
  uint64_t running = 0;
  auto share = [&](uint64_t x) { return total ? double(x) / double(total) : 0.0; };
  for (size_t r = 0; r < counts.size() && r < n; ++r) {
    running += counts[r].second;
    out.push_back({uint32_t(r + 1), value_text(field, counts[r].first), counts[r].second, share(counts[r].second),
                   share(running)});
  }
  if (running > total) throw std::logic_error("top_rows: the total is smaller than the top counts");
  const uint64_t other = total - running;
  if (other > 0) out.push_back({uint32_t(n + 1), "Other", other, share(other), share(running + other)});
  return out;
}

SeriesKeys local_series_keys(const Ft4Columns& c, const std::vector<uint32_t>& rows) {
  SeriesKeys k;
  // (time, key) packed into one word: sorting words is about twice as fast as sorting pairs.
  // Runs of equal words (a source's flows are neighbours in FT4 files) are cut to one first.
  std::vector<uint64_t> words;
  words.reserve(rows.size());
  auto distinct = [&](const std::vector<uint32_t>& column, std::vector<std::pair<uint32_t, uint32_t>>& out) {
    words.clear();
    for (uint32_t i : rows) {
      const uint64_t w = uint64_t(c.time[i]) << 32 | column[i];
      if (words.empty() || words.back() != w) words.push_back(w);
    }
    std::sort(words.begin(), words.end());
    out.reserve(rows.size());
    for (size_t j = 0; j < words.size(); ++j)
      if (j == 0 || words[j] != words[j - 1]) out.emplace_back(uint32_t(words[j] >> 32), uint32_t(words[j]));
  };
  for (uint32_t i : rows) k.packets[c.time[i]] += c.packet_cnt[i];
  distinct(c.src_ip, k.src_ips);
  distinct(c.dst_net, k.dst_nets);
  distinct(c.prefix2asn, k.asns);
  return k;
}

std::vector<SeriesRow> series_rows(const SeriesKeys& g) {
  std::map<uint32_t, SeriesRow> rows;
  for (const auto& [t, p] : g.packets) rows[t].packets += p;
  for (const auto& [t, v] : g.src_ips) ++rows[t].src_ips;
  for (const auto& [t, v] : g.dst_nets) ++rows[t].dst_nets;
  for (const auto& [t, v] : g.asns) ++rows[t].asns;
  std::vector<SeriesRow> out;
  for (auto& [t, r] : rows) {
    r.time = t;
    out.push_back(r);
  }
  return out;
}

}  // namespace scanhpc::flow
