// Tests of the checks that protect a user's files: which outputs may be
// written (io/output_check), which members of an input folder are inputs,
// a file named twice, and what a file is from its first bytes (io/file_kind).
// Each case builds its files by hand in a fresh folder.
#include <catch2/catch.hpp>

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "scanhpc/io/file_kind.hpp"
#include "scanhpc/io/input_listing.hpp"
#include "scanhpc/io/inputs.hpp"
#include "scanhpc/io/output_check.hpp"

using namespace scanhpc;
namespace fs = std::filesystem;

namespace {

// A fresh folder, removed at the end of the test case.
struct Folder {
  fs::path path;
  Folder() {
    static int n = 0;
    path = fs::temp_directory_path() / ("scanhpc_safety_" + std::to_string(::getpid()) + "_" + std::to_string(n++));
    fs::remove_all(path);
    fs::create_directories(path);
  }
  ~Folder() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
  std::string file(const std::string& name, const std::string& bytes) const {
    const fs::path p = path / name;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << bytes;
    return p.string();
  }
  std::string operator/(const std::string& name) const { return (path / name).string(); }
};

const std::string kJson = "[\n{   \"ip\": \"10.0.0.1\",   \"timestamp\": \"1600000000\", \"ports\": [ {\"port\": 80, "
                          "\"proto\": \"tcp\", \"status\": \"open\", \"reason\": \"syn-ack\", \"ttl\": 64} ] }\n]\n";
const std::string kHdf5Magic = std::string("\x89HDF\r\n\x1a\n", 8) + std::string(64, '\0');
const std::string kZstdMagic = std::string("\x28\xb5\x2f\xfd", 4) + std::string(32, 'x');

bool has_all(const std::string& text, std::initializer_list<const char*> parts) {
  for (const char* p : parts)
    if (text.find(p) == std::string::npos) return false;
  return true;
}

}  // namespace

TEST_CASE("output check: a new file in a writable folder may be written", "[safety]") {
  Folder d;
  CHECK(local_output_problem({d / "out.h5"}, false).empty());
  CHECK(local_output_problem({"-", false, true}, false).empty());  // synth to standard output
}

TEST_CASE("output check: an existing file needs --force", "[safety]") {
  Folder d;
  const std::string out = d.file("out.h5", "old");
  const std::string why = local_output_problem({out}, false);
  CHECK(has_all(why, {"cannot write", "out.h5", "exists", "--force"}));
  CHECK(local_output_problem({out}, true).empty());
}

TEST_CASE("output check: a folder given as the output file is refused, even with --force", "[safety]") {
  Folder d;
  fs::create_directories(d.path / "sub");
  CHECK(has_all(local_output_problem({d / "sub"}, true), {"is a directory"}));
}

TEST_CASE("output check: a missing folder is named", "[safety]") {
  Folder d;
  const std::string why = local_output_problem({d / "nodir/x.h5"}, false);
  CHECK(why == "cannot write " + (d / "nodir/x.h5") + ": directory " + (d / "nodir") + " does not exist");
  d.file("plain", "x");
  CHECK(has_all(local_output_problem({d / "plain/x.h5"}, false), {"is not a directory"}));
}

TEST_CASE("output check: a bare name is written in the working folder", "[safety]") {
  CHECK(parent_folder("x.h5") == ".");
  CHECK(parent_folder("a/b/x.h5") == "a/b");
  CHECK(parent_folder("/x.h5") == "/");
}

TEST_CASE("output check: a folder the command creates", "[safety]") {
  Folder d;
  CHECK(local_output_problem({d / "new/deeper", true}, false).empty());  // created with its parents
  d.file("plain", "x");
  CHECK(has_all(local_output_problem({d / "plain", true}, false), {"not a directory"}));
  CHECK(has_all(local_output_problem({d / "plain/sub", true}, false), {"is not a directory"}));
  fs::create_directories(d.path / "exists");
  CHECK(local_output_problem({d / "exists", true}, false).empty());
}

TEST_CASE("output check: a special file is written in place only where allowed", "[safety]") {
  CHECK(local_output_problem({"/dev/null", false, true}, false).empty());
  CHECK(has_all(local_output_problem({"/dev/null"}, true), {"not a regular file"}));
}

