// Reading any table (a group of equal-length 1-D datasets) in row blocks.
#include <algorithm>
#include <cstring>

#include "detail.hpp"

namespace scanhpc::h5 {
namespace {

struct Member {
  std::string name;
  bool dataset = false;
};

herr_t on_link(hid_t group, const char* name, const H5L_info_t*, void* data) {
  auto* out = static_cast<std::vector<Member>*>(data);
  Handle o(H5Oopen(group, name, H5P_DEFAULT));
  // A table's dimension (kRowDimension) is not a column.
  out->push_back({name, o.valid() && H5Iget_type(o.get()) == H5I_DATASET && !detail::is_row_dimension(o.get())});
  if (!o.valid()) H5Eclear2(H5E_DEFAULT);  // a dangling link: not a column
  return 0;
}

// The group's links in creation order when the file tracks it, else by name.
std::vector<Member> members(hid_t group, bool& creation_order) {
  Handle gcpl(check_id(H5Gget_create_plist(group), "group creation properties"));
  unsigned flags = 0;
  check(H5Pget_link_creation_order(gcpl.get(), &flags), "link creation order");
  creation_order = (flags & H5P_CRT_ORDER_INDEXED) != 0;
  std::vector<Member> out;
  hsize_t idx = 0;
  check(H5Literate(group, creation_order ? H5_INDEX_CRT_ORDER : H5_INDEX_NAME, H5_ITER_INC, &idx, on_link, &out),
        "list group");
  return out;
}

// A variable-length string memory type of the file type's character set
// (h5py writes UTF-8; HDF5 converts no ASCII <-> UTF-8).
Handle vlen_string_type(hid_t file_type, const std::string& where) {
  Handle mt(check_id(H5Tcopy(H5T_C_S1), where));
  check(H5Tset_size(mt.get(), H5T_VARIABLE), where);
  check(H5Tset_cset(mt.get(), H5Tget_cset(file_type)), where);
  return mt;
}

std::string type_text(hid_t type) {
  const size_t size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER: return (H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "i") + std::to_string(size * 8);
    case H5T_FLOAT: return "f" + std::to_string(size * 8);
    case H5T_STRING: return H5Tis_variable_str(type) > 0 ? "vlen-str" : "str<" + std::to_string(size) + ">";
    default: return "other";
  }
}

// The `columns` attribute (1-D array of strings), empty when absent.
std::vector<std::string> columns_attr(hid_t group) {
  std::vector<std::string> out;
  if (H5Aexists(group, "columns") <= 0) return out;
  Handle attr(check_id(H5Aopen(group, "columns", H5P_DEFAULT), "open attribute columns"));
  Handle type(check_id(H5Aget_type(attr.get()), "attribute type"));
  if (H5Tget_class(type.get()) != H5T_STRING) return out;
  Handle space(check_id(H5Aget_space(attr.get()), "attribute dataspace"));
  const hssize_t n = H5Sget_simple_extent_npoints(space.get());
  if (n <= 0) return out;
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mt = vlen_string_type(type.get(), "string type");
    std::vector<char*> p(static_cast<size_t>(n), nullptr);
    check(H5Aread(attr.get(), mt.get(), p.data()), "read attribute columns");
    for (char* s : p) out.emplace_back(s ? s : "");
    for (char* s : p) H5free_memory(s);
    return out;
  }
  const size_t w = H5Tget_size(type.get());
  std::vector<char> buf(static_cast<size_t>(n) * w);
  check(H5Aread(attr.get(), type.get(), buf.data()), "read attribute columns");
  for (size_t i = 0; i < static_cast<size_t>(n); ++i) {
    size_t len = w;
    while (len > 0 && buf[i * w + len - 1] == '\0') --len;
    out.emplace_back(buf.data() + i * w, len);
  }
  return out;
}

