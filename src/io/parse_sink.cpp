#include "scanhpc/io/parse_sink.hpp"

#include <algorithm>

namespace scanhpc {

void ParseSink::keep_error(ParseError e) {
  // The first max_errors_kept by (file, offset), so the sample does not
  // depend on how the input was split over ranks and threads.
  keep_first_error(errors, std::move(e), max_errors_kept);
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
