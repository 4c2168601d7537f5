// Tests of the thin HDF5 layer (scanhpc::h5), run at 1-4 ranks. Every test
// case does its collective part first (all ranks, same order), then rank 0
// reopens the file serially and checks it; nothing collective follows the
// checks, so a failed REQUIRE on rank 0 cannot leave the other ranks waiting.
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <mpi.h>
#include <unistd.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include <hdf5_hl.h>

#include "scanhpc/h5/h5.hpp"

namespace h5 = scanhpc::h5;

namespace {

int world_rank() {
  int r = 0;
  MPI_Comm_rank(MPI_COMM_WORLD, &r);
  return r;
}

int world_size() {
  int n = 0;
  MPI_Comm_size(MPI_COMM_WORLD, &n);
  return n;
}

// /tmp/scanhpc_test_h5_<pid of rank 0>_<tag>.h5, the same on every rank.
std::string temp_path(const std::string& tag) {
  long pid = static_cast<long>(getpid());
  MPI_Bcast(&pid, 1, MPI_LONG, 0, MPI_COMM_WORLD);
  return "/tmp/scanhpc_test_h5_" + std::to_string(pid) + "_" + tag + ".h5";
}

// Removes the file on rank 0 at the end of the test case (also on failure).
struct RemoveOnRank0 {
  std::string path;
  ~RemoveOnRank0() {
    if (world_rank() == 0) std::remove(path.c_str());
  }
};

// Runs fn with file descriptor 2 redirected to a temporary file and returns
// what was written to it.
std::string capture_stderr(const std::function<void()>& fn) {
  char name[] = "/tmp/scanhpc_test_h5_stderr_XXXXXX";
  int fd = mkstemp(name);
  REQUIRE(fd >= 0);
  std::fflush(stderr);
  int saved = dup(2);
  dup2(fd, 2);
  try {
    fn();
  } catch (...) {
    std::fflush(stderr);
    dup2(saved, 2);
    close(saved);
    close(fd);
    std::remove(name);
    throw;
  }
  std::fflush(stderr);
  dup2(saved, 2);
  close(saved);
  close(fd);
  std::ifstream in(name, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  std::remove(name);
  return ss.str();
}

// Deterministic values of global row g.
uint8_t v_u8(uint64_t g) { return static_cast<uint8_t>(g * 7 + 250); }
uint16_t v_u16(uint64_t g) { return static_cast<uint16_t>(g * 1000 + 65000); }
uint32_t v_u32(uint64_t g) { return static_cast<uint32_t>(g * 123456789u + 0xC6120021u); }
uint64_t v_u64(uint64_t g) { return g * 0x9E3779B97F4A7C15ull + 0xFFFFFFFFFFFFFF00ull; }
double v_f64(uint64_t g) { return static_cast<double>(g) * 0.5 - 1.25 + (g % 3 == 0 ? 1e-300 : 0.0); }
std::string v_str(uint64_t g) {
  if (g % 11 == 4) return "";  // empty strings must survive as empty
  return "row" + std::to_string(g) + std::string(g % 7, 'x');
}

// Rank r's rows of a table in which rank i holds rows_of(i) rows.
std::vector<h5::Column> make_columns(const std::function<uint64_t(int)>& rows_of, int rank) {
  uint64_t first = 0;
  for (int i = 0; i < rank; ++i) first += rows_of(i);
  uint64_t n = rows_of(rank);
  std::vector<uint8_t> a;
  std::vector<uint16_t> b;
  std::vector<uint32_t> c;
  std::vector<uint64_t> d;
  std::vector<double> e;
  std::vector<std::string> s;
  for (uint64_t g = first; g < first + n; ++g) {
    a.push_back(v_u8(g));
    b.push_back(v_u16(g));
    c.push_back(v_u32(g));
    d.push_back(v_u64(g));
    e.push_back(v_f64(g));
    s.push_back(v_str(g));
  }
  // Deliberately not in alphabetical order: `columns` must keep this order.
  // Not tables of the catalogue: each column documents itself.
  return {{"ip", std::move(c), "ipv4", "an address"},      {"ttl", std::move(a), "hops", "a ttl"},
          {"port", std::move(b), "port", "a port"},        {"count", std::move(d), "things", "a count"},
          {"mean", std::move(e), "1", "a mean"},           {"name", std::move(s), "text", "a name"}};
}

// The attributes and the dimension every column of a table gets.
void check_described(const h5::File& f, const std::string& group, const std::vector<std::string>& columns,
                     uint64_t rows) {
  h5::Handle scale(h5::check_id(H5Dopen2(f.id(), (group + "/row").c_str(), H5P_DEFAULT), "open row"));
  CHECK(H5DSis_scale(scale.get()) > 0);
  h5::Handle space(h5::check_id(H5Dget_space(scale.get()), "row space"));
  CHECK(static_cast<uint64_t>(H5Sget_simple_extent_npoints(space.get())) == rows);
  char name[128] = {};
  H5DSget_scale_name(scale.get(), name, sizeof name);
  CHECK_THAT(std::string(name), Catch::StartsWith("This is a netCDF dimension but not a netCDF variable."));
  for (const auto& c : columns) {
    const std::string path = group + "/" + c;
    CHECK_FALSE(std::get<std::string>(h5::read_attr(f, path, "units")).empty());
    CHECK_FALSE(std::get<std::string>(h5::read_attr(f, path, "description")).empty());
    h5::Handle d(h5::check_id(H5Dopen2(f.id(), path.c_str(), H5P_DEFAULT), "open " + path));
    CHECK(H5DSis_attached(d.get(), scale.get(), 0) > 0);
    h5::Handle type(h5::check_id(H5Dget_type(d.get()), "type"));
    if (H5Tget_class(type.get()) == H5T_STRING) CHECK(H5Tget_size(type.get()) >= 2);
  }
  // The dimension is no column: readers list the columns alone, in order.
  h5::TableReader table(f, group);
  std::vector<std::string> names;
  for (const auto& c : table.columns()) names.push_back(c.name);
  CHECK(names == columns);
  CHECK(table.order() == "columns attribute");
  for (const auto& d : h5::list_datasets(f)) CHECK(d.path != group + "/row");
}

const std::vector<std::string> kColumnNames = {"ip", "ttl", "port", "count", "mean", "name"};

bool detail_exists(const h5::File& f, const std::string& path) {
  const htri_t e = H5Lexists(f.id(), path.c_str(), H5P_DEFAULT);
  H5Eclear2(H5E_DEFAULT);
  return e > 0;
}

std::vector<std::string> read_columns_attr(const h5::File& f, const std::string& group) {
  hid_t g = H5Gopen2(f.id(), group.c_str(), H5P_DEFAULT);
  REQUIRE(g >= 0);
  h5::Handle gh(g);
  h5::Handle attr(h5::check_id(H5Aopen(g, "columns", H5P_DEFAULT), "open columns"));
  h5::Handle type(h5::check_id(H5Aget_type(attr.get()), "type"));
  h5::Handle space(h5::check_id(H5Aget_space(attr.get()), "space"));
  REQUIRE(H5Tget_class(type.get()) == H5T_STRING);
  REQUIRE(H5Tis_variable_str(type.get()) == 0);
  REQUIRE(H5Tget_strpad(type.get()) == H5T_STR_NULLPAD);
  REQUIRE(H5Sget_simple_extent_ndims(space.get()) == 1);
  size_t w = H5Tget_size(type.get());
  size_t n = static_cast<size_t>(H5Sget_simple_extent_npoints(space.get()));
  std::vector<char> buf(n * w);
  h5::check(H5Aread(attr.get(), type.get(), buf.data()), "read columns");
  std::vector<std::string> out;
  for (size_t i = 0; i < n; ++i) {
    std::string s(buf.data() + i * w, w);
    while (!s.empty() && s.back() == '\0') s.pop_back();
    out.push_back(s);
  }
  return out;
}

const h5::DatasetInfo* find_dataset(const std::vector<h5::DatasetInfo>& all, const std::string& path) {
  for (const auto& d : all)
    if (d.path == path) return &d;
  return nullptr;
}

const h5::AttrInfo* find_attr(const std::vector<h5::AttrInfo>& all, const std::string& obj, const std::string& name) {
  for (const auto& a : all)
    if (a.object_path == obj && a.name == name) return &a;
  return nullptr;
}

// Rank 0: checks a table written by write_table with make_columns(rows_of, .).
void check_table(const h5::File& f, const std::string& group, const std::function<uint64_t(int)>& rows_of) {
  uint64_t total = 0;
  for (int i = 0; i < world_size(); ++i) total += rows_of(i);
  size_t width = 2;  // write_table's least width
  for (uint64_t g = 0; g < total; ++g) width = std::max(width, v_str(g).size());

  CHECK(read_columns_attr(f, group) == kColumnNames);
  check_described(f, group, kColumnNames, total);
  CHECK(std::get<std::string>(h5::read_attr(f, group + "/ip", "units")) == "ipv4");
  CHECK(std::get<std::string>(h5::read_attr(f, group + "/name", "description")) == "a name");

  auto datasets = list_datasets(f);
  const std::vector<std::pair<std::string, std::string>> types = {
      {"ip", "u32"}, {"ttl", "u8"}, {"port", "u16"}, {"count", "u64"}, {"mean", "f64"},
      {"name", "str<" + std::to_string(width) + ">"}};
  for (const auto& [name, type] : types) {
    const auto* d = find_dataset(datasets, group + "/" + name);
    REQUIRE(d != nullptr);
    CHECK(d->type == type);
    CHECK(d->rows == total);
  }

  auto ip = read_u64_column(f, group + "/ip");
  auto ttl = read_u64_column(f, group + "/ttl");
  auto port = read_u64_column(f, group + "/port");
  auto count = read_u64_column(f, group + "/count");
  auto mean = read_f64_column(f, group + "/mean");
  auto name = read_str_column(f, group + "/name");
  REQUIRE(ip.size() == total);
  REQUIRE(ttl.size() == total);
  REQUIRE(port.size() == total);
  REQUIRE(count.size() == total);
  REQUIRE(mean.size() == total);
  REQUIRE(name.size() == total);
  size_t bad = 0;
  for (uint64_t g = 0; g < total; ++g) {
    bool ok = ip[g] == v_u32(g) && ttl[g] == v_u8(g) && port[g] == v_u16(g) && count[g] == v_u64(g) &&
              mean[g] == v_f64(g) && name[g] == v_str(g);
    if (!ok && bad++ < 5) FAIL_CHECK("row " << g << " of " << group << " differs");
  }
  CHECK(bad == 0);
}

}  // namespace

TEST_CASE("h5: a table where rank r holds r rows round-trips", "[h5]") {
  const int rank = world_rank();
  const std::string path = temp_path("table");
  RemoveOnRank0 cleanup{path};
  auto r_rows = [](int r) { return static_cast<uint64_t>(r); };
  auto many_rows = [](int r) { return static_cast<uint64_t>(1000 + 37 * r); };
  {
    auto f = h5::File::create_parallel(path, MPI_COMM_WORLD);
    REQUIRE(f.parallel());
    f.write_table("/small", make_columns(r_rows, rank));
    f.write_table("/deep/nested/big", make_columns(many_rows, rank));  // intermediate groups
    f.write_table("/small", make_columns(r_rows, rank));               // rewriting replaces
    f.close();
    f.close();  // second close is a no-op
    CHECK_FALSE(f.id() >= 0);
  }
  if (rank != 0) return;
  auto f = h5::File::open_read(path);
  CHECK_FALSE(f.parallel());
  check_table(f, "/small", r_rows);
  check_table(f, "/deep/nested/big", many_rows);
  CHECK(list_datasets(f).size() == 12);
  auto attrs = list_attributes(f);
  const auto* cols = find_attr(attrs, "/small", "columns");
  REQUIRE(cols != nullptr);
  CHECK(cols->value_text == "[ip, ttl, port, count, mean, name]");
  // Reading a column as the wrong kind is an error, not a silent conversion.
  CHECK_THROWS_AS(read_u64_column(f, "/small/mean"), h5::Error);
  CHECK_THROWS_AS(read_f64_column(f, "/small/ip"), h5::Error);
  CHECK_THROWS_AS(read_str_column(f, "/small/ip"), h5::Error);
}

TEST_CASE("h5: an empty table (zero rows on every rank) works", "[h5]") {
  const int rank = world_rank();
  const std::string path = temp_path("empty");
  RemoveOnRank0 cleanup{path};
  auto no_rows = [](int) { return uint64_t{0}; };
  {
    auto f = h5::File::create_parallel(path, MPI_COMM_WORLD);
    f.write_table("/empty", make_columns(no_rows, rank));
    f.close();
  }
  if (rank != 0) return;
  auto f = h5::File::open_read(path);
  check_table(f, "/empty", no_rows);
  auto datasets = list_datasets(f);
  REQUIRE(datasets.size() == 6);
  CHECK(datasets[0].path == "/empty/count");  // sorted by path
  CHECK(datasets[5].path == "/empty/ttl");
  CHECK(find_dataset(datasets, "/empty/name")->type == "str<2>");  // at least 2: 1 byte is a char
}

TEST_CASE("h5: attributes of every type round-trip, groups can be created twice", "[h5]") {
  const int rank = world_rank();
  const std::string path = temp_path("attrs");
  RemoveOnRank0 cleanup{path};
  std::string big(100 * 1024, ' ');
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>('a' + (i * 31 + i / 97) % 26);
  for (size_t i = 80; i < big.size(); i += 81) big[i] = '\n';
  std::vector<uint64_t> many(100);
  for (size_t i = 0; i < many.size(); ++i) many[i] = i * i;
  {
    auto f = h5::File::create_parallel(path, MPI_COMM_WORLD);
    f.create_group("/a/b/c");
    f.create_group("/a/b/c");  // exists: fine
    f.create_group("/a/b/");   // parent, trailing slash: fine
    f.create_group("/x");
    f.write_attr("/", "ranks", uint64_t{18446744073709551615ull});
    f.write_attr("/", "config", big);
    f.write_attr("/", "command", std::string("scan"));
    f.write_attr("/a/b/c", "delta", int64_t{-42});
    f.write_attr("/a/b/c", "mean", 0.1);
    f.write_attr("/a/b/c", "nan", std::nan(""));
    f.write_attr("/a/b/c", "empty_string", std::string());
    f.write_attr("/a/b/c", "peak", std::vector<uint64_t>{1, 2, 3});
    f.write_attr("/a/b/c", "none", std::vector<uint64_t>{});
    f.write_attr("/a/b/c", "many", many);
    f.write_attr("/x", "replaced", uint64_t{7});
    f.write_attr("/x", "replaced", std::string("now a string"));  // delete + recreate
    f.write_attr("/x", "config", big);                            // a second large one
    f.write_attr("/x", "config", big + "tail");                   // replacing a large one
    f.close();
  }
  if (rank != 0) return;
  auto f = h5::File::open_read(path);
  CHECK(std::get<uint64_t>(read_attr(f, "/", "ranks")) == 18446744073709551615ull);
  CHECK(std::get<std::string>(read_attr(f, "/", "config")) == big);
  CHECK(std::get<std::string>(read_attr(f, "/", "command")) == "scan");
  CHECK(std::get<int64_t>(read_attr(f, "/a/b/c", "delta")) == -42);
  CHECK(std::get<double>(read_attr(f, "/a/b/c", "mean")) == 0.1);
  CHECK(std::isnan(std::get<double>(read_attr(f, "/a/b/c", "nan"))));
  CHECK(std::get<std::string>(read_attr(f, "/a/b/c", "empty_string")).empty());
  CHECK(std::get<std::vector<uint64_t>>(read_attr(f, "/a/b/c", "peak")) == std::vector<uint64_t>{1, 2, 3});
  CHECK(std::get<std::vector<uint64_t>>(read_attr(f, "/a/b/c", "none")).empty());
  CHECK(std::get<std::vector<uint64_t>>(read_attr(f, "/a/b/c", "many")) == many);
  CHECK(std::get<std::string>(read_attr(f, "/x", "replaced")) == "now a string");
  CHECK(std::get<std::string>(read_attr(f, "/x", "config")) == big + "tail");
  CHECK_THROWS_AS(read_attr(f, "/x", "missing"), h5::Error);

  auto attrs = list_attributes(f);
  std::vector<std::pair<std::string, std::string>> keys;
  for (const auto& a : attrs) keys.emplace_back(a.object_path, a.name);
  CHECK(keys == std::vector<std::pair<std::string, std::string>>{
                    {"/", "command"}, {"/", "config"}, {"/", "ranks"},
                    {"/a/b/c", "delta"}, {"/a/b/c", "empty_string"}, {"/a/b/c", "many"},
                    {"/a/b/c", "mean"}, {"/a/b/c", "nan"}, {"/a/b/c", "none"}, {"/a/b/c", "peak"},
                    {"/x", "config"}, {"/x", "replaced"}});
  CHECK(find_attr(attrs, "/", "ranks")->value_text == "18446744073709551615");
  CHECK(find_attr(attrs, "/", "command")->value_text == "scan");
  CHECK(find_attr(attrs, "/", "config")->value_text == big);
  CHECK(find_attr(attrs, "/a/b/c", "delta")->value_text == "-42");
  CHECK(find_attr(attrs, "/a/b/c", "mean")->value_text == "0.1");
  CHECK(find_attr(attrs, "/a/b/c", "peak")->value_text == "[1, 2, 3]");
  CHECK(find_attr(attrs, "/a/b/c", "none")->value_text == "[]");
  CHECK(find_attr(attrs, "/a/b/c", "many")->value_text ==
        "[0, 1, 4, 9, 16, 25, 36, 49, 64, 81, 100, 121, 144, 169, 196, 225, ... (100 values)]");
  CHECK(find_attr(attrs, "/x", "replaced")->value_text == "now a string");
  CHECK(list_datasets(f).empty());
}

TEST_CASE("h5: inconsistent columns throw h5::Error on every rank", "[h5]") {
  const int rank = world_rank();
  const int size = world_size();
  const std::string path = temp_path("invalid");
  RemoveOnRank0 cleanup{path};
  auto f = h5::File::create_parallel(path, MPI_COMM_WORLD);

  // Only the last rank has columns of unequal length; every rank must throw.
  std::vector<h5::Column> cols = {{"a", std::vector<uint8_t>{1, 2}, "1", "a"},
                                  {"b", std::vector<uint16_t>(rank == size - 1 ? 3 : 2, 5), "1", "b"}};
  std::string msg;
  try {
    f.write_table("/bad", cols);
  } catch (const h5::Error& e) {
    msg = e.what();
  }
  CHECK_THAT(msg, Catch::Contains("/bad"));
  if (rank == size - 1) CHECK_THAT(msg, Catch::Contains("has 3 rows"));

  // Ranks disagreeing on the schema: also an error everywhere.
  if (size > 1) {
    std::vector<h5::Column> schema = {{rank == 0 ? "x" : "y", std::vector<uint8_t>{1}, "1", "x"}};
    CHECK_THROWS_AS(f.write_table("/bad2", schema), h5::Error);
  }
  std::vector<h5::Column> dup = {{"a", std::vector<uint8_t>{}, "1", "a"}, {"a", std::vector<uint8_t>{}, "1", "a"}};
  CHECK_THROWS_AS(f.write_table("/bad3", dup), h5::Error);
  CHECK_THROWS_AS(f.write_table("/bad4", {}), h5::Error);

  // The file is still usable afterwards.
  f.write_table("/good", {{"a", std::vector<uint8_t>(static_cast<size_t>(rank), 9), "1", "a"}});
  f.close();
  if (rank != 0) return;
  auto r = h5::File::open_read(path);
  auto datasets = list_datasets(r);
  REQUIRE(datasets.size() == 1);
  CHECK(datasets[0].path == "/good/a");
  CHECK(datasets[0].rows == static_cast<uint64_t>(size) * (size - 1) / 2);
}

TEST_CASE("h5: the column catalogue documents scanhpc's tables; an undocumented column is refused", "[h5]") {
  // Look-ups, with the wildcard of variable table names.
  REQUIRE(h5::column_doc("/hosts/table", "first_seen") != nullptr);
  CHECK(h5::column_doc("/hosts/table", "first_seen")->units == "seconds since 1970-01-01 00:00:00");
  CHECK(h5::column_doc("/hosts/table", "known")->flag_masks == std::vector<uint64_t>{1, 2, 4});
  REQUIRE(h5::column_doc("/flow/top/netacq_country_by_packets", "count") != nullptr);
  CHECK(h5::column_doc("/flow/top/netacq_country_by_packets", "count")->units == "packets");
  CHECK(h5::column_doc("/flow/top/src_ip_by_dst_ips", "count")->units == "addresses");
  CHECK(h5::column_doc("/flow/top/a/b_by_flows", "count") == nullptr);  // `*` stays within one part
  CHECK(h5::column_doc("/gps/families/p_a_given_b_app", "hitrate") != nullptr);
  CHECK(h5::column_doc("/hosts/table", "nonexistent") == nullptr);
  CHECK(h5::column_doc("/hosts/other", "ip") == nullptr);
  // gather's option columns: the one column pattern, for /gather/runs alone.
  REQUIRE(h5::column_doc("/gather/runs", "param:seed-fraction") != nullptr);
  CHECK(h5::column_doc("/gather/runs", "param:seed-fraction")->units == "text");
  CHECK(h5::column_doc("/gather/runs", "param:") != nullptr);
  CHECK(h5::column_doc("/gather/runs", "seed-fraction") == nullptr);
  CHECK(h5::column_doc("/gather/constants", "param:x") == nullptr);
  CHECK(h5::column_doc("/hosts/table", "param:x") == nullptr);
  for (const auto& e : h5::column_catalogue())  // no other entry has a pattern for its column
    if (e.column.find('*') != std::string::npos) CHECK((e.table == "/gather/runs" && e.column == "param:*"));
  for (const auto& e : h5::column_catalogue()) {
    CHECK_FALSE(e.doc.units.empty());
    CHECK_FALSE(e.doc.description.empty());
  }

  const int rank = world_rank();
  const std::string path = temp_path("catalogue");
  RemoveOnRank0 cleanup{path};
  {
    auto f = h5::File::create_parallel(path, MPI_COMM_WORLD);
    // A column of neither the catalogue nor documented itself: every rank
    // fails, naming it, before anything is written.
    std::string msg;
    try {
      f.write_table("/hosts/table", {{"ip", std::vector<uint32_t>(size_t(rank), 1)},
                                     {"undocumented", std::vector<uint32_t>(size_t(rank), 2)}});
    } catch (const h5::CollectiveError& e) {
      msg = e.what();
    }
    CHECK_THAT(msg, Catch::Contains("column 'undocumented' is not documented"));
    // Units without a description, or the other way round: refused too.
    CHECK_THROWS_AS(f.write_table("/t", {{"a", std::vector<uint8_t>{}, "1", ""}}), h5::CollectiveError);
    CHECK_THROWS_AS(f.write_table("/t", {{"a", std::vector<uint8_t>{}, "", "a"}}), h5::CollectiveError);
    // `row` is the dimension's name.
    CHECK_THROWS_AS(f.write_table("/t", {{"row", std::vector<uint8_t>{}, "1", "a"}}), h5::CollectiveError);

    // A table of the catalogue: its columns' documentation comes from there.
    f.write_table("/multiprobe/intervals", {{"seconds", std::vector<uint32_t>(size_t(rank), 7)},
                                            {"count", std::vector<uint64_t>(size_t(rank), 8)}});
    {  // A table written by a writer of its own (its columns left unwritten), then described.
      f.create_table_group("/ports/top");
      h5::Handle g2(H5Gopen2(f.id(), "/ports/top", H5P_DEFAULT));
      REQUIRE(g2.valid());
      hsize_t n = 5;
      h5::Handle space(H5Screate_simple(1, &n, nullptr));
      h5::Handle str(H5Tcopy(H5T_C_S1));
      H5Tset_size(str.get(), 4);
      for (const auto& [name, type] : std::vector<std::pair<const char*, hid_t>>{
               {"protocol", str.get()}, {"rank", H5T_STD_U32LE}, {"port", H5T_STD_I32LE},
               {"count", H5T_STD_U64LE}, {"share", H5T_IEEE_F64LE}})
        REQUIRE(h5::Handle(H5Dcreate2(g2.get(), name, type, space.get(), H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT))
                    .valid());
    }
    f.describe_table("/ports/top", {"protocol", "rank", "port", "count", "share"});
    CHECK_THROWS_AS(f.describe_table("/ports/top", {"protocol", "nonexistent"}), h5::CollectiveError);
    {  // a 1-byte string column: characters to netCDF and xarray, refused
      f.create_table_group("/flow/errors");
      h5::Handle g3(H5Gopen2(f.id(), "/flow/errors", H5P_DEFAULT));
      hsize_t n = 3;
      h5::Handle space(H5Screate_simple(1, &n, nullptr));
      h5::Handle narrow(H5Tcopy(H5T_C_S1));
      REQUIRE(h5::Handle(H5Dcreate2(g3.get(), "message", narrow.get(), space.get(), H5P_DEFAULT, H5P_DEFAULT,
                                    H5P_DEFAULT)).valid());
    }
    std::string narrow_msg;
    try {
      f.describe_table("/flow/errors", {"message"});
    } catch (const h5::CollectiveError& e) {
      narrow_msg = e.what();
    }
    CHECK_THAT(narrow_msg, Catch::Contains("1 byte wide"));
    f.close();
  }
  if (rank != 0) return;
  auto f = h5::File::open_read(path);
  CHECK_FALSE(detail_exists(f, "/t"));
  CHECK(list_datasets(f).size() == 2 + 5 + 1);  // neither the refused tables nor the dimensions
  const uint64_t rows = uint64_t(world_size()) * uint64_t(world_size() - 1) / 2;
  check_described(f, "/multiprobe/intervals", {"seconds", "count"}, rows);
  CHECK(std::get<std::string>(h5::read_attr(f, "/multiprobe/intervals/seconds", "units")) == "s");
  check_described(f, "/ports/top", {"protocol", "rank", "port", "count", "share"}, 5);
  CHECK(std::get<std::string>(h5::read_attr(f, "/ports/top/port", "units")) == "port");
  // create_table_group: the links in creation order, the columns first
  h5::Handle g(H5Gopen2(f.id(), "/ports/top", H5P_DEFAULT));
  std::vector<std::string> links;
  for (hsize_t i = 0; i < 6; ++i) {
    char name[64] = {};
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_CRT_ORDER, H5_ITER_INC, i, name, sizeof name, H5P_DEFAULT);
    links.emplace_back(name);
  }
  CHECK(links == std::vector<std::string>{"protocol", "rank", "port", "count", "share", "row"});
}

