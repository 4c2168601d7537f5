// The byte-range split and the threaded block readers: every line is read
// exactly once whatever the number of simulated ranks, chunks and threads.
#include <catch2/catch.hpp>
#include <zlib.h>

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>

#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/io/ingest.hpp"
#include "test_support.hpp"

using namespace scanhpc;
namespace fs = std::filesystem;
using scanhpc::test::json_record;

namespace {

fs::path temp_dir() {
  auto d = fs::temp_directory_path() / ("scanhpc_ingest_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

// A 1.3.x -oJ file with n records, some bad ones, and one long banner line.
std::string make_json(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string text = "[\n";
  for (size_t i = 0; i < n; ++i) {
    if (i) text += ",\n";
    if (i % 97 == 13) text += R"({"ip": "bad", "timestamp": "1", "ports": [ ] })";
    else if (i == n / 2) text += R"({"ip": "9.9.9.9", "timestamp": "5", "ports": [ {"port": 80, "proto": "tcp", "service": {"name": "http", "banner": ")" + std::string(200000, 'x') + "\"} } ] }";
    else text += json_record(uint32_t(rng()), uint32_t(1600000000 + i), uint16_t(rng() % 100));
  }
  return text + "\n]\n";
}

using Row = std::tuple<uint32_t, uint32_t, uint16_t>;
std::vector<Row> rows_of(const StatusColumns& c) {
  std::vector<Row> r;
  for (size_t i = 0; i < c.size(); ++i) r.emplace_back(c.ip[i], c.ts[i], c.port[i]);
  std::sort(r.begin(), r.end());
  return r;
}

}  // namespace

TEST_CASE("the read plan covers every byte exactly once at any rank count", "[ingest]") {
  std::vector<InputFile> files{{"a", MasscanFormat::json, 1000, false}, {"b.gz", MasscanFormat::json, 300, true},
                               {"c", MasscanFormat::list, 0, false},   {"d", MasscanFormat::binary, 50, false},
                               {"e", MasscanFormat::empty, 0, false},  {"f", MasscanFormat::ndjson, 7, false}};
  files[2].format = MasscanFormat::empty;
  for (int ranks = 1; ranks <= 9; ++ranks) {
    auto plan = plan_read_tasks(files, ranks);
    REQUIRE(plan.size() == size_t(ranks));
    std::vector<std::vector<std::pair<uint64_t, uint64_t>>> covered(files.size());
    size_t whole = 0;
    for (const auto& tasks : plan)
      for (const auto& t : tasks) {
        if (t.whole) ++whole;
        covered[t.file].emplace_back(t.begin, t.end);
      }
    CHECK(whole == 2);  // the gzip and the binary file
    for (size_t f : {0, 5}) {
      auto& v = covered[f];
      std::sort(v.begin(), v.end());
      uint64_t at = 0;
      for (auto [b, e] : v) { CHECK(b == at); CHECK(e > b); at = e; }
      CHECK(at == files[f].bytes);
    }
  }
}

TEST_CASE("local_ingest reads the same rows at 1..7 simulated ranks, any chunk size and thread count", "[ingest]") {
  auto dir = temp_dir();
  std::string text = make_json(3000, 1);
  std::ofstream(dir / "a.json") << text;
  std::ofstream(dir / "b.json") << make_json(500, 2);
  {  // the same content, gzip-compressed: read whole as a stream
    gzFile gz = gzopen((dir / "c.json.gz").c_str(), "wb");
    gzwrite(gz, text.data(), unsigned(text.size()));
    gzclose(gz);
  }
  auto files = enumerate_inputs({dir.string()}, MasscanFormat::automatic);
  REQUIRE(files.size() == 3);
  CHECK(files[2].gzip);

  IngestOptions one;
  one.threads = 1;
  auto reference = local_ingest(files, plan_read_tasks(files, 1)[0], one);
  const auto& rc = reference.sink.counts;
  CHECK(rc.records_read == 3000 + 500 + 3000);
  CHECK(rc.records_read == rc.records_used + rc.records_rejected);
  CHECK(rc.records_rejected == 2 * 31 + 6);  // i % 97 == 13
  CHECK(rc.banner_records == 3);
  auto want = rows_of(reference.sink.status);

  for (int ranks = 1; ranks <= 7; ++ranks)
    for (size_t chunk : {size_t(1) << 10, size_t(4099), size_t(8) << 20})
      for (int threads : {1, 2}) {
        INFO("ranks " << ranks << " chunk " << chunk << " threads " << threads);
        IngestOptions opt;
        opt.chunk_bytes = chunk;
        opt.threads = threads;
        StatusColumns all;
        RecordCounts counts;
        std::vector<uint64_t> per_file_records(files.size());
        for (const auto& tasks : plan_read_tasks(files, ranks)) {
          auto r = local_ingest(files, tasks, opt);
          all.append(r.sink.status);
          counts += r.sink.counts;
          for (size_t f = 0; f < files.size(); ++f) per_file_records[f] += r.per_file[f].records;
        }
        CHECK(rows_of(all) == want);
        CHECK(counts.records_read == rc.records_read);
        CHECK(counts.records_rejected == rc.records_rejected);
        CHECK(per_file_records == std::vector<uint64_t>{3000, 500, 3000});
      }
  fs::remove_all(dir);
}

TEST_CASE("over-long lines are rejected with their offset, the rest is read", "[ingest]") {
  auto dir = temp_dir();
  std::string text = "[\n" + json_record(1, 2, 3) + "\n,\n" + std::string(1 << 20, 'j') + "\n,\n" +
                     json_record(4, 5, 6) + "\n]\n";
  std::ofstream(dir / "long.json") << text;
  auto files = enumerate_inputs({(dir / "long.json").string()}, MasscanFormat::json);
  for (size_t max : {size_t(1000), size_t(16) << 20}) {
    IngestOptions opt;
    opt.max_record_bytes = max;
    opt.chunk_bytes = 1 << 12;
    auto r = local_ingest(files, plan_read_tasks(files, 1)[0], opt);
    CHECK(r.sink.status.size() == 2);
    CHECK(r.sink.counts.records_rejected == 1);
    REQUIRE(r.sink.errors.size() == 1);
    CHECK(r.sink.errors[0].offset == text.find("jjj"));
    if (max == 1000) CHECK_THAT(r.sink.errors[0].cause, Catch::Contains("longer than 1000"));
  }
  fs::remove_all(dir);
}

TEST_CASE("inputs: missing paths and empty globs are errors naming them, empty files are empty", "[ingest]") {
  auto dir = temp_dir();
  CHECK_THROWS_WITH(enumerate_inputs({(dir / "nope.json").string()}, MasscanFormat::automatic),
                    Catch::Contains("nope.json"));
  CHECK_THROWS_WITH(enumerate_inputs({(dir / "*.nothing").string()}, MasscanFormat::automatic),
                    Catch::Contains("*.nothing"));
  std::ofstream(dir / "empty.json").close();
  auto files = enumerate_inputs({(dir / "empty.json").string()}, MasscanFormat::automatic);
  CHECK(files[0].format == MasscanFormat::empty);
  auto r = local_ingest(files, plan_read_tasks(files, 1)[0], {});
  CHECK(r.sink.counts.records_read == 0);
  fs::remove_all(dir);
}

TEST_CASE("format detection from the first bytes", "[ingest]") {
  CHECK(detect_format("") == MasscanFormat::empty);
  CHECK(detect_format("[\n{   \"ip\": ") == MasscanFormat::json);
  CHECK(detect_format("{   \"ip\": \"1.2.3.4\",   \"timestamp\": \"1\", \"ports\": [") == MasscanFormat::json);
  CHECK(detect_format("{\"ip\":\"1.2.3.4\",\"timestamp\":\"1\",\"port\":80,\"proto\":\"tcp\",\"rec_type\":\"status\"") ==
        MasscanFormat::ndjson);
  CHECK(detect_format("#masscan\nopen tcp 80") == MasscanFormat::list);
  CHECK(detect_format("# Masscan 1.3.2 scan initiated") == MasscanFormat::grepable);
  CHECK(detect_format("<?xml version=\"1.0\"?>") == MasscanFormat::xml);
  CHECK(detect_format(std::string("masscan/1.1\ns:1\n\0\0", 18)) == MasscanFormat::binary);
  CHECK_FALSE(detect_format("PK\x03\x04 a zip file"));
}

TEST_CASE("streams hand their rows on in bounded batches, and no row is lost or repeated", "[ingest]") {
  auto dir = temp_dir() / "batches";
  fs::create_directories(dir);
  const std::string text = make_json(4000, 5);
  {
    gzFile gz = gzopen((dir / "s.json.gz").c_str(), "wb");
    gzwrite(gz, text.data(), unsigned(text.size()));
    gzclose(gz);
  }
  // the project's -oB sample: banners too
  fs::copy_file(fs::path(SCANHPC_TESTDATA) / "scan.bin", dir / "t.bin");
  auto files = enumerate_inputs({dir.string()}, MasscanFormat::automatic);
  REQUIRE(files.size() == 2);
  auto tasks = plan_read_tasks(files, 1)[0];
  IngestOptions keep;
  keep.keep_banners = true;
  keep.threads = 1;
  auto reference = local_ingest(files, tasks, keep);

  for (size_t batch : {size_t(1), size_t(4096), size_t(100000)})
    for (int threads : {1, 2}) {
      INFO("batch " << batch << " threads " << threads);
      IngestOptions opt = keep;
      opt.threads = threads;
      opt.batch_bytes = batch;
      opt.chunk_bytes = size_t(1) << 16;
      StatusColumns handed;
      BannerColumns banners;
      size_t calls = 0, largest = 0;
      std::mutex m;
      opt.on_batch = [&](ParseSink& s) {
        std::lock_guard lock(m);
        ++calls;
        largest = std::max(largest, s.held_bytes());
        handed.append(s.status);
        banners.append(s.banners);
        s.status.clear();
        s.banners.clear();
      };
      auto r = local_ingest(files, tasks, opt);
      handed.append(r.sink.status);  // what was left after the last batch
      banners.append(r.sink.banners);
      CHECK(rows_of(handed) == rows_of(reference.sink.status));
      CHECK(banners.size() == reference.sink.banners.size());
      CHECK(banners.banner.bytes.size() == reference.sink.banners.banner.bytes.size());
      CHECK(r.sink.counts.records_read == reference.sink.counts.records_read);
      CHECK(r.sink.counts.records_used == reference.sink.counts.records_used);
      CHECK(calls > 0);
      // A line stream hands on after each block and -oB after each record:
      // a batch holds at most one block's (or one record's) rows more.
      if (batch == 1) CHECK(calls >= 678 + 364);  // every -oB record
      if (batch == 4096) CHECK(calls > 10);
    }
  fs::remove_all(dir);
}
