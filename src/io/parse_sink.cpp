#include "scanhpc/io/parse_sink.hpp"

#include <algorithm>

namespace scanhpc {

bool error_before(const ParseError& a, const ParseError& b) {
  return a.file != b.file ? a.file < b.file : a.offset < b.offset;
}

void ParseSink::keep_error(ParseError e) {
  // Keep the first max_errors_kept by (file, offset), so the sample does not
  // depend on how the input was split over ranks and threads.
  if (errors.size() < max_errors_kept) {
    errors.push_back(std::move(e));
    return;
  }
  auto worst = std::max_element(errors.begin(), errors.end(), error_before);
  if (worst != errors.end() && error_before(e, *worst)) *worst = std::move(e);
}

void ParseSink::merge(ParseSink&& other) {
  if (status.empty()) std::swap(status, other.status);  // no copy for the first sink
  else status.append(other.status);
  if (banners.size() == 0) std::swap(banners, other.banners);
  else banners.append(other.banners);
  counts += other.counts;
  for (auto& e : other.errors) keep_error(std::move(e));
  damaged.insert(damaged.end(), other.damaged.begin(), other.damaged.end());
  other.damaged.clear();
  other.status.clear();
  other.banners.clear();
  other.errors.clear();
}

}  // namespace scanhpc