TEST_CASE("h5: HDF5 failures become h5::Error with HDF5 text, nothing on stderr", "[h5]") {
  const int rank = world_rank();
  const std::string missing = temp_path("does_not_exist");
  std::string msg;

  // Collective create in a directory that does not exist: every rank throws.
  std::string err = capture_stderr([&] {
    try {
      h5::File::create_parallel("/nonexistent_scanhpc_dir/sub/out.h5", MPI_COMM_WORLD);
    } catch (const h5::Error& e) {
      msg = e.what();
    }
  });
  CHECK(err.empty());
  CHECK_THAT(msg, Catch::StartsWith("create /nonexistent_scanhpc_dir/sub/out.h5: "));
  CHECK_THAT(msg, Catch::Contains("H5Fcreate"));
  CHECK_THAT(msg, Catch::Contains("unable to create file"));
  MPI_Barrier(MPI_COMM_WORLD);

  if (rank != 0) return;
  msg.clear();
  err = capture_stderr([&] {
    try {
      h5::File::open_read(missing);
    } catch (const h5::Error& e) {
      msg = e.what();
    }
  });
  CHECK(err.empty());
  CHECK_THAT(msg, Catch::StartsWith("open " + missing + ": "));
  CHECK_THAT(msg, Catch::Contains("H5Fopen"));
  CHECK_THAT(msg, Catch::Contains("unable to open file"));
  CHECK(msg.find('\n') == std::string::npos);  // one line, even with HDF5's ctime() text
  // The error stack was cleared: a later failure reports only its own stack.
  CHECK(H5Eget_num(H5E_DEFAULT) == 0);

  // Not an HDF5 file.
  const std::string text = "/tmp/scanhpc_test_h5_" + std::to_string(getpid()) + "_text.h5";
  { std::ofstream(text) << "hello\n"; }
  msg.clear();
  err = capture_stderr([&] {
    try {
      h5::File::open_read(text);
    } catch (const h5::Error& e) {
      msg = e.what();
    }
  });
  std::remove(text.c_str());
  CHECK(err.empty());
  CHECK_THAT(msg, Catch::Contains("file signature not found"));

  // check / check_id on their own.
  CHECK_THROWS_AS(h5::check(-1, "plain"), h5::Error);
  CHECK_NOTHROW(h5::check(0, "fine"));
  CHECK(h5::check_id(5, "fine") == 5);
  err = capture_stderr([&] {
    try {
      h5::check_id(H5Dopen2(-1, "/nothing", H5P_DEFAULT), "open nothing");
    } catch (const h5::Error& e) {
      msg = e.what();
    }
  });
  CHECK(err.empty());
  CHECK_THAT(msg, Catch::StartsWith("open nothing: H5Dopen2(): "));

  // A Handle closes whatever it holds; an invalid one is harmless.
  {
    h5::Handle space(H5Screate(H5S_SCALAR));
    h5::Handle type(H5Tcopy(H5T_NATIVE_INT));
    h5::Handle plist(H5Pcreate(H5P_DATASET_XFER));
    h5::Handle none;
    hid_t sid = space.get();
    space.reset();
    CHECK_FALSE(space.valid());
    CHECK(H5Iis_valid(sid) <= 0);
    h5::Handle moved(std::move(type));
    CHECK_FALSE(type.valid());
    CHECK(moved.valid());
  }
  CHECK(H5Eget_num(H5E_DEFAULT) == 0);
}

