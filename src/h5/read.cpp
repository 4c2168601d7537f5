// Serial reading side: listing datasets and attributes, reading columns.
#include <algorithm>
#include <charconv>
#include <cstring>
#include <tuple>

#include "detail.hpp"

namespace scanhpc::h5 {
namespace {

constexpr size_t kMaxRenderedElements = 16;

std::string type_name(hid_t type) {
  size_t size = H5Tget_size(type);
  switch (H5Tget_class(type)) {
    case H5T_INTEGER:
      return std::string(H5Tget_sign(type) == H5T_SGN_NONE ? "u" : "i").append(std::to_string(size * 8));
    case H5T_FLOAT: return std::string("f").append(std::to_string(size * 8));
    case H5T_STRING:
      if (H5Tis_variable_str(type) > 0) return "vlen-str";
      return std::string("str<").append(std::to_string(size)).append(">");
    case H5T_TIME: return "time";
    case H5T_BITFIELD: return "bitfield";
    case H5T_OPAQUE: return "opaque";
    case H5T_COMPOUND: return "compound";
    case H5T_REFERENCE: return "reference";
    case H5T_ENUM: return "enum";
    case H5T_VLEN: return "vlen";
    case H5T_ARRAY: return "array";
    default: return "unknown";
  }
}

std::string object_path(const char* name) {
  if (std::strcmp(name, ".") == 0) return "/";
  return std::string("/") + name;
}

std::string render_double(double v) {
  char buf[64];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, r.ptr);
}

// Renders n already-rendered elements as "[a, b, ...]", or the only one of a scalar.
std::string render_list(const std::vector<std::string>& items, size_t n, bool scalar) {
  if (scalar) return items.empty() ? std::string() : items[0];
  std::string out = "[";
  for (size_t i = 0; i < items.size(); ++i) {
    if (i) out += ", ";
    out += items[i];
  }
  if (n > items.size()) out += ", ... (" + std::to_string(n) + " values)";
  return out + "]";
}

std::string render_attribute(hid_t attr) {
  Handle type(check_id(H5Aget_type(attr), "attribute type"));
  Handle space(check_id(H5Aget_space(attr), "attribute dataspace"));
  const bool scalar = H5Sget_simple_extent_type(space.get()) == H5S_SCALAR;
  hssize_t np = H5Sget_simple_extent_npoints(space.get());
  if (np < 0) check(-1, "attribute dataspace size");
  const size_t n = static_cast<size_t>(np);
  const size_t shown = std::min(n, kMaxRenderedElements);
  std::vector<std::string> items;
  if (n == 0) return scalar ? std::string() : "[]";

  switch (H5Tget_class(type.get())) {
    case H5T_INTEGER: {
      const bool is_unsigned = H5Tget_sign(type.get()) == H5T_SGN_NONE;
      std::vector<uint64_t> v(n);
      check(H5Aread(attr, is_unsigned ? H5T_NATIVE_UINT64 : H5T_NATIVE_INT64, v.data()), "read attribute");
      for (size_t i = 0; i < shown; ++i)
        items.push_back(is_unsigned ? std::to_string(v[i]) : std::to_string(static_cast<int64_t>(v[i])));
      break;
    }
    case H5T_FLOAT: {
      std::vector<double> v(n);
      check(H5Aread(attr, H5T_NATIVE_DOUBLE, v.data()), "read attribute");
      for (size_t i = 0; i < shown; ++i) items.push_back(render_double(v[i]));
      break;
    }
    case H5T_STRING: {
      if (H5Tis_variable_str(type.get()) > 0) {
        Handle mt(check_id(H5Tcopy(H5T_C_S1), "string type"));
        check(H5Tset_size(mt.get(), H5T_VARIABLE), "string type");
        std::vector<char*> p(n, nullptr);
        check(H5Aread(attr, mt.get(), p.data()), "read attribute");
        for (size_t i = 0; i < shown; ++i) items.emplace_back(p[i] ? p[i] : "");
        for (char* s : p) H5free_memory(s);
      } else {
        size_t w = H5Tget_size(type.get());
        std::vector<char> buf(n * w);
        Handle mt(check_id(H5Tcopy(type.get()), "string type"));
        check(H5Aread(attr, mt.get(), buf.data()), "read attribute");
        for (size_t i = 0; i < shown; ++i) {
          std::string s(buf.data() + i * w, w);
          while (!s.empty() && s.back() == '\0') s.pop_back();
          items.push_back(std::move(s));
        }
      }
      break;
    }
    default:
      return std::string("<").append(type_name(type.get())).append(">");
  }
  return render_list(items, n, scalar);
}

struct AttrWalk {
  std::string path;
  bool dataset = false;
  std::vector<AttrInfo>* out;
};

herr_t on_attribute(hid_t loc, const char* name, const H5A_info_t*, void* data) {
  auto* w = static_cast<AttrWalk*>(data);
  AttrInfo a{w->path, name, {}, w->dataset};
  try {
    Handle attr(check_id(H5Aopen(loc, name, H5P_DEFAULT), "open attribute"));
    a.value_text = render_attribute(attr.get());
  } catch (const Error& e) {
    a.value_text = std::string("<unreadable: ") + e.what() + ">";
  }
  w->out->push_back(std::move(a));
  return 0;
}

herr_t on_object_attrs(hid_t obj, const char* name, const H5O_info_t* info, void* data) {
  if (info->num_attrs == 0) return 0;
  AttrWalk w{object_path(name), info->type == H5O_TYPE_DATASET, static_cast<std::vector<AttrInfo>*>(data)};
  Handle o(H5Oopen(obj, name, H5P_DEFAULT));
  if (!o.valid()) return -1;
  hsize_t idx = 0;
  return H5Aiterate2(o.get(), H5_INDEX_NAME, H5_ITER_INC, &idx, on_attribute, &w);
}

herr_t on_object_dataset(hid_t obj, const char* name, const H5O_info_t* info, void* data) {
  if (info->type != H5O_TYPE_DATASET) return 0;
  auto* out = static_cast<std::vector<DatasetInfo>*>(data);
  Handle d(H5Dopen2(obj, name, H5P_DEFAULT));
  if (!d.valid()) return -1;
  if (detail::is_row_dimension(d.get())) return 0;  // a table's dimension, not a column
  Handle type(H5Dget_type(d.get()));
  Handle space(H5Dget_space(d.get()));
  if (!type.valid() || !space.valid()) return -1;
  DatasetInfo di;
  di.path = object_path(name);
  di.type = type_name(type.get());
  int nd = H5Sget_simple_extent_ndims(space.get());
  if (nd < 0) return -1;
  if (nd == 0) {
    di.rows = H5Sget_simple_extent_type(space.get()) == H5S_NULL ? 0 : 1;
  } else {
    std::vector<hsize_t> dims(static_cast<size_t>(nd));
    H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
    di.rows = dims[0];
  }
  di.units = detail::string_attr(d.get(), "units");
  out->push_back(std::move(di));
  return 0;
}

struct Column1D {
  Handle dset;
  Handle type;
  size_t rows = 0;
};

Column1D open_column(const File& f, const std::string& dataset_path, const std::string& where) {
  Column1D c;
  std::string p = detail::normalize_path(dataset_path);
  c.dset = Handle(check_id(H5Dopen2(f.id(), p.c_str(), H5P_DEFAULT), where));
  c.type = Handle(check_id(H5Dget_type(c.dset.get()), where + ": type"));
  Handle space(check_id(H5Dget_space(c.dset.get()), where + ": dataspace"));
  hssize_t np = H5Sget_simple_extent_npoints(space.get());
  if (np < 0) check(-1, where + ": dataspace size");
  if (H5Sget_simple_extent_ndims(space.get()) > 1) throw Error(where + ": not a 1-D dataset");
  c.rows = static_cast<size_t>(np);
  return c;
}

}  // namespace