TEST_CASE("output check: without write permission the reason is the system's", "[safety]") {
  if (::geteuid() == 0) SUCCEED("root may write anywhere; the read-only case is in tests/e2e/test_faults.sh");
  else {
    Folder d;
    fs::create_directories(d.path / "ro");
    fs::permissions(d.path / "ro", fs::perms::owner_read | fs::perms::owner_exec);
    CHECK(has_all(local_output_problem({d / "ro/x.h5"}, false), {"Permission denied"}));
    fs::permissions(d.path / "ro", fs::perms::owner_all);
  }
}

TEST_CASE("output check: an output that is an input is refused, through any spelling", "[safety]") {
  Folder d;
  const std::string in = d.file("scan.oJ", kJson);
  CHECK(local_output_is_input({d / "other.h5"}, {in}).empty());
  CHECK(has_all(local_output_is_input({in}, {in}), {"is the input", "even with --force"}));
  // ./ and .. spellings, a symbolic link and a hard link all reach the same inode.
  const std::string dotted = (d.path / "." / "scan.oJ").string();
  CHECK(!local_output_is_input({dotted}, {in}).empty());
  fs::create_symlink(in, d.path / "link.oJ");
  CHECK(!local_output_is_input({d / "link.oJ"}, {in}).empty());
  fs::create_hard_link(in, d.path / "hard.oJ");
  CHECK(!local_output_is_input({d / "hard.oJ"}, {in}).empty());
  CHECK(local_output_is_input({"-"}, {"-"}).empty());
}

TEST_CASE("file kind: magic numbers and the hints they give", "[safety]") {
  CHECK(sniff_magic("") == FileKind::empty);
  CHECK(sniff_magic("\x1f\x8b\x08") == FileKind::gzip);
  CHECK(sniff_magic("BZh91AY&SY") == FileKind::bzip2);
  CHECK(sniff_magic(std::string("\xfd" "7zXZ\0\0", 7)) == FileKind::xz);
  CHECK(sniff_magic(kZstdMagic) == FileKind::zstd);
  CHECK(sniff_magic("PK\x03\x04....") == FileKind::zip);
  CHECK(sniff_magic("Obj\x01") == FileKind::avro);
  CHECK(sniff_magic(kHdf5Magic) == FileKind::hdf5);
  CHECK(sniff_magic("%PDF-1.5") == FileKind::pdf);
  CHECK(sniff_magic("BZh is a word") == FileKind::other);
  CHECK(sniff_magic(kJson) == FileKind::other);
  CHECK(has_all(decompress_hint(FileKind::zstd, "s.zst", "scan"), {"zstdcat", "zstdcat s.zst | scanhpc scan -"}));
  CHECK(has_all(decompress_hint(FileKind::bzip2, "s.bz2", "scan"), {"bzcat"}));
  CHECK(has_all(decompress_hint(FileKind::xz, "s.xz", ""), {"xzcat"}));
  CHECK(decompress_hint(FileKind::xz, "s.xz", "").find("|") == std::string::npos);  // no pipe for commands without stdin
  CHECK(decompress_hint(FileKind::gzip, "s.gz", "scan").empty());  // read directly
  CHECK(decompress_hint(FileKind::hdf5, "s.h5", "scan").empty());
}