TEST_CASE("h5: an attribute that differs between ranks fails every rank together", "[h5]") {
  const int rank = world_rank();
  const std::string path = temp_path("attr_disagree");
  RemoveOnRank0 cleanup{path};
  auto f = h5::File::create_parallel(path, MPI_COMM_WORLD);
  std::string msg;
  try {
    // A per-rank fact written as one value: each rank's own number.
    f.write_attr("/", "threads", uint64_t(rank == world_size() - 1 ? 7 : 1));
  } catch (const h5::CollectiveError& e) {
    msg = e.what();
  }
  if (world_size() > 1) CHECK_THAT(msg, Catch::Contains("ranks pass different values"));
  else CHECK(msg.empty());
  // The file is still usable, and the per-rank array is the way to write it.
  std::vector<uint64_t> per_rank(size_t(world_size()), 1);
  per_rank.back() = 7;
  CHECK_NOTHROW(f.write_attr("/", "threads", per_rank));
  f.close();
  if (rank == 0) {
    auto r = h5::File::open_read(path);
    CHECK(std::get<std::vector<uint64_t>>(h5::read_attr(r, "/", "threads")) == per_rank);
  }
}

TEST_CASE("h5: a table whose columns are bad on one rank fails every rank with that rank's message", "[h5]") {
  const int rank = world_rank();
  const std::string path = temp_path("agreed_table");
  RemoveOnRank0 cleanup{path};
  auto f = h5::File::create_parallel(path, MPI_COMM_WORLD);
  const bool bad = rank == world_size() - 1;
  std::string msg;
  try {
    f.write_table("/t", {{"a", std::vector<uint8_t>{1, 2}, "1", "a"}, {"b", std::vector<uint8_t>(bad ? 1 : 2, 0), "1", "b"}});
  } catch (const h5::CollectiveError& e) {
    msg = e.what();
  }
  CHECK_THAT(msg, Catch::Contains("column 'b' has 1 rows"));
  if (world_size() > 1) CHECK_THAT(msg, Catch::Contains("(rank " + std::to_string(world_size() - 1) + ")"));
  f.close();
}
