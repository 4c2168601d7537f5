// Collective table writer: one 1-D dataset per column, each rank writing its
// rows at its global offset, plus the `columns` attribute.
#include <algorithm>
#include <cstring>
#include <numeric>
#include <set>
#include <tuple>
#include <type_traits>

#include "detail.hpp"

namespace scanhpc::h5 {
namespace {

size_t column_length(const ColumnData& d) {
  return std::visit([](const auto& v) { return v.size(); }, d);
}

// File and memory types of a numeric column.
template <class T>
std::pair<hid_t, hid_t> numeric_types() {
  if constexpr (std::is_same_v<T, uint8_t>) return {H5T_STD_U8LE, H5T_NATIVE_UINT8};
  else if constexpr (std::is_same_v<T, uint16_t>) return {H5T_STD_U16LE, H5T_NATIVE_UINT16};
  else if constexpr (std::is_same_v<T, uint32_t>) return {H5T_STD_U32LE, H5T_NATIVE_UINT32};
  else if constexpr (std::is_same_v<T, uint64_t>) return {H5T_STD_U64LE, H5T_NATIVE_UINT64};
  else if constexpr (std::is_same_v<T, int32_t>) return {H5T_STD_I32LE, H5T_NATIVE_INT32};
  else {
    static_assert(std::is_same_v<T, double>);
    return {H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE};
  }
}

// FNV-1a over the schema (names and type indices), to check that every rank
// passes the same columns.
uint64_t schema_hash(const std::vector<Column>& cols) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(p)[i]) * 1099511628211ull;
  };
  uint64_t ncols = cols.size();
  mix(&ncols, sizeof ncols);
  for (const auto& c : cols) {
    uint64_t idx = c.data().index();
    for (const std::string* s : {&c.name, &c.units, &c.description}) {
      uint64_t len = s->size();
      mix(&len, sizeof len);
      mix(s->data(), s->size());
    }
    mix(&idx, sizeof idx);
  }
  return h;
}

std::string local_problem(const std::vector<Column>& cols) {
  if (cols.empty()) return "a table needs at least one column";
  std::set<std::string> names;
  size_t n0 = column_length(cols[0].data());
  for (const auto& c : cols) {
    if (c.name.empty() || c.name.find('/') != std::string::npos || c.name == ".")
      return "invalid column name '" + c.name + "'";
    if (c.name == kRowDimension) return "column name '" + c.name + "' is the table's dimension";
    if (!names.insert(c.name).second) return "duplicate column name '" + c.name + "'";
    size_t n = column_length(c.data());
    if (n != n0)
      return "column '" + c.name + "' has " + std::to_string(n) + " rows but column '" + cols[0].name +
             "' has " + std::to_string(n0);
  }
  return {};
}

// The documentation of each column: its own units and description, else the
// catalogue's entry. A column with neither (or only one of its own) sets
// `problem`, naming it, and nothing is returned.
std::vector<ColumnDoc> column_docs(const std::string& table, const std::vector<Column>& cols, std::string& problem) {
  std::vector<ColumnDoc> docs;
  for (const auto& c : cols) {
    if (!c.units.empty() || !c.description.empty()) {
      if (c.units.empty() || c.description.empty()) {
        problem = "column '" + c.name + "' has a description or units but not both";
        return {};
      }
      docs.push_back({c.units, c.description});
    } else if (const ColumnDoc* d = column_doc(table, c.name)) {
      docs.push_back(*d);
    } else {
      problem = "column '" + c.name + "' is not documented: add it to the column catalogue (src/h5/column_docs.cpp) "
                "and docs/hdf5-layout.md";
      return {};
    }
  }
  return docs;
}

}  // namespace

void File::create_table_group(const std::string& group_path) {
  const std::string gpath = detail::normalize_path(group_path);
  if (detail::path_exists(file_.get(), gpath)) {
    create_group(gpath);  // fails when it is not a group
    return;
  }
  const size_t slash = gpath.rfind('/');
  if (slash > 0) create_group(gpath.substr(0, slash));
  detail::agreed(comm_, [&] {
    const std::string where = "create table group " + gpath;
    Handle gcpl(check_id(H5Pcreate(H5P_GROUP_CREATE), where + ": group creation property list"));
    check(H5Pset_link_creation_order(gcpl.get(), H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED),
          where + ": track creation order");
    Handle created(check_id(H5Gcreate2(file_.get(), gpath.c_str(), H5P_DEFAULT, gcpl.get(), H5P_DEFAULT), where));
  });
}

void File::write_table(const std::string& group_path, const std::vector<Column>& local_columns,
                       const TableStorage& storage) {
  detail::agreed(comm_, [&] { write_table_step(group_path, local_columns, storage); });
}

