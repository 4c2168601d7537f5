// Tests of ByteStream: plain and gzip files read the same bytes, errors name
// the path (and the offset for read errors).
#include <catch2/catch.hpp>

#include "test_support.hpp"

#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>

#include "scanhpc/io/byte_stream.hpp"

using namespace scanhpc;
using scanhpc::test::slurp;

namespace {

const std::string kData = SCANHPC_TESTDATA;


std::string temp_path(const std::string& tag) {
  static int counter = 0;
  return (std::filesystem::temp_directory_path() /
          ("scanhpc_bytestream_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + "." + tag))
      .string();
}

void write_gzip(const std::string& path, const std::string& bytes) {
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  REQUIRE(gzclose(f) == Z_OK);
}

// Reads a whole stream in chunks of `chunk` bytes, checking offset() as it goes.
std::string read_all(ByteStream& in, size_t chunk) {
  std::string out;
  std::string buf(chunk, '\0');
  for (;;) {
    size_t got = in.read(buf.data(), chunk);
    REQUIRE(got <= chunk);
    if (got == 0) break;
    out.append(buf.data(), got);
    REQUIRE(in.offset() == out.size());
  }
  REQUIRE(in.read(buf.data(), chunk) == 0);  // stays at the end
  return out;
}

}  // namespace

TEST_CASE("byte stream: plain file, any chunk size", "[readers]") {
  const std::string path = kData + "/scan.oL";
  const std::string want = slurp(path);
  REQUIRE(want.size() == 54331);
  for (size_t chunk : {size_t(1), size_t(7), size_t(4096), size_t(1) << 20}) {
    ByteStream in(path);
    CHECK(in.path() == path);
    CHECK(in.offset() == 0);
    CHECK(read_all(in, chunk) == want);
    CHECK(in.offset() == want.size());
  }
}

TEST_CASE("byte stream: a gzip file reads the same bytes as the plain one", "[readers]") {
  for (const char* name : {"scan.oX", "scan.bin"}) {
    const std::string plain = kData + "/" + name;
    const std::string want = slurp(plain);
    const std::string gz = temp_path("gz");
    write_gzip(gz, want);
    REQUIRE(slurp(gz).substr(0, 2) == "\x1f\x8b");  // really compressed
    {
      ByteStream in(gz);
      CHECK(read_all(in, 65536) == want);
      CHECK(in.offset() == want.size());  // offsets count inflated bytes
    }
    {
      ByteStream in(gz);
      CHECK(read_all(in, 333) == want);
    }
    std::filesystem::remove(gz);
  }
}

TEST_CASE("byte stream: empty file", "[readers]") {
  const std::string path = temp_path("empty");
  { std::ofstream f(path); }
  ByteStream in(path);
  char buf[16];
  CHECK(in.read(buf, sizeof buf) == 0);
  CHECK(in.offset() == 0);
  CHECK(in.read(buf, 0) == 0);
  std::filesystem::remove(path);
}

TEST_CASE("byte stream: a missing file throws naming the path", "[readers]") {
  const std::string path = "/nonexistent/dir/scan.oJ";
  try {
    ByteStream in(path);
    FAIL("no exception");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find(path) != std::string::npos);
    CHECK(std::string(e.what()).find("No such file") != std::string::npos);
  }
}

TEST_CASE("byte stream: a truncated gzip stream throws naming path and offset", "[readers]") {
  std::string want(200000, '\0');
  uint64_t x = 88172645463325252ull;  // xorshift: text that does not compress away
  for (auto& ch : want) {
    x ^= x << 13; x ^= x >> 7; x ^= x << 17;
    ch = char('a' + x % 26);
  }
  const std::string gz = temp_path("gz");
  write_gzip(gz, want);
  std::string bytes = slurp(gz);
  const std::string cut = temp_path("gz");
  {
    std::ofstream f(cut, std::ios::binary);
    f.write(bytes.data(), std::streamsize(bytes.size() / 2));
  }
  ByteStream in(cut);
  std::string buf(4096, '\0');
  bool threw = false;
  std::string got;
  try {
    for (;;) {
      size_t n = in.read(buf.data(), buf.size());
      if (n == 0) break;
      got.append(buf.data(), n);
    }
  } catch (const std::runtime_error& e) {
    threw = true;
    const std::string msg = e.what();
    CHECK(msg.find(cut) != std::string::npos);
    CHECK(msg.find("offset") != std::string::npos);
    CHECK(msg.find("truncated gzip") != std::string::npos);
  }
  CHECK(threw);
  CHECK(got.size() < want.size());
  CHECK(want.compare(0, got.size(), got) == 0);  // what came before was right
  std::filesystem::remove(gz);
  std::filesystem::remove(cut);
}
