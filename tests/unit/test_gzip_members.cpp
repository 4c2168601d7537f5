// Gzip files split at member boundaries (io/gzip_members). BGZF files made by
// bgzip and `cat`s of gzip members cut anywhere in the text, read at 1..9
// simulated ranks, any chunk size and thread count, and at any cut of their
// compressed bytes, give the rows, counts and error offsets of the plain file.
// A damaged member loses only itself and the lines it cuts: the oracle
// inflates each member on its own with zlib and parses what is left.
#include <catch2/catch.hpp>

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <random>
#include <string>
#include <tuple>

#include "test_support.hpp"

#include "scanhpc/core/ipv4.hpp"
#include "scanhpc/io/ingest.hpp"

using namespace scanhpc;
using scanhpc::test::parse_text;
using scanhpc::test::inflate_first_member;
using scanhpc::test::json_record;
using scanhpc::test::slurp;
namespace fs = std::filesystem;

namespace {

const std::string kData = SCANHPC_TESTDATA;

fs::path temp_dir() {
  auto d = fs::temp_directory_path() / ("scanhpc_gzip_members_" + std::to_string(::getpid()));
  fs::create_directories(d);
  return d;
}

std::string write_file(const fs::path& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
  return path.string();
}

// One gzip member of `text`, by zlib's deflate.
std::string gzip_member(std::string_view text, int level = 6) {
  z_stream z{};
  REQUIRE(deflateInit2(&z, level, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) == Z_OK);
  std::string out(deflateBound(&z, uLong(text.size())) + 64, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(text.data()));
  z.avail_in = uInt(text.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = uInt(out.size());
  REQUIRE(deflate(&z, Z_FINISH) == Z_STREAM_END);
  out.resize(z.total_out);
  deflateEnd(&z);
  return out;
}

// The members of `text` cut at `cuts` (increasing; equal cuts make empty members).
std::vector<std::string> members_at(const std::string& text, const std::vector<size_t>& cuts) {
  std::vector<std::string> members;
  size_t at = 0;
  for (size_t c : cuts) {
    members.push_back(gzip_member(std::string_view(text).substr(at, c - at)));
    at = c;
  }
  members.push_back(gzip_member(std::string_view(text).substr(at)));
  return members;
}

std::string joined(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& p : parts) out += p;
  return out;
}

// Cuts about every `mean` bytes, anywhere (mid-line mostly), some right
// after a '\n' and one twice at the same place (an empty member).
std::vector<size_t> random_cuts(const std::string& text, size_t mean, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<size_t> cuts;
  for (size_t at = rng() % mean + 1; at < text.size(); at += rng() % (2 * mean) + 1) {
    if (rng() % 4 == 0) {
      const size_t nl = text.find('\n', at);
      if (nl == std::string::npos) break;
      at = nl + 1;
      if (at >= text.size()) break;
    }
    cuts.push_back(at);
  }
  if (cuts.size() > 3) cuts.insert(cuts.begin() + 2, cuts[2]);
  return cuts;
}

std::string bgzip(const fs::path& dir, const std::string& text) {
  const std::string in = write_file(dir / "bgzip-input", text), out = (dir / "bgzip-output").string();
  REQUIRE(std::system(("bgzip -c " + in + " > " + out).c_str()) == 0);  // Debian's tabix package
  return slurp(out);
}

// A 1.3.x -oJ text: bad records now and then, one line of 200 kB.
std::string json_text(size_t n, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::string text = "[\n";
  for (size_t i = 0; i < n; ++i) {
    if (i) text += "\n,\n";
    if (i % 97 == 13) text += R"({"ip": "bad", "timestamp": "1", "ports": [ ] })";
    else if (i == n / 3)
      text += R"({"ip": "9.9.9.9", "timestamp": "5", "ports": [ {"port": 80, "proto": "tcp", )"
              R"("service": {"name": "http", "banner": ")" +
              std::string(200000, 'x') + "\"} } ] }";
    else text += json_record(uint32_t(rng()), uint32_t(1600000000 + i), uint16_t(rng() % 1000));
  }
  return text + "\n]\n";
}

