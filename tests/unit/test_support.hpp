#pragma once
// Helpers shared by the unit tests.
#include <catch2/catch.hpp>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "scanhpc/core/ipv4.hpp"
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
inline ParseSink parse_text(MasscanFormat format, const std::string& text, bool keep_banners = false,
                            const LineContext& context = {}) {
  ParseSink sink;
  sink.keep_banners = keep_banners;
  LineParser parser(format, context);
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

// Everything zlib inflates from `gz` (gzip wrapper) before the end of its
// first member or its first error: an oracle independent of the readers.
inline std::string inflate_first_member(const std::string& gz) {
  z_stream z{};
  REQUIRE(inflateInit2(&z, 16 + MAX_WBITS) == Z_OK);
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(gz.data()));
  z.avail_in = uInt(gz.size());
  std::string out;
  char buf[1 << 16];
  for (;;) {
    z.next_out = reinterpret_cast<Bytef*>(buf);
    z.avail_out = sizeof buf;
    const int rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
    if (rc != Z_OK) break;  // Z_STREAM_END, Z_BUF_ERROR (truncated) or Z_DATA_ERROR (corrupt)
  }
  inflateEnd(&z);
  return out;
}

// One masscan 1.3.x -oJ status record, as out-json.c writes it.
inline std::string json_record(uint32_t ip, uint32_t ts, uint16_t port) {
  return R"({   "ip": ")" + format_ipv4(ip) + R"(",   "timestamp": ")" + std::to_string(ts) +
         R"(", "ports": [ {"port": )" + std::to_string(port) +
         R"(, "proto": "tcp", "status": "open", "reason": "syn-ack", "ttl": 64} ] })";
}

}  // namespace scanhpc::test