// Why the group `g` is not a table ("" if it is); fills columns, rows and order.
std::string inspect(hid_t g, std::vector<TableColumn>& columns, uint64_t& rows, std::string& order) {
  bool crt = false;
  std::vector<Member> links = members(g, crt);
  std::vector<std::string> names;
  for (const auto& m : links)
    if (m.dataset) names.push_back(m.name);
  if (names.empty()) return "it has no datasets";
  order = crt ? "creation order" : "name order";
  // scanhpc's writers name the order in `columns`; use it when it names exactly these datasets.
  std::vector<std::string> listed = columns_attr(g);
  if (!listed.empty()) {
    std::vector<std::string> a = listed, b = names;
    std::sort(a.begin(), a.end());
    std::sort(b.begin(), b.end());
    if (a == b) { names = listed; order = "columns attribute"; }
  }
  bool first = true;
  for (const auto& name : names) {
    Handle d(check_id(H5Dopen2(g, name.c_str(), H5P_DEFAULT), "open dataset " + name));
    Handle type(check_id(H5Dget_type(d.get()), "dataset type"));
    Handle space(check_id(H5Dget_space(d.get()), "dataset dataspace"));
    if (H5Sget_simple_extent_ndims(space.get()) != 1) return "its dataset " + name + " is not 1-D";
    hsize_t n = 0;
    H5Sget_simple_extent_dims(space.get(), &n, nullptr);
    if (first) rows = n;
    else if (n != rows)
      return "its columns have unequal lengths (" + names[0] + " " + std::to_string(rows) + ", " + name + " " +
             std::to_string(n) + ")";
    first = false;
    TableColumn c;
    c.name = name;
    c.type = type_text(type.get());
    c.units = detail::string_attr(d.get(), "units");
    c.bits = static_cast<unsigned>(H5Tget_size(type.get()) * 8);
    switch (H5Tget_class(type.get())) {
      case H5T_INTEGER:
        c.kind = H5Tget_sign(type.get()) == H5T_SGN_NONE ? TableColumn::Kind::unsigned_int : TableColumn::Kind::signed_int;
        break;
      case H5T_FLOAT: c.kind = TableColumn::Kind::floating; break;
      case H5T_STRING: c.kind = TableColumn::Kind::string; break;
      default: return "its dataset " + name + " has a type CSV cannot hold (" + c.type + ")";
    }
    columns.push_back(std::move(c));
  }
  return {};
}

// Rows [begin, end) of dataset `d` into `out` as `memtype`.
void read_rows(hid_t d, hid_t memtype, uint64_t begin, uint64_t end, void* out, const std::string& where) {
  Handle fs(check_id(H5Dget_space(d), where + ": dataspace"));
  const hsize_t start = begin, count = end - begin;
  check(H5Sselect_hyperslab(fs.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr), where + ": select");
  Handle ms(check_id(H5Screate_simple(1, &count, nullptr), where + ": memory dataspace"));
  check(H5Dread(d, memtype, ms.get(), fs.get(), H5P_DEFAULT, out), where);
}

struct TableWalk {
  std::vector<std::string>* out;
};

herr_t on_object(hid_t obj, const char* name, const H5O_info_t* info, void* data) {
  if (info->type != H5O_TYPE_GROUP) return 0;
  Handle g(H5Gopen2(obj, name, H5P_DEFAULT));
  if (!g.valid()) return -1;
  std::vector<TableColumn> cols;
  uint64_t rows = 0;
  std::string order;
  try {
    if (inspect(g.get(), cols, rows, order).empty())
      static_cast<TableWalk*>(data)->out->push_back(std::strcmp(name, ".") == 0 ? "/" : std::string("/") + name);
  } catch (const Error&) {
    H5Eclear2(H5E_DEFAULT);  // an unreadable group is not listed as a table
  }
  return 0;
}

}  // namespace

TableReader::TableReader(const File& f, const std::string& group_path)
    : file_(&f), path_(detail::normalize_path(group_path)) {
  if (!detail::path_exists(f.id(), path_)) throw NotATable(path_ + " does not exist");
  Handle o(check_id(H5Oopen(f.id(), path_.c_str(), H5P_DEFAULT), "open " + path_));
  if (H5Iget_type(o.get()) != H5I_GROUP) throw NotATable(path_ + " is not a group (a table is a group of columns)");
  if (std::string why = inspect(o.get(), columns_, rows_, order_); !why.empty())
    throw NotATable(path_ + " is not a table: " + why);
}