// The project's -oL sample with a bad line every 50.
std::string list_text() {
  const std::string plain = slurp(kData + "/scan.oL");
  std::string out;
  size_t line = 0;
  for (size_t at = 0; at < plain.size(); ++line) {
    const size_t nl = plain.find('\n', at);
    const size_t end = nl == std::string::npos ? plain.size() : nl + 1;
    out += line % 50 == 7 ? std::string("open tcp notaport 1.2.3.4 5\n") : plain.substr(at, end - at);
    at = end;
  }
  return out;
}

using Row = std::tuple<uint32_t, uint32_t, uint16_t, uint8_t>;
using Error = std::tuple<uint32_t, uint64_t, std::string>;

// What a reading gave, in a form that does not depend on the split.
struct Read {
  std::vector<Row> rows;
  RecordCounts counts;
  std::vector<uint64_t> records, rejected;  // per file
  std::vector<Error> errors, damaged;       // sorted; errors: the first 100, as reduce_ingest keeps

  void add(IngestResult&& r) {
    for (size_t i = 0; i < r.sink.status.size(); ++i)
      rows.emplace_back(r.sink.status.ip[i], r.sink.status.ts[i], r.sink.status.port[i], r.sink.status.ttl[i]);
    counts += r.sink.counts;
    records.resize(r.per_file.size());
    rejected.resize(r.per_file.size());
    for (size_t f = 0; f < r.per_file.size(); ++f) {
      records[f] += r.per_file[f].records;
      rejected[f] += r.per_file[f].rejected;
    }
    for (const auto& e : r.sink.errors) errors.emplace_back(e.file, e.offset, e.cause);
    for (const auto& e : r.sink.damaged) damaged.emplace_back(e.file, e.offset, e.cause);
  }
  Read& done() {
    std::sort(rows.begin(), rows.end());
    std::sort(errors.begin(), errors.end());
    if (errors.size() > 100) errors.resize(100);
    std::sort(damaged.begin(), damaged.end());
    return *this;
  }
};

void check_same_read(const Read& got, const Read& want) {
  scanhpc::test::check_same(got.rows, want.rows, "rows");
  CHECK(got.counts.records_read == want.counts.records_read);
  CHECK(got.counts.records_used == want.counts.records_used);
  CHECK(got.counts.records_rejected == want.counts.records_rejected);
  CHECK(got.counts.banner_records == want.counts.banner_records);
  CHECK(got.counts.status_observations == want.counts.status_observations);
  CHECK(got.records == want.records);
  CHECK(got.rejected == want.rejected);
  scanhpc::test::check_same(got.errors, want.errors, "errors (file, offset, cause)");
  scanhpc::test::check_same(got.damaged, want.damaged, "damaged (file, offset, cause)");
}

// The table's files read by the plan for `ranks` ranks, each rank on its own
// as local_ingest does, the pieces then settled with every rank's summaries.
Read read_ranks(const std::vector<InputFile>& files, int ranks, size_t chunk, int threads, size_t max_record) {
  IngestOptions opt;
  opt.chunk_bytes = chunk;
  opt.threads = threads;
  opt.max_record_bytes = max_record;
  std::vector<IngestResult> results;
  std::vector<GzipPieceSummary> every_piece;
  for (const auto& tasks : plan_read_tasks(files, ranks)) {
    results.push_back(local_ingest(files, tasks, opt));
    for (const auto& s : gzip_piece_summaries(results.back())) every_piece.push_back(s);
  }
  Read read;
  for (auto& r : results) {
    settle_gzip_pieces(r, files, every_piece, max_record);
    read.add(std::move(r));
  }
  return read.done();
}