std::vector<DatasetInfo> list_datasets(const File& f) {
  std::vector<DatasetInfo> out;
  check(H5Ovisit2(f.id(), H5_INDEX_NAME, H5_ITER_INC, on_object_dataset, &out, H5O_INFO_BASIC), "list datasets");
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  return out;
}

std::vector<AttrInfo> list_attributes(const File& f) {
  std::vector<AttrInfo> out;
  check(H5Ovisit2(f.id(), H5_INDEX_NAME, H5_ITER_INC, on_object_attrs, &out, H5O_INFO_NUM_ATTRS | H5O_INFO_BASIC),
        "list attributes");
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return std::tie(a.object_path, a.name) < std::tie(b.object_path, b.name);
  });
  return out;
}

std::vector<uint64_t> read_u64_column(const File& f, const std::string& dataset_path) {
  const std::string where = "read " + detail::normalize_path(dataset_path);
  Column1D c = open_column(f, dataset_path, where);
  if (H5Tget_class(c.type.get()) != H5T_INTEGER || H5Tget_sign(c.type.get()) != H5T_SGN_NONE)
    throw Error(where + ": not an unsigned integer dataset (" + type_name(c.type.get()) + ")");
  std::vector<uint64_t> out(c.rows);
  if (c.rows) check(H5Dread(c.dset.get(), H5T_NATIVE_UINT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), where);
  return out;
}

