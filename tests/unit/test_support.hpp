#pragma once
// Helpers shared by the unit tests.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scanhpc/io/masscan_lines.hpp"

namespace scanhpc::test {

// The whole content of a file, which must exist.
inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  REQUIRE(f.good());
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// Compares two vectors element by element, reporting the first difference
// (Catch would print whole vectors of tuples as "{?}").
template <class T>
void check_same(const std::vector<T>& got, const std::vector<T>& want, const char* what) {
  INFO(what << ": " << got.size() << " vs " << want.size() << " elements");
  CHECK(got.size() == want.size());
  const size_t n = std::min(got.size(), want.size());
  size_t i = 0;
  while (i < n && got[i] == want[i]) ++i;
  INFO("first difference at index " << i);
  CHECK(i == n);
}

// Feeds a whole text through a LineParser the way the block readers do: one
// line at a time, in a buffer with the padding simdjson needs after it.
inline ParseSink parse_text(MasscanFormat format, const std::string& text, bool keep_banners = false) {
  ParseSink sink;
  sink.keep_banners = keep_banners;
  LineParser parser(format);
  const std::string buf = text + std::string(json_line_padding(), '\0');
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    size_t end = nl == std::string::npos ? text.size() : nl;
    parser.parse(std::string_view(buf.data() + pos, end - pos), 0, pos, sink);
    pos = end + 1;
  }
  return sink;
}

}  // namespace scanhpc::test