// File 0 of `files` read in the compressed ranges between `cuts`, one piece each.
Read read_cuts(const std::vector<InputFile>& files, const std::vector<uint64_t>& cuts, size_t max_record) {
  const InputFile& f = files.at(0);
  IngestResult r;
  r.per_file.resize(1);
  GzipRangeOptions opt;
  opt.max_record_bytes = max_record;
  uint64_t at = 0;
  for (size_t i = 0; i <= cuts.size(); ++i) {
    const uint64_t end = i < cuts.size() ? cuts[i] : f.bytes;
    read_gzip_member_range(f.path, f.bytes, 0, f.format, at, end, opt, r.gzip_pieces.emplace_back());
    at = end;
  }
  settle_gzip_pieces(r, files, gzip_piece_summaries(r), max_record);
  Read read;
  read.add(std::move(r));
  return read.done();
}

std::vector<InputFile> table(const std::string& path) { return enumerate_inputs({path}, MasscanFormat::automatic); }

}  // namespace

TEST_CASE("gzip members: BGZF and concatenated gzip files are told from single streams at listing", "[gzip_members]") {
  const auto dir = temp_dir();
  const std::string text = json_text(3000, 1);
  const std::string single = gzip_member(text);
  const auto bgzf = table(write_file(dir / "a.oJ.bgz", bgzip(dir, text)));
  const auto cat = table(write_file(dir / "b.oJ.gz", joined(members_at(text, random_cuts(text, 20000, 1)))));
  const auto one = table(write_file(dir / "c.oJ.gz", single));
  const auto trailing = table(write_file(dir / "d.oJ.gz", single + std::string(100, '\0') + "junk"));
  const auto oB = table(write_file(dir / "e.bin.gz", joined(members_at(slurp(kData + "/scan.bin"), {5000}))));
  CHECK(bgzf[0].gzip_members == GzipMembers::bgzf);
  CHECK(cat[0].gzip_members == GzipMembers::concatenated);
  CHECK(one[0].gzip_members == GzipMembers::none);
  CHECK(trailing[0].gzip_members == GzipMembers::none);  // one member and bytes gzip ignores
  CHECK(oB[0].gzip_members == GzipMembers::none);        // -oB is read from its header on: never split
  CHECK(bgzf[0].splittable());
  CHECK(cat[0].splittable());
  CHECK_FALSE(one[0].splittable());
  CHECK_FALSE(oB[0].splittable());
  // The field travels with the table.
  CHECK(deserialize_inputs(serialize_inputs({bgzf[0], one[0], cat[0]}))[2].gzip_members == GzipMembers::concatenated);

  // A single member stays one stream: one whole task, nothing left to settle, the plain file's records.
  const auto plain = table(write_file(dir / "f.oJ", text));
  for (int ranks : {1, 3}) {
    const auto plan = plan_read_tasks(one, ranks);
    size_t whole = 0;
    for (const auto& tasks : plan)
      for (const auto& t : tasks) whole += t.whole;
    CHECK(whole == 1);
    const Read got = read_ranks(one, ranks, 4096, 2, size_t(16) << 20);
    check_same_read(got, read_ranks(plain, 1, size_t(8) << 20, 1, size_t(16) << 20));
  }
  fs::remove_all(dir);
}

TEST_CASE("gzip members: read at 1..9 ranks, any chunk and thread count, they give the plain file's records",
          "[gzip_members]") {
  const auto dir = temp_dir();
  struct Case {
    std::string name, text;
    MasscanFormat format;
  };
  const std::vector<Case> cases{{"oJ", json_text(4000, 2), MasscanFormat::json},
                                {"oL", list_text(), MasscanFormat::list}};
  for (const auto& c : cases) {
    const auto plain = table(write_file(dir / ("plain." + c.name), c.text));
    REQUIRE(plain[0].format == c.format);
    const auto bgzf = table(write_file(dir / ("bgzf." + c.name + ".gz"), bgzip(dir, c.text)));
    const auto cat = table(write_file(dir / ("cat." + c.name + ".gz"),
                                      joined(members_at(c.text, random_cuts(c.text, 1500, 3)))));
    REQUIRE(bgzf[0].gzip_members == GzipMembers::bgzf);
    REQUIRE(cat[0].gzip_members == GzipMembers::concatenated);
    for (size_t max_record : {size_t(16) << 20, size_t(1000)}) {
      const Read want = read_ranks(plain, 1, size_t(8) << 20, 1, max_record);
      REQUIRE(want.counts.records_rejected > 0);  // the bad lines (and the long one at 1000) have offsets to compare
      for (const auto* files : {&bgzf, &cat})
        for (int ranks = 1; ranks <= 9; ++ranks)
          for (size_t chunk : {size_t(1) << 10, size_t(4099), size_t(8) << 20})
            for (int threads : {1, 2}) {
              INFO(c.name << " " << gzip_members_name((*files)[0].gzip_members) << ", " << ranks << " ranks, chunk "
                          << chunk << ", " << threads << " threads, max record " << max_record);
              check_same_read(read_ranks(*files, ranks, chunk, threads, max_record), want);
            }
    }
  }
  fs::remove_all(dir);
}