namespace {

// Reads rows [begin, end) of column c as `memtype` into out (sized by the caller).
void read_rows(const Column1D& c, hid_t memtype, uint64_t begin, uint64_t end, void* out, const std::string& where) {
  if (end <= begin) return;
  Handle file_space(check_id(H5Dget_space(c.dset.get()), where + ": dataspace"));
  const hsize_t start = begin, count = end - begin;
  check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &count, nullptr), where + ": select");
  Handle mem_space(check_id(H5Screate_simple(1, &count, nullptr), where + ": memory dataspace"));
  check(H5Dread(c.dset.get(), memtype, mem_space.get(), file_space.get(), H5P_DEFAULT, out), where);
}

}  // namespace

uint64_t column_rows(const File& f, const std::string& dataset_path) {
  return open_column(f, dataset_path, "read " + detail::normalize_path(dataset_path)).rows;
}

std::vector<uint64_t> read_u64_column(const File& f, const std::string& dataset_path, uint64_t begin, uint64_t end) {
  const std::string where = "read " + detail::normalize_path(dataset_path);
  Column1D c = open_column(f, dataset_path, where);
  if (H5Tget_class(c.type.get()) != H5T_INTEGER || H5Tget_sign(c.type.get()) != H5T_SGN_NONE)
    throw Error(where + ": not an unsigned integer dataset (" + type_name(c.type.get()) + ")");
  end = std::min<uint64_t>(end, c.rows);
  std::vector<uint64_t> out(end > begin ? end - begin : 0);
  read_rows(c, H5T_NATIVE_UINT64, begin, end, out.data(), where);
  return out;
}

namespace {
template <class T>
void read_narrow_rows(const File& f, const std::string& dataset_path, uint64_t begin, uint64_t end,
                      std::vector<T>& out, hid_t mtype) {
  // Appended to what `out` holds: a reader filling columns needs no copy.
  const size_t held = out.size();
  const std::string where = "read " + detail::normalize_path(dataset_path);
  Column1D c = open_column(f, dataset_path, where);
  // HDF5 would clamp a wider value silently: only types that fit are read.
  if (H5Tget_class(c.type.get()) != H5T_INTEGER || H5Tget_sign(c.type.get()) != H5T_SGN_NONE ||
      H5Tget_size(c.type.get()) > sizeof(T))
    throw Error(where + ": not an unsigned integer dataset of at most " + std::to_string(sizeof(T) * 8) + " bits (" +
                type_name(c.type.get()) + ")");
  end = std::min<uint64_t>(end, c.rows);
  out.resize(held + (end > begin ? end - begin : 0));
  read_rows(c, mtype, begin, end, out.data() + held, where);
}
}  // namespace

