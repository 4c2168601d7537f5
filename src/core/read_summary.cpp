#include "scanhpc/core/read_summary.hpp"

#include <algorithm>
#include <cstring>
#include <stdexcept>

namespace scanhpc {

bool error_before(const ParseError& a, const ParseError& b) {
  if (a.file != b.file) return a.file < b.file;
  if (a.offset != b.offset) return a.offset < b.offset;
  return a.cause < b.cause;  // a total order: the sample never depends on arrival order
}

void keep_first_error(std::vector<ParseError>& sample, ParseError e, size_t limit) {
  // A max-heap by (file, offset, cause) once full: the worst kept error is at the front.
  if (sample.size() < limit) {
    sample.push_back(std::move(e));
    if (sample.size() == limit) std::make_heap(sample.begin(), sample.end(), error_before);
    return;
  }
  if (limit == 0 || !error_before(e, sample.front())) return;
  std::pop_heap(sample.begin(), sample.end(), error_before);
  sample.back() = std::move(e);
  std::push_heap(sample.begin(), sample.end(), error_before);
}

bool would_keep_error(const std::vector<ParseError>& sample, uint32_t file, uint64_t offset, size_t limit) {
  if (sample.size() < limit) return true;
  if (limit == 0) return false;
  const ParseError& worst = sample.front();
  return file != worst.file ? file < worst.file : offset <= worst.offset;
}

void ReadSummary::merge(ReadSummary&& o) {
  records_read += o.records_read;
  records_used += o.records_used;
  records_rejected += o.records_rejected;
  for (auto& e : o.errors) keep_first_error(errors, std::move(e), errors_kept);
  damaged.insert(damaged.end(), std::make_move_iterator(o.damaged.begin()), std::make_move_iterator(o.damaged.end()));
  const size_t kept = o.errors_kept;
  o = ReadSummary{};
  o.errors_kept = kept;
}

std::vector<ParseError> ReadSummary::sorted_errors() const {
  auto v = errors;
  std::sort(v.begin(), v.end(), error_before);
  return v;
}

std::string error_message(const ParseError& e, const std::vector<std::string>& paths) {
  const std::string path = e.file < paths.size() ? paths[e.file] : std::string("?");
  if (e.offset == ParseError::kWholeFile) return path + ": " + e.cause;
  return path + ": byte " + std::to_string(e.offset) + ": " + e.cause;
}

std::string serialize_errors(const std::vector<ParseError>& errors) {
  std::string out;
  auto put = [&](const void* p, size_t n) { out.append(static_cast<const char*>(p), n); };
  for (const auto& e : errors) {
    const uint64_t len = e.cause.size();
    put(&e.file, sizeof e.file);
    put(&e.offset, sizeof e.offset);
    put(&len, sizeof len);
    out += e.cause;
  }
  return out;
}

void deserialize_errors(const std::string& bytes, std::vector<ParseError>& out) {
  size_t pos = 0;
  auto get = [&](void* p, size_t n) {
    if (pos + n > bytes.size()) throw std::runtime_error("deserialize_errors: truncated");
    std::memcpy(p, bytes.data() + pos, n);
    pos += n;
  };
  while (pos < bytes.size()) {
    ParseError e;
    uint64_t len = 0;
    get(&e.file, sizeof e.file);
    get(&e.offset, sizeof e.offset);
    get(&len, sizeof len);
    if (pos + len > bytes.size()) throw std::runtime_error("deserialize_errors: truncated");
    e.cause = bytes.substr(pos, len);
    pos += len;
    out.push_back(std::move(e));
  }
}

}  // namespace scanhpc