TEST_CASE("inputs: folder members that are not masscan output are skipped and named", "[safety]") {
  Folder d;
  d.file("scans/a.oJ", kJson);
  d.file("scans/README.md", "# notes, about the scans\n");
  d.file("scans/out.h5", kHdf5Magic);
  d.file("scans/ft.avro", "Obj\x01 avro");
  d.file("scans/z.oJ.zst", kZstdMagic);
  d.file("scans/.hidden.oJ", kJson);
  d.file("scans/sub/b.oL", "#masscan\nopen tcp 80 10.0.0.2 1600000000\n");
  auto list = list_inputs({d / "scans"}, InputRole::masscan);
  CHECK(list.paths == std::vector<std::string>{d / "scans/a.oJ", d / "scans/sub/b.oL"});
  std::map<std::string, std::string> why;
  for (const auto& s : list.skipped) why[fs::path(s.path).filename().string()] = s.reason;
  REQUIRE(why.size() == 5);
  CHECK(has_all(why["README.md"], {"documentation"}));
  CHECK(has_all(why["out.h5"], {"an HDF5 file"}));
  CHECK(has_all(why["ft.avro"], {"an Avro file"}));
  CHECK(has_all(why["z.oJ.zst"], {"zstd-compressed", "zstdcat"}));
  CHECK(has_all(why[".hidden.oJ"], {"hidden"}));
  CHECK(has_all(describe_skipped(list.skipped), {"5 file(s)", "README.md (documentation"}));
  // Named on the command line, a stray file is read (and rejected there, with its cause).
  auto named = enumerate_masscan_inputs({d / "scans/z.oJ.zst", d / "scans/README.md"}, MasscanFormat::automatic);
  REQUIRE(named.files.size() == 2);
  CHECK(named.files[0].format == MasscanFormat::unrecognized);
  CHECK(named.files[0].kind == FileKind::zstd);
  CHECK(has_all(unrecognized_cause(named.files[0]), {"zstd-compressed data", "zstdcat"}));
  CHECK(has_all(unrecognized_cause(named.files[1]), {"not masscan output"}));
  CHECK(named.skipped.empty());
}

TEST_CASE("inputs: a flowtuple folder reads its .avro files, a ports folder its data", "[safety]") {
  Folder d;
  d.file("ft4/v3_5min_1600000000.ft4.avro", "Obj\x01");
  d.file("ft4/convert.h5", kHdf5Magic);
  d.file("ft4/notes.csv", "a,b\n1,2\n");
  auto flow = list_inputs({d / "ft4"}, InputRole::flowtuple);
  CHECK(flow.paths == std::vector<std::string>{d / "ft4/v3_5min_1600000000.ft4.avro"});
  CHECK(flow.skipped.size() == 2);
  d.file("logs/marx.csv", "datetime,host,src,proto,type,spt,dpt\n");
  d.file("logs/LICENSE", "MIT, as is\n");
  d.file("logs/summary.h5", kHdf5Magic);
  d.file("logs/x.avro", "Obj\x01");
  auto ports = list_inputs({d / "logs"}, InputRole::ports);
  CHECK(ports.paths == std::vector<std::string>{d / "logs/marx.csv", d / "logs/x.avro"});
  CHECK(ports.skipped.size() == 2);
}

TEST_CASE("inputs: the same file named twice is read once, with a warning", "[safety]") {
  Folder d;
  const std::string a = d.file("x.oJ", kJson);
  fs::create_hard_link(a, d.path / "x-hard.oJ");
  const std::string dotted = (d.path / "." / "x.oJ").string();
  auto list = list_inputs({a, a, dotted, d / "x-hard.oJ"}, InputRole::masscan);
  CHECK(list.paths == std::vector<std::string>{a});
  REQUIRE(list.warnings.size() == 3);
  CHECK(has_all(list.warnings[0], {"given more than once", "read once"}));
  CHECK(has_all(list.warnings[1], {"the same file as", "read once"}));
  // A folder and a file in it: the file is read once too.
  auto overlap = list_inputs({d.path.string(), a}, InputRole::masscan);
  CHECK(overlap.paths.size() == 1);
  CHECK(overlap.warnings.size() == 2);  // the hard link and the file again
  CHECK_THROWS_WITH(list_inputs({"-", "-"}, InputRole::masscan), Catch::Contains("more than once"));
}

TEST_CASE("inputs: a folder with nothing to read lists only what it skipped", "[safety]") {
  Folder d;
  d.file("only/README.md", "# nothing here\n");
  auto list = list_inputs({d / "only"}, InputRole::masscan);
  CHECK(list.paths.empty());
  CHECK(list.skipped.size() == 1);
  fs::create_directories(d.path / "empty");
  CHECK_THROWS_WITH(list_inputs({d / "empty"}, InputRole::masscan), Catch::Contains("no input given"));
}