void read_column_rows(const File& f, const std::string& path, uint64_t begin, uint64_t end, std::vector<uint8_t>& out) {
  read_narrow_rows(f, path, begin, end, out, H5T_NATIVE_UINT8);
}
void read_column_rows(const File& f, const std::string& path, uint64_t begin, uint64_t end, std::vector<uint16_t>& out) {
  read_narrow_rows(f, path, begin, end, out, H5T_NATIVE_UINT16);
}
void read_column_rows(const File& f, const std::string& path, uint64_t begin, uint64_t end, std::vector<uint32_t>& out) {
  read_narrow_rows(f, path, begin, end, out, H5T_NATIVE_UINT32);
}

uint64_t column_chunk_rows(const File& f, const std::string& dataset_path) {
  const std::string where = "read " + detail::normalize_path(dataset_path);
  Column1D c = open_column(f, dataset_path, where);
  Handle dcpl(check_id(H5Dget_create_plist(c.dset.get()), where + ": creation property list"));
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return 0;
  hsize_t chunk = 0;
  if (H5Pget_chunk(dcpl.get(), 1, &chunk) != 1) throw Error(where + ": not a 1-D chunked dataset");
  return chunk;
}

bool object_exists(const File& f, const std::string& path) { return detail::path_exists(f.id(), detail::normalize_path(path)); }

std::vector<double> read_f64_column(const File& f, const std::string& dataset_path, uint64_t begin, uint64_t end) {
  const std::string where = "read " + detail::normalize_path(dataset_path);
  Column1D c = open_column(f, dataset_path, where);
  if (H5Tget_class(c.type.get()) != H5T_FLOAT)
    throw Error(where + ": not a floating-point dataset (" + type_name(c.type.get()) + ")");
  end = std::min<uint64_t>(end, c.rows);
  std::vector<double> out(end > begin ? end - begin : 0);
  read_rows(c, H5T_NATIVE_DOUBLE, begin, end, out.data(), where);
  return out;
}

std::vector<double> read_f64_column(const File& f, const std::string& dataset_path) {
  const std::string where = "read " + detail::normalize_path(dataset_path);
  Column1D c = open_column(f, dataset_path, where);
  if (H5Tget_class(c.type.get()) != H5T_FLOAT)
    throw Error(where + ": not a floating-point dataset (" + type_name(c.type.get()) + ")");
  std::vector<double> out(c.rows);
  if (c.rows) check(H5Dread(c.dset.get(), H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, out.data()), where);
  return out;
}

std::vector<std::string> read_str_column(const File& f, const std::string& dataset_path) {
  const std::string where = "read " + detail::normalize_path(dataset_path);
  Column1D c = open_column(f, dataset_path, where);
  if (H5Tget_class(c.type.get()) != H5T_STRING)
    throw Error(where + ": not a string dataset (" + type_name(c.type.get()) + ")");
  std::vector<std::string> out;
  out.reserve(c.rows);
  if (c.rows == 0) return out;
  if (H5Tis_variable_str(c.type.get()) > 0) {  // e.g. written by h5py
    Handle mt(check_id(H5Tcopy(H5T_C_S1), where));
    check(H5Tset_size(mt.get(), H5T_VARIABLE), where);
    std::vector<char*> p(c.rows, nullptr);
    check(H5Dread(c.dset.get(), mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, p.data()), where);
    for (char* s : p) out.emplace_back(s ? s : "");
    for (char* s : p) H5free_memory(s);
    return out;
  }
  const size_t w = H5Tget_size(c.type.get());
  std::vector<char> buf(c.rows * w);
  Handle mt(check_id(H5Tcopy(c.type.get()), where));
  check(H5Dread(c.dset.get(), mt.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, buf.data()), where);
  for (size_t r = 0; r < c.rows; ++r) {
    size_t len = w;
    while (len > 0 && buf[r * w + len - 1] == '\0') --len;
    out.emplace_back(buf.data() + r * w, len);
  }
  return out;
}

}  // namespace scanhpc::h5
