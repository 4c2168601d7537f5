#include "scanhpc/flow/read_plan.hpp"

#include <algorithm>
#include <map>
#include <stdexcept>

namespace scanhpc::flow {

std::optional<uint32_t> file_name_time(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  std::optional<uint32_t> found;
  for (size_t i = 0; i < name.size();) {
    if (name[i] < '0' || name[i] > '9') {
      ++i;
      continue;
    }
    size_t j = i;
    uint64_t v = 0;
    while (j < name.size() && name[j] >= '0' && name[j] <= '9') v = v * 10 + uint64_t(name[j++] - '0');
    if ((j - i == 9 || j - i == 10) && v <= 0xFFFFFFFFull) found = uint32_t(v);
    i = j;
  }
  return found;
}

std::optional<uint32_t> file_name_seconds(std::string_view path) {
  const size_t slash = path.find_last_of('/');
  std::string_view name = slash == std::string_view::npos ? path : path.substr(slash + 1);
  // A run of digits between separators, followed by a unit: "_3600s_", "_5min_", ".60s.".
  auto separator = [](char c) { return c == '_' || c == '.' || c == '-'; };
  for (size_t i = 0; i < name.size(); ++i) {
    if (!separator(name[i])) continue;
    size_t j = i + 1;
    uint64_t v = 0;
    while (j < name.size() && name[j] >= '0' && name[j] <= '9' && v < 100000000) v = v * 10 + uint64_t(name[j++] - '0');
    if (j == i + 1 || v == 0) continue;
    std::string_view rest = name.substr(j);
    uint64_t unit = 0;
    size_t len = 0;
    if (rest.starts_with("min")) unit = 60, len = 3;
    else if (rest.starts_with("s")) unit = 1, len = 1;
    if (!unit || len >= rest.size() || !separator(rest[len])) continue;
    if (v * unit <= 0xFFFFFFFFull) return uint32_t(v * unit);
  }
  return std::nullopt;
}

bool file_may_overlap(uint32_t start, uint32_t seconds, std::optional<uint32_t> from, std::optional<uint32_t> to) {
  const uint64_t end = uint64_t(start) + seconds;  // exclusive
  if (from && end <= *from) return false;
  if (to && start > *to) return false;
  return true;
}

std::vector<std::pair<size_t, size_t>> split_units(const std::vector<uint64_t>& weights, int ranks) {
  if (ranks < 1) throw std::invalid_argument("split_units: ranks < 1");
  unsigned __int128 total = 0;
  for (uint64_t w : weights) total += w;
  std::vector<std::pair<size_t, size_t>> out(size_t(ranks), {0, 0});
  unsigned __int128 before = 0;
  size_t r = 0, begin = 0;
  for (size_t i = 0; i < weights.size(); ++i) {
    // The owner of unit i: floor(middle * ranks / total), with weightless units following their predecessor.
    const unsigned __int128 middle2 = 2 * before + weights[i];  // twice the middle
    size_t owner = total ? size_t(middle2 * unsigned(ranks) / (2 * total)) : 0;
    if (owner >= size_t(ranks)) owner = size_t(ranks) - 1;
    if (owner < r) owner = r;
    while (r < owner) {
      out[r] = {begin, i};
      begin = i;
      ++r;
    }
    before += weights[i];
  }
  for (; r < size_t(ranks); ++r) {
    out[r] = {begin, weights.size()};
    begin = weights.size();
  }
  return out;
}

std::vector<std::vector<size_t>> convert_windows(const std::vector<std::optional<uint32_t>>& name_times,
                                                 const std::vector<uint64_t>& bytes, uint32_t interval_s,
                                                 uint64_t budget_bytes) {
  if (name_times.size() != bytes.size() || interval_s == 0)
    throw std::invalid_argument("convert_windows: one time and size per file, and a positive interval");
  std::vector<size_t> all(name_times.size());
  for (size_t i = 0; i < all.size(); ++i) all[i] = i;
  const bool timed = std::all_of(name_times.begin(), name_times.end(), [](const auto& t) { return t.has_value(); });
  if (budget_bytes == 0 || !timed || all.empty()) return {all};
  // The intervals in time order, with their files (in input order) and bytes.
  std::map<uint32_t, std::pair<std::vector<size_t>, uint64_t>> intervals;
  for (size_t i = 0; i < all.size(); ++i) {
    auto& [files, total] = intervals[*name_times[i] - *name_times[i] % interval_s];
    files.push_back(i);
    total += bytes[i];
  }
  std::vector<std::vector<size_t>> windows;
  uint64_t in_window = 0;
  for (const auto& [start, part] : intervals) {
    if (windows.empty() || in_window + part.second > budget_bytes) {
      windows.emplace_back();
      in_window = 0;
    }
    windows.back().insert(windows.back().end(), part.first.begin(), part.first.end());
    in_window += part.second;
  }
  for (auto& w : windows) std::sort(w.begin(), w.end());
  return windows;
}

}  // namespace scanhpc::flow
