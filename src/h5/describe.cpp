// What makes a table self-describing (docs/hdf5-layout.md, "Column
// attributes"): each column's units, description and CF attributes, and the
// table's dimension `row`, an HDF5 dimension scale that every column is
// attached to, so that netCDF-4 readers (xarray with netCDF4 or h5netcdf) see
// the group as a dataset of one dimension. The scale follows netCDF-4's
// convention for a dimension that is not a variable (its NAME attribute), so
// netCDF hides it; it holds one zero byte per row. The columns keep their
// order in the group's `columns` attribute, and `row` is not a column.
#include <hdf5_hl.h>

#include <algorithm>
#include <cstdio>
#include <cstring>

#include "detail.hpp"

namespace scanhpc::h5 {
namespace {

// netCDF-4's NAME of a dimension scale that is not a variable (nc4internal.h
// DIM_WITHOUT_VARIABLE): netCDF reads the dimension and lists no variable for it.
constexpr char kDimWithoutVariable[] = "This is a netCDF dimension but not a netCDF variable.";

}  // namespace

void File::describe_table(const std::string& group_path, const std::vector<std::string>& columns) {
  const std::string gpath = detail::normalize_path(group_path);
  const std::string where = "describe table " + gpath;
  std::string problem;
  std::vector<ColumnDoc> docs;
  if (columns.empty()) problem = "a table needs at least one column";
  for (const auto& name : columns) {
    if (name == kRowDimension) { problem = "column name '" + name + "' is the table's dimension"; break; }
    const ColumnDoc* d = column_doc(gpath, name);
    if (!d) {
      problem = "column '" + name + "' is not documented: add it to the column catalogue (src/h5/column_docs.cpp) "
                "and docs/hdf5-layout.md";
      break;
    }
    docs.push_back(*d);
  }
  detail::agreed(comm_, [&] {
    if (!problem.empty()) throw Error(where + ": " + problem);
    // The rows of the columns as written (every rank reads the same).
    uint64_t rows = 0;
    for (size_t i = 0; i < columns.size(); ++i) {
      const std::string path = gpath + "/" + columns[i];
      Handle d(check_id(H5Dopen2(file_.get(), path.c_str(), H5P_DEFAULT), where + ": open column " + columns[i]));
      Handle type(check_id(H5Dget_type(d.get()), where + ": type of " + columns[i]));
      if (H5Tget_class(type.get()) == H5T_STRING && H5Tis_variable_str(type.get()) <= 0 && H5Tget_size(type.get()) < 2)
        throw Error(where + ": string column " + columns[i] +
                    " is 1 byte wide, which netCDF and xarray read as characters: make it at least 2");
      Handle space(check_id(H5Dget_space(d.get()), where + ": dataspace of " + columns[i]));
      hsize_t n = 0;
      if (H5Sget_simple_extent_ndims(space.get()) != 1) throw Error(where + ": column " + columns[i] + " is not 1-D");
      H5Sget_simple_extent_dims(space.get(), &n, nullptr);
      if (i == 0) rows = n;
      else if (n != rows) throw Error(where + ": columns " + columns[0] + " and " + columns[i] + " differ in length");
    }
    describe_table_step(gpath, columns, docs, rows);
  });
}

void File::describe_table_step(const std::string& gpath, const std::vector<std::string>& columns,
                               const std::vector<ColumnDoc>& docs, uint64_t rows, const TableStorage& storage) {
  const std::string where = "describe table " + gpath;
  const bool par = comm_ != MPI_COMM_NULL;
  int rank = 0, nranks = 1;
  if (par) {
    MPI_Comm_rank(comm_, &rank);
    MPI_Comm_size(comm_, &nranks);
  }
  Handle group(check_id(H5Gopen2(file_.get(), gpath.c_str(), H5P_DEFAULT), where + ": open group"));
  detail::write_string_array_attr(group.get(), "columns", columns);

  // 1. The dimension: one zero byte per row, written like a column (each rank
  //    an equal share), so that the file's bytes do not depend on chance.
  const std::string rwhere = where + ": dimension " + std::string(kRowDimension);
  const std::string row_name(kRowDimension);
  if (H5Lexists(group.get(), row_name.c_str(), H5P_DEFAULT) > 0)
    check(H5Ldelete(group.get(), row_name.c_str(), H5P_DEFAULT), rwhere + ": delete old dimension");
  H5Eclear2(H5E_DEFAULT);
  hsize_t dim = rows, maxdim = rows;
  Handle dcpl(check_id(H5Pcreate(H5P_DATASET_CREATE), rwhere + ": creation property list"));
  if (storage.chunk_rows == 0) {
    check(H5Pset_layout(dcpl.get(), H5D_CONTIGUOUS), rwhere + ": layout");
  } else {  // a compressed table's zeros are compressed too (a byte a row would weigh as much as some columns)
    maxdim = H5S_UNLIMITED;
    hsize_t chunk = storage.chunk_rows;
    check(H5Pset_chunk(dcpl.get(), 1, &chunk), rwhere + ": chunk size");
    check(H5Pset_deflate(dcpl.get(), std::max(1u, storage.deflate_level)), rwhere + ": deflate filter");
  }
  Handle fspace(check_id(H5Screate_simple(1, &dim, &maxdim), rwhere + ": dataspace"));
  check(H5Pset_fill_time(dcpl.get(), H5D_FILL_TIME_NEVER), rwhere + ": fill time");
  Handle scale(check_id(H5Dcreate2(group.get(), row_name.c_str(), H5T_STD_U8LE, fspace.get(), H5P_DEFAULT, dcpl.get(),
                                   H5P_DEFAULT),
                        rwhere + ": create"));
  const uint64_t begin = rows * uint64_t(rank) / uint64_t(nranks), end = rows * uint64_t(rank + 1) / uint64_t(nranks);
  const std::vector<uint8_t> zeros(end - begin, 0);
  Handle dxpl(check_id(H5Pcreate(H5P_DATASET_XFER), rwhere + ": transfer property list"));
  if (par) check(H5Pset_dxpl_mpio(dxpl.get(), H5FD_MPIO_COLLECTIVE), rwhere + ": collective transfer");
  detail::write_rows(scale.get(), H5T_NATIVE_UINT8, fspace.get(), dxpl.get(), rows, begin, end - begin, zeros.data(),
                     rwhere);
  char name[128];
  std::snprintf(name, sizeof name, "%s%10llu", kDimWithoutVariable, static_cast<unsigned long long>(rows));
  check(H5DSset_scale(scale.get(), name), rwhere + ": make it a dimension scale");
  detail::write_string_attr(scale.get(), "description",
                            "the table's dimension (an HDF5 dimension scale that every column is attached to, for "
                            "netCDF and xarray): not a column, no data; the columns are named in the group's "
                            "attribute columns");

  // 2. Each column: its attributes, and the dimension.
  for (size_t i = 0; i < columns.size(); ++i) {
    const std::string cwhere = where + ": column " + columns[i];
    const ColumnDoc& doc = docs[i];
    Handle d(check_id(H5Dopen2(group.get(), columns[i].c_str(), H5P_DEFAULT), cwhere + ": open"));
    detail::write_string_attr(d.get(), "units", doc.units);
    detail::write_string_attr(d.get(), "description", doc.description);
    if (!doc.flag_masks.empty()) {
      Handle type(check_id(H5Dget_type(d.get()), cwhere + ": type"));
      detail::write_u64_array_attr(d.get(), "flag_masks", doc.flag_masks, type.get());
      detail::write_string_attr(d.get(), "flag_meanings", doc.flag_meanings);
    }
    check(H5DSattach_scale(d.get(), scale.get(), 0), cwhere + ": attach the dimension");
  }
}

namespace detail {

void write_rows(hid_t dset, hid_t mtype, hid_t fspace, hid_t dxpl, uint64_t total, uint64_t offset,
                uint64_t local_rows, const void* buf, const std::string& where) {
  if (total == 0) return;  // nothing to write on any rank (all agree)
  hsize_t start = offset, count = local_rows;
  Handle mspace;
  if (local_rows > 0) {
    check(H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, nullptr, &count, nullptr), where + ": select rows");
    mspace = Handle(check_id(H5Screate_simple(1, &count, nullptr), where + ": memory dataspace"));
  } else {
    // Zero rows here: still take part in the collective write, selecting nothing.
    hsize_t one = 1;
    mspace = Handle(check_id(H5Screate_simple(1, &one, nullptr), where + ": memory dataspace"));
    check(H5Sselect_none(mspace.get()), where + ": select none");
    check(H5Sselect_none(fspace), where + ": select none");
    static const char dummy[8] = {};
    buf = dummy;
  }
  check(H5Dwrite(dset, mtype, mspace.get(), fspace, dxpl, buf), where + ": write");
}

bool is_row_dimension(hid_t dset) {
  if (H5DSis_scale(dset) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return false;
  }
  char name[sizeof kDimWithoutVariable] = {};
  const ssize_t n = H5DSget_scale_name(dset, name, sizeof name);
  H5Eclear2(H5E_DEFAULT);
  return n >= ssize_t(sizeof kDimWithoutVariable - 1) &&
         std::memcmp(name, kDimWithoutVariable, sizeof kDimWithoutVariable - 1) == 0;
}

}  // namespace detail
}  // namespace scanhpc::h5
