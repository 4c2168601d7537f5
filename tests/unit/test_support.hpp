#pragma once
// Helpers shared by the unit tests.
#include <catch2/catch.hpp>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

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

}  // namespace scanhpc::test