TEST_CASE("gzip members: every cut of the compressed bytes, one and two, reads each line once", "[gzip_members]") {
  const auto dir = temp_dir();
  // Small members (about 60 lines each): many member starts to cut at and around.
  const std::string text = list_text().substr(0, 30000);
  const auto plain = table(write_file(dir / "plain.oL", text));
  const auto cat = table(write_file(dir / "cat.oL.gz", joined(members_at(text, random_cuts(text, 300, 4)))));
  REQUIRE(cat[0].gzip_members == GzipMembers::concatenated);
  const size_t max_record = 37;  // some lines are too long, some member ends fall inside one
  const Read want = read_ranks(plain, 1, size_t(8) << 20, 1, max_record);
  REQUIRE(std::count_if(want.errors.begin(), want.errors.end(),
                        [](const Error& e) { return std::get<2>(e).find("longer than") != std::string::npos; }) > 10);
  for (uint64_t cut = 1; cut < cat[0].bytes; ++cut) {
    INFO("cut at compressed byte " << cut);
    check_same_read(read_cuts(cat, {cut}, max_record), want);
  }
  std::mt19937_64 rng(5);
  for (int i = 0; i < 300; ++i) {
    std::vector<uint64_t> cuts{rng() % (cat[0].bytes - 1) + 1, rng() % (cat[0].bytes - 1) + 1};
    std::sort(cuts.begin(), cuts.end());
    INFO("cuts at " << cuts[0] << " and " << cuts[1]);
    check_same_read(read_cuts(cat, cuts, max_record), want);
  }
  fs::remove_all(dir);
}