std::vector<TableValues> TableReader::read(uint64_t begin, uint64_t end) const {
  end = std::min(end, rows_);
  const uint64_t n = end > begin ? end - begin : 0;
  std::vector<TableValues> out;
  out.reserve(columns_.size());
  for (const auto& c : columns_) {
    const std::string where = "read " + path_ + "/" + c.name;
    Handle d(check_id(H5Dopen2(file_->id(), (path_ + "/" + c.name).c_str(), H5P_DEFAULT), where));
    switch (c.kind) {
      case TableColumn::Kind::unsigned_int: {
        std::vector<uint64_t> v(n);
        if (n) read_rows(d.get(), H5T_NATIVE_UINT64, begin, end, v.data(), where);
        out.emplace_back(std::move(v));
        break;
      }
      case TableColumn::Kind::signed_int: {
        std::vector<int64_t> v(n);
        if (n) read_rows(d.get(), H5T_NATIVE_INT64, begin, end, v.data(), where);
        out.emplace_back(std::move(v));
        break;
      }
      case TableColumn::Kind::floating: {
        std::vector<double> v(n);
        if (n) read_rows(d.get(), H5T_NATIVE_DOUBLE, begin, end, v.data(), where);
        out.emplace_back(std::move(v));
        break;
      }
      case TableColumn::Kind::string: {
        std::vector<std::string> v;
        v.reserve(n);
        Handle type(check_id(H5Dget_type(d.get()), where + ": type"));
        if (n && H5Tis_variable_str(type.get()) > 0) {  // e.g. written by h5py
          Handle mt = vlen_string_type(type.get(), where);
          std::vector<char*> p(n, nullptr);
          read_rows(d.get(), mt.get(), begin, end, p.data(), where);
          for (char* s : p) v.emplace_back(s ? s : "");
          for (char* s : p) H5free_memory(s);
        } else if (n) {
          const size_t w = H5Tget_size(type.get());
          std::vector<char> buf(n * w);
          Handle mt(check_id(H5Tcopy(type.get()), where));
          read_rows(d.get(), mt.get(), begin, end, buf.data(), where);
          for (size_t r = 0; r < n; ++r) {
            size_t len = w;  // NUL-padded
            while (len > 0 && buf[r * w + len - 1] == '\0') --len;
            v.emplace_back(buf.data() + r * w, len);
          }
        }
        out.emplace_back(std::move(v));
        break;
      }
    }
  }
  return out;
}

namespace detail {

// A string attribute's value ("" when absent or not a string).
std::string string_attr(hid_t obj, const char* name) {
  if (H5Aexists(obj, name) <= 0) return {};
  Handle attr(check_id(H5Aopen(obj, name, H5P_DEFAULT), std::string("open attribute ") + name));
  Handle type(check_id(H5Aget_type(attr.get()), "attribute type"));
  if (H5Tget_class(type.get()) != H5T_STRING) return {};
  Handle space(check_id(H5Aget_space(attr.get()), "attribute dataspace"));
  if (H5Sget_simple_extent_npoints(space.get()) != 1) return {};
  if (H5Tis_variable_str(type.get()) > 0) {
    Handle mt = vlen_string_type(type.get(), "string type");
    char* p = nullptr;
    check(H5Aread(attr.get(), mt.get(), &p), "read attribute");
    std::string s = p ? p : "";
    H5free_memory(p);
    return s;
  }
  std::vector<char> buf(H5Tget_size(type.get()) + 1, '\0');
  check(H5Aread(attr.get(), type.get(), buf.data()), "read attribute");
  return std::string(buf.data());  // NUL-padded
}

}  // namespace detail

std::vector<std::string> list_tables(const File& f) {
  std::vector<std::string> out;
  TableWalk w{&out};
  check(H5Ovisit2(f.id(), H5_INDEX_NAME, H5_ITER_INC, on_object, &w, H5O_INFO_BASIC), "list tables");
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace scanhpc::h5
