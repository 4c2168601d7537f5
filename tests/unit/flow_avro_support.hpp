#pragma once
// Helpers of the flowtuple Avro tests: rows compared one by one, and an
// Avro container built by hand (independent of scanhpc's writer).
#include <catch2/catch.hpp>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>

#include <unistd.h>

#include "scanhpc/flow/avro.hpp"

namespace scanhpc::test {

template <class Columns>
void check_same_rows(const Columns& got, const Columns& want, const std::string& what) {
  INFO(what << ": " << got.size() << " rows vs " << want.size() << " expected");
  REQUIRE(got.size() == want.size());
  size_t i = 0;
  while (i < got.size() && got.row(i) == want.row(i)) ++i;
  INFO("first differing row " << i);
  CHECK(i == got.size());
}

// Avro's zigzag varint, written out again here so that hand-made files do
// not depend on the code under test.
inline std::string zz(int64_t v) {
  uint64_t u = (uint64_t(v) << 1) ^ uint64_t(v >> 63);
  std::string out;
  for (; u >= 0x80; u >>= 7) out.push_back(char(uint8_t(u) | 0x80));
  out.push_back(char(u));
  return out;
}
inline std::string avro_string(const std::string& s) { return zz(int64_t(s.size())) + s; }
inline const std::string kHandSync = "0123456789abcdef";

// A null-codec container: header with `schema`, then each (count, data) block.
inline std::string hand_container(const std::string& schema,
                                  const std::vector<std::pair<int64_t, std::string>>& blocks,
                                  const std::string& codec = "null") {
  std::string f = std::string("Obj\x01", 4) + zz(2) + avro_string("avro.schema") + avro_string(schema) +
                  avro_string("avro.codec") + avro_string(codec) + zz(0) + kHandSync;
  for (const auto& [count, data] : blocks) f += zz(count) + zz(int64_t(data.size())) + data + kHandSync;
  return f;
}

// A fresh directory under the system temp dir, removed at scope exit.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& name) {
    path = std::filesystem::temp_directory_path() /
           ("scanhpc-" + name + "-" + std::to_string(getpid()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  std::string file(const std::string& name, const std::string& bytes) const {
    const std::string p = (path / name).string();
    std::ofstream(p, std::ios::binary) << bytes;
    return p;
  }
};

}  // namespace scanhpc::test