TEST_CASE("gzip members: a damaged member loses itself and the lines it cuts, the other members are read",
          "[gzip_members][damaged]") {
  const auto dir = temp_dir();
  const std::string text = json_text(3000, 7);
  const auto members = members_at(text, random_cuts(text, 30000, 8));
  REQUIRE(members.size() > 8);
  const size_t k = members.size() / 2;
  const std::string head = joined({members.begin(), members.begin() + long(k)});
  const std::string tail = joined({members.begin() + long(k) + 1, members.end()});
  std::string corrupt = members[k];
  for (size_t i = corrupt.size() / 2; i < corrupt.size() / 2 + 40; ++i) corrupt[i] = char(~corrupt[i]);
  const std::string junk(777, 'j');

  SECTION("corrupt, cut short, or junk between members: the same read at 1..9 ranks") {
    struct Case {
      std::string name, bytes;
      size_t intact;  // members read whole before the damaged item
      std::string cause;
    };
    const std::vector<Case> cases{
        {"corrupt", head + corrupt + tail, k, "corrupt gzip data"},
        {"cut short", head + members[k].substr(0, members[k].size() / 2) + tail, k, "damaged gzip member"},
        {"junk between members", head + members[k] + junk + tail, k + 1, "no gzip member at compressed byte"},
    };
    for (const auto& c : cases) {
      // Oracle: the intact members, what zlib inflates from the damaged item on
      // (over the bytes that follow it, as a reader sees them) and the members
      // after it, each inflated alone; the complete lines before the damage and
      // the lines after the partial one where reading resumes.
      std::string before;
      for (size_t i = 0; i < c.intact; ++i) before += inflate_first_member(members[i]);
      const size_t damaged_at = joined({members.begin(), members.begin() + long(c.intact)}).size();
      before += inflate_first_member(c.bytes.substr(damaged_at));
      std::string after;
      for (size_t i = k + 1; i < members.size(); ++i) after += inflate_first_member(members[i]);
      const std::string kept = before.substr(0, before.rfind('\n') + 1) + after.substr(after.find('\n') + 1);
      const ParseSink want = parse_text(MasscanFormat::json, kept);

      const auto files = table(write_file(dir / (c.name + ".oJ.gz"), c.bytes));
      REQUIRE(files[0].gzip_members == GzipMembers::concatenated);
      const Read first = read_ranks(files, 1, size_t(8) << 20, 1, size_t(16) << 20);
      INFO(c.name);
      CHECK(first.counts.records_used == want.counts.records_used);
      CHECK(first.counts.records_rejected == want.counts.records_rejected + 1);  // one stands for the damage
      CHECK(first.counts.records_read == first.counts.records_used + first.counts.records_rejected);
      CHECK(first.rows.size() == want.status.size());
      REQUIRE(first.damaged.size() == 1);
      CHECK(std::get<1>(first.damaged[0]) == before.size());  // inflated bytes before the damage
      CHECK_THAT(std::get<2>(first.damaged[0]),
                 Catch::Contains(c.cause) && Catch::Contains("read on from the next member"));
      for (int ranks = 2; ranks <= 9; ++ranks)
        for (size_t chunk : {size_t(1) << 10, size_t(8) << 20}) {
          INFO(ranks << " ranks, chunk " << chunk);
          check_same_read(read_ranks(files, ranks, chunk, 2, size_t(16) << 20), first);
        }
    }
  }
  SECTION("a file cut inside its last member keeps the records before the cut") {
    const std::string whole = joined(members);
    const auto files = table(write_file(dir / "cut.oJ.gz", whole.substr(0, whole.size() - members.back().size() / 2)));
    std::string before;
    for (size_t i = 0; i + 1 < members.size(); ++i) before += inflate_first_member(members[i]);
    before += inflate_first_member(members.back().substr(0, members.back().size() - members.back().size() / 2));
    const ParseSink want = parse_text(MasscanFormat::json, before.substr(0, before.rfind('\n') + 1));
    const Read first = read_ranks(files, 1, size_t(8) << 20, 1, size_t(16) << 20);
    CHECK(first.counts.records_used == want.counts.records_used);
    CHECK(first.counts.records_rejected == want.counts.records_rejected + 1);
    REQUIRE(first.damaged.size() == 1);
    CHECK(std::get<1>(first.damaged[0]) == before.size());
    CHECK_THAT(std::get<2>(first.damaged[0]), Catch::Contains("truncated") && Catch::Contains("no member follows"));
    for (int ranks = 2; ranks <= 5; ++ranks)
      check_same_read(read_ranks(files, ranks, 4099, 2, size_t(16) << 20), first);
  }
  SECTION("zeros after the last member are ignored, as gzip does") {
    const auto files = table(write_file(dir / "padded.oJ.gz", joined(members) + std::string(5000, '\0')));
    const auto plain = table(write_file(dir / "plain.oJ", text));
    const Read want = read_ranks(plain, 1, size_t(8) << 20, 1, size_t(16) << 20);
    for (int ranks = 1; ranks <= 5; ++ranks) check_same_read(read_ranks(files, ranks, 4099, 2, size_t(16) << 20), want);
  }
  fs::remove_all(dir);
}