void File::write_table_step(const std::string& group_path, const std::vector<Column>& local_columns,
                            const TableStorage& storage) {
  const std::string gpath = detail::normalize_path(group_path);
  const std::string where = "write table " + gpath;
  const bool par = comm_ != MPI_COMM_NULL;
  int rank = 0, nranks = 1;
  if (par) {
    MPI_Comm_rank(comm_, &rank);
    MPI_Comm_size(comm_, &nranks);
  }

  // 1. Validate before any HDF5 call, and agree on the outcome: a rank that
  //    threw alone would leave the others waiting in a collective. Every
  //    rank throws the failing rank's message.
  std::string problem = local_problem(local_columns);
  std::vector<ColumnDoc> docs;
  if (problem.empty()) docs = column_docs(gpath, local_columns, problem);
  detail::agreed(comm_, [&] {
    if (!problem.empty()) throw Error(where + ": " + problem);
  });
  const uint64_t storage_hash =
      storage.chunk_rows * 1000003u + storage.deflate_level * 31u + (storage.shuffle ? 7u : 0u);
  detail::check_same_on_all_ranks(comm_, schema_hash(local_columns) ^ storage_hash,
                                  where + ": ranks disagree on column names, types or storage");

  // 2. Global layout: rows per rank, this rank's offset, total.
  const uint64_t local_rows = column_length(local_columns[0].data());
  std::vector<uint64_t> counts(static_cast<size_t>(nranks), local_rows);
  if (par) MPI_Allgather(&local_rows, 1, MPI_UINT64_T, counts.data(), 1, MPI_UINT64_T, comm_);
  const uint64_t offset = std::accumulate(counts.begin(), counts.begin() + rank, uint64_t{0});
  const uint64_t total = std::accumulate(counts.begin(), counts.end(), uint64_t{0});

  // 3. String widths: longest string of each string column on any rank, at
  //    least 2: netCDF and xarray read a string type of 1 byte as characters
  //    (an empty table's string column would become a scalar).
  std::vector<uint64_t> widths(local_columns.size(), 2);
  for (size_t i = 0; i < local_columns.size(); ++i)
    if (const auto* s = std::get_if<std::vector<std::string>>(&local_columns[i].data()))
      for (const auto& x : *s) widths[i] = std::max<uint64_t>(widths[i], x.size());
  if (par && !widths.empty())
    MPI_Allreduce(MPI_IN_PLACE, widths.data(), static_cast<int>(widths.size()), MPI_UINT64_T, MPI_MAX, comm_);

  // 4. The group, then one dataset per column.
  create_table_group(gpath);
  Handle group(check_id(H5Gopen2(file_.get(), gpath.c_str(), H5P_DEFAULT), where + ": open group"));
  Handle dxpl(check_id(H5Pcreate(H5P_DATASET_XFER), where + ": transfer property list"));
  if (par) check(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), where + ": collective transfer");
  Handle dcpl(check_id(H5Pcreate(H5P_DATASET_CREATE), where + ": creation property list"));
  hsize_t dim = total;
  hsize_t maxdim = dim;
  if (storage.chunk_rows == 0) {
    check(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), where + ": layout");
  } else {
    // Unlimited extent: a chunk may then be longer than the table (a small
    // or empty table keeps the same chunk size as a large one).
    maxdim = H5S_UNLIMITED;
    hsize_t chunk = storage.chunk_rows;
    check(H5Pset_chunk(dcpl.get(), 1, &chunk), where + ": chunk size");
    if (storage.shuffle) check(H5Pset_shuffle(dcpl.get()), where + ": shuffle filter");
    if (storage.deflate_level) check(H5Pset_deflate(dcpl.get(), storage.deflate_level), where + ": deflate filter");
  }
  check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), where + ": fill time");  // every byte is written

  std::vector<std::string> names;
  for (size_t i = 0; i < local_columns.size(); ++i) {
    const Column& col = local_columns[i];
    const std::string cwhere = where + ": column " + col.name;
    names.push_back(col.name);

    // Assemble the file type, memory type and a contiguous buffer.
    Handle string_type;
    hid_t ftype = -1, mtype = -1;
    const void* buf = nullptr;
    std::vector<char> packed;
    std::visit(
        [&](const auto& v) {
          using T = typename std::decay_t<decltype(v)>::value_type;
          if constexpr (std::is_same_v<T, std::string>) {
            const size_t w = widths[i];
            string_type = detail::fixed_string_type(w);
            ftype = mtype = string_type.get();
            packed.assign(v.size() * w, '\0');
            for (size_t r = 0; r < v.size(); ++r) std::memcpy(packed.data() + r * w, v[r].data(), v[r].size());
            buf = packed.data();
          } else {
            std::tie(ftype, mtype) = numeric_types<T>();
            buf = v.data();
          }
        },
        col.data());

    if (H5Lexists(group.get(), col.name.c_str(), H5P_DEFAULT) > 0)
      check(H5Ldelete(group.get(), col.name.c_str(), H5P_DEFAULT), cwhere + ": delete old dataset");
    H5Eclear2(H5E_DEFAULT);
    Handle fspace(check_id(H5Screate_simple(1, &dim, &maxdim), cwhere + ": dataspace"));
    Handle dset(check_id(H5Dcreate2(group.get(), col.name.c_str(), ftype, fspace.get(), H5P_DEFAULT,
                                    dcpl.get(), H5P_DEFAULT),
                         cwhere + ": create dataset"));
    detail::write_rows(dset.get(), mtype, fspace.get(), dxpl.get(), total, offset, local_rows, buf, cwhere);
  }

  describe_table_step(gpath, names, docs, total, storage);  // `columns`, the attributes, the dimension
}

}  // namespace scanhpc::h5