TEST_CASE("inputs: sniffed in shares as ranks do, the table equals the one-process listing", "[safety]") {
  Folder d;
  d.file("scans/a.oJ", kJson);
  d.file("scans/README.md", "# notes, about the scans\n");
  d.file("scans/out.h5", kHdf5Magic);
  d.file("scans/.hidden.oJ", kJson);
  d.file("scans/sub/b.oL", "#masscan\nopen tcp 80 10.0.0.2 1600000000\n");
  d.file("scans/z.oJ.zst", kZstdMagic);
  d.file("more/.x", "hidden");
  d.file("more/c.oJ", kJson);
  const std::string a = d / "scans/a.oJ";
  fs::create_hard_link(a, d.path / "more" / "a-again.oJ");
  const std::vector<std::string> specs = {d / "scans", d / "more", a, d / "scans/z.oJ.zst"};
  for (const auto role : {InputRole::masscan, InputRole::ports, InputRole::flowtuple}) {
    const auto whole = enumerate_masscan_inputs(specs, MasscanFormat::automatic);
    const ExpandedInputs expanded = deserialize_candidates(serialize_candidates(expand_inputs(specs)));
    std::vector<SniffedInput> one;
    for (const auto& c : expanded.candidates) one.push_back(sniff_input(c, role));
    const ListedInputs reference = assemble_inputs(expanded, one, role, MasscanFormat::automatic);
    if (role == InputRole::masscan) {  // the sequential listing is the same three steps
      REQUIRE(reference.files.size() == whole.files.size());
      for (size_t i = 0; i < whole.files.size(); ++i) CHECK(reference.files[i].path == whole.files[i].path);
      CHECK(reference.warnings == whole.warnings);
      CHECK(reference.skipped.size() == whole.skipped.size());
    }
    for (size_t ranks = 1; ranks <= 5; ++ranks) {
      std::vector<SniffedInput> sniffed;  // each rank's share through the wire format, in rank order
      const size_t n = expanded.candidates.size();
      for (size_t r = 0; r < ranks; ++r) {
        std::vector<SniffedInput> mine;
        for (size_t i = n * r / ranks; i < n * (r + 1) / ranks; ++i) mine.push_back(sniff_input(expanded.candidates[i], role));
        for (auto& s : deserialize_sniffed(serialize_sniffed(mine))) sniffed.push_back(std::move(s));
      }
      const ListedInputs got = assemble_inputs(expanded, sniffed, role, MasscanFormat::automatic);
      INFO("role " << int(role) << ", " << ranks << " ranks");
      REQUIRE(got.files.size() == reference.files.size());
      for (size_t i = 0; i < got.files.size(); ++i) {
        CHECK(got.files[i].path == reference.files[i].path);
        CHECK(got.files[i].bytes == reference.files[i].bytes);
        CHECK(got.files[i].format == reference.files[i].format);
        CHECK(got.files[i].kind == reference.files[i].kind);
        CHECK(got.files[i].family == reference.files[i].family);
      }
      REQUIRE(got.skipped.size() == reference.skipped.size());
      for (size_t i = 0; i < got.skipped.size(); ++i) {
        CHECK(got.skipped[i].path == reference.skipped[i].path);
        CHECK(got.skipped[i].reason == reference.skipped[i].reason);
      }
      CHECK(got.warnings == reference.warnings);
    }
  }
  // The hidden files and skipped members keep the order of the arguments they came from.
  const auto listed = list_inputs(specs, InputRole::masscan);
  std::vector<std::string> skipped_names;
  for (const auto& s : listed.skipped) skipped_names.push_back(fs::path(s.path).filename().string());
  CHECK(skipped_names == std::vector<std::string>{".hidden.oJ", "README.md", "out.h5", "z.oJ.zst", ".x"});
  CHECK(listed.paths == std::vector<std::string>{a, d / "scans/sub/b.oL", d / "more/c.oJ", d / "scans/z.oJ.zst"});
  // A file that cannot be read is the error, the first in input order.
  fs::permissions(d.path / "more" / "c.oJ", fs::perms::none);
  if (::geteuid() != 0) CHECK_THROWS_WITH(list_inputs(specs, InputRole::masscan), Catch::Contains("c.oJ"));
}
