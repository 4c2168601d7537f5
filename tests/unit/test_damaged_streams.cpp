// A truncated or corrupt gzip input under --on-error=skip: the complete
// records before the damage are used and the rest counts as one rejected
// record at the byte offset of the damage. The oracle inflates the damaged
// file with zlib's raw inflate() (not the gzread path ByteStream uses) and
// parses the complete lines of what came out with the same line parser.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <zlib.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "test_support.hpp"

#include "scanhpc/io/byte_stream.hpp"
#include "scanhpc/io/ingest.hpp"
#include "scanhpc/io/masscan_binary.hpp"

using namespace scanhpc;
using scanhpc::test::inflate_first_member;
using scanhpc::test::parse_text;
using scanhpc::test::slurp;
namespace fs = std::filesystem;

namespace {

const std::string kData = SCANHPC_TESTDATA;

std::string temp_path(const std::string& tag) {
  static int n = 0;
  return (fs::temp_directory_path() / ("scanhpc_damaged_" + std::to_string(::getpid()) + "_" + std::to_string(n++) +
                                       "." + tag))
      .string();
}

std::string gzip_bytes(const std::string& plain) {
  const std::string path = temp_path("gz");
  gzFile f = gzopen(path.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, plain.data(), unsigned(plain.size())) == int(plain.size()));
  REQUIRE(gzclose(f) == Z_OK);
  std::string bytes = slurp(path);
  fs::remove(path);
  return bytes;
}

std::string write_file(const std::string& tag, const std::string& bytes) {
  const std::string path = temp_path(tag);
  std::ofstream(path, std::ios::binary) << bytes;
  return path;
}

IngestResult ingest_whole(const std::string& path, MasscanFormat format) {
  std::vector<InputFile> files{{path, format, fs::file_size(path), true}};
  IngestOptions opt;
  opt.chunk_bytes = 1 << 16;
  return local_ingest(files, {{0, 0, files[0].bytes, true}}, opt);
}

}  // namespace

TEST_CASE("damaged gzip: the records before a cut are used, the rest is one rejected record", "[damaged]") {
  const std::string plain = slurp(kData + "/scan.oL");
  const std::string gz = gzip_bytes(plain);
  for (double at : {0.1, 0.5, 0.9, 0.999}) {
    const std::string cut = gz.substr(0, size_t(double(gz.size()) * at));
    const std::string path = write_file("oL.gz", cut);
    const std::string prefix = inflate_first_member(cut);  // at 0.999 only the gzip trailer is lost
    REQUIRE(prefix.size() <= plain.size());
    REQUIRE(plain.compare(0, prefix.size(), prefix) == 0);
    const std::string complete = prefix.substr(0, prefix.rfind('\n') + 1);
    const ParseSink want = parse_text(MasscanFormat::list, complete);

    const IngestResult got = ingest_whole(path, MasscanFormat::list);
    INFO("cut at " << at << " of the gzip bytes: " << complete.size() << " inflated bytes of complete lines");
    CHECK(got.sink.counts.records_used == want.counts.records_used);
    CHECK(got.sink.status.size() == want.status.size());
    CHECK(got.sink.counts.records_rejected == want.counts.records_rejected + 1);
    CHECK(got.sink.counts.records_read == got.sink.counts.records_used + got.sink.counts.records_rejected);
    REQUIRE(got.sink.damaged.size() == 1);
    const auto& e = got.sink.damaged[0];
    CHECK(e.offset == complete.size());
    CHECK(e.cause.find("damaged compressed stream") != std::string::npos);
    CHECK(e.cause.find("truncated gzip stream") != std::string::npos);
    fs::remove(path);
  }
}

TEST_CASE("damaged gzip: corrupt deflate data in the middle stops at the damage", "[damaged]") {
  const std::string plain = slurp(kData + "/scan.oJ");
  std::string gz = gzip_bytes(plain);
  for (size_t i = gz.size() / 2; i < gz.size() / 2 + 64; ++i) gz[i] = char(~gz[i]);
  const std::string path = write_file("oJ.gz", gz);
  const IngestResult got = ingest_whole(path, MasscanFormat::json);
  // What zlib inflates past the damage is garbage until it notices (a bad
  // code, or the checksum at the end): those lines are rejected, and never
  // more records are used than the whole file holds.
  const ParseSink whole = parse_text(MasscanFormat::json, plain);
  CHECK(got.sink.counts.records_used < whole.counts.records_used);
  CHECK(got.sink.counts.records_used > 0);
  CHECK(got.sink.counts.records_read == got.sink.counts.records_used + got.sink.counts.records_rejected);
  REQUIRE(got.sink.damaged.size() == 1);  // kept whatever the first-100 sample of errors holds
  CHECK(got.sink.damaged[0].cause.find("corrupt gzip data") != std::string::npos);
  fs::remove(path);
}

TEST_CASE("damaged gzip: a cut binary -oB file keeps its complete records", "[damaged]") {
  const std::string plain = slurp(kData + "/scan.bin");
  const std::string gz = gzip_bytes(plain);
  const std::string cut = gz.substr(0, gz.size() / 2);
  const std::string prefix = inflate_first_member(cut);
  // Oracle: the same reader over the inflated prefix as a plain file, which
  // ends in a truncated record of its own.
  const std::string plain_path = write_file("bin", prefix);
  ParseSink want;
  {
    ByteStream in(plain_path);
    read_masscan_binary(in, 0, want);
  }
  const std::string path = write_file("bin.gz", cut);
  const IngestResult got = ingest_whole(path, MasscanFormat::binary);
  CHECK(got.sink.counts.records_used == want.counts.records_used);
  CHECK(got.sink.status.size() == want.status.size());
  CHECK(got.sink.counts.records_rejected == want.counts.records_rejected);  // the cut record, either way
  REQUIRE(got.sink.errors.size() == 1);
  REQUIRE(got.sink.damaged.size() == 1);
  CHECK(got.sink.damaged[0].cause.find("damaged compressed stream") != std::string::npos);
  CHECK(got.sink.damaged[0].offset == want.errors.at(0).offset);
  fs::remove(path);
  fs::remove(plain_path);
}

TEST_CASE("byte stream: bytes inflated before damage are delivered before the error", "[damaged]") {
  const std::string plain = slurp(kData + "/scan.oJ");
  const std::string gz = gzip_bytes(plain);
  const std::string cut = gz.substr(0, gz.size() / 3);
  const std::string path = write_file("gz", cut);
  ByteStream in(path);
  std::string got, buf(1 << 20, '\0');  // one read asks for more than the whole prefix
  bool threw = false;
  try {
    for (size_t n; (n = in.read(buf.data(), buf.size())) > 0;) got.append(buf.data(), n);
  } catch (const StreamError& e) {
    threw = true;
    CHECK(e.corrupt());
    CHECK(e.offset() == got.size());
  }
  CHECK(threw);
  CHECK(got == inflate_first_member(cut));
  fs::remove(path);
}