TEST_CASE("gzip members: ranges dealt as they are read hand every row on once", "[gzip_members]") {
  // The ranges of a `cat` of gzip files are dealt like streams (commands/stream_input): their
  // rows leave in batches while the pieces wait to be placed.
  const auto dir = temp_dir();
  const std::string text = json_text(3000, 9);
  const auto plain = table(write_file(dir / "plain.oJ", text));
  const auto cat = table(write_file(dir / "cat.oJ.gz", joined(members_at(text, random_cuts(text, 5000, 10)))));
  const Read want = read_ranks(plain, 1, size_t(8) << 20, 1, size_t(16) << 20);
  for (int ranks = 1; ranks <= 4; ++ranks) {
    INFO(ranks << " ranks");
    IngestOptions opt;
    opt.chunk_bytes = 4099;
    opt.threads = 2;
    opt.batch_bytes = 4096;
    std::mutex m;
    size_t calls = 0;
    Read got;
    opt.on_batch = [&](ParseSink& sink) {
      std::lock_guard lock(m);
      ++calls;
      IngestResult handed;
      std::swap(handed.sink.status, sink.status);
      got.add(std::move(handed));
    };
    std::vector<IngestResult> results;
    std::vector<GzipPieceSummary> every_piece;
    for (const auto& tasks : plan_read_tasks(cat, ranks)) {
      results.push_back(local_ingest(cat, tasks, opt));
      for (const auto& s : gzip_piece_summaries(results.back())) every_piece.push_back(s);
    }
    for (auto& r : results) {
      settle_gzip_pieces(r, cat, every_piece, size_t(16) << 20);
      got.add(std::move(r));
    }
    check_same_read(got.done(), want);
    CHECK(calls > 3);  // handed on after each inflated block that brings the rows past 4096 bytes
  }
  fs::remove_all(dir);
}

TEST_CASE("gzip members: a false member start fails the read clearly, never silently", "[gzip_members]") {
  const auto dir = temp_dir();
  // A gzip file stored (level 0) inside the first member: its header is a
  // member start that scanning finds and that passes every check.
  const std::string lines = list_text().substr(0, 20000);
  const std::string inner = gzip_member(lines);
  const std::string first = gzip_member(lines + "# " + inner + "\n" + lines, 0);
  const auto files = table(write_file(dir / "nested.oL.gz", first + gzip_member(lines)));
  REQUIRE(files[0].gzip_members == GzipMembers::concatenated);
  const Read whole = read_cuts(files, {}, size_t(16) << 20);
  CHECK(whole.counts.records_used > 0);
  size_t failed = 0;
  for (uint64_t cut = 1; cut < files[0].bytes; cut += 97) {
    INFO("cut at compressed byte " << cut);
    try {
      check_same_read(read_cuts(files, {cut}, size_t(16) << 20), whole);
    } catch (const std::runtime_error& e) {
      CHECK_THAT(e.what(), Catch::Contains("nested.oL.gz") && Catch::Contains("do not line up"));
      ++failed;
    }
  }
  CHECK(failed > 0);  // the cuts before the nested header
}

TEST_CASE("gzip members: the plan names a file whose pieces leave bytes unread", "[gzip_members]") {
  std::vector<GzipPieceSummary> pieces(2);
  pieces[0] = {0, 0, 100, false, 0, 120, 500, LineState::line_start};
  pieces[1] = {0, 150, 300, false, 160, 300, 500, LineState::mid_line};  // bytes 100-150 missing
  CHECK_THROWS_WITH(GzipPiecePlan(pieces, {"x.gz"}), Catch::Contains("x.gz") && Catch::Contains("not read"));
  pieces[1].begin = 100;  // now tiled, but the second piece starts at 160, not 120
  CHECK_THROWS_WITH(GzipPiecePlan(pieces, {"x.gz"}), Catch::Contains("do not line up"));
  pieces[1].start = 120;
  const GzipPiecePlan plan(pieces, {"x.gz"});
  CHECK(plan.place(0, 100).base == 500);
  CHECK(plan.place(0, 100).line_start);
  CHECK(plan.place(0, 0).line_start);
  std::vector<GzipPieceSummary> back;
  deserialize_piece_summaries(serialize_piece_summaries(pieces), back);
  REQUIRE(back.size() == 2);
  CHECK(back[1].stop == 300);
  CHECK(back[1].ends_in == LineState::mid_line);
}
