// Attributes: writing (collective in parallel files) and reading one back.
#include <algorithm>
#include <cstring>
#include <type_traits>

#include "detail.hpp"

namespace scanhpc::h5 {
namespace {

Handle open_object(hid_t file, const std::string& object_path) {
  std::string p = detail::normalize_path(object_path);
  return Handle(check_id(H5Oopen(file, p.c_str(), H5P_DEFAULT), "open object " + p));
}

void delete_if_exists(hid_t obj, const std::string& name, const std::string& where) {
  htri_t e = H5Aexists(obj, name.c_str());
  check(e, where + ": check attribute");
  if (e > 0) check(H5Adelete(obj, name.c_str()), where + ": delete old attribute");
}

void write_one(hid_t obj, const std::string& name, hid_t file_type, hid_t mem_type, hid_t space,
               const void* data, const std::string& where) {
  delete_if_exists(obj, name, where);
  Handle attr(check_id(H5Acreate2(obj, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT),
                       where + ": create attribute"));
  check(H5Awrite(attr.get(), mem_type, data), where + ": write attribute");
}

}  // namespace

namespace {

// FNV-1a over the value's type and bytes, to check that every rank passes the same.
uint64_t value_hash(const AttrValue& value) {
  uint64_t h = 1469598103934665603ull;
  auto mix = [&h](const void* p, size_t n) {
    for (size_t i = 0; i < n; ++i) h = (h ^ static_cast<const unsigned char*>(p)[i]) * 1099511628211ull;
  };
  const uint64_t index = value.index();
  mix(&index, sizeof index);
  std::visit(
      [&](const auto& v) {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::string>) mix(v.data(), v.size());
        else if constexpr (std::is_same_v<T, std::vector<uint64_t>>) mix(v.data(), v.size() * sizeof(uint64_t));
        else mix(&v, sizeof v);
      },
      value);
  return h;
}

}  // namespace

void File::write_attr(const std::string& object_path, const std::string& name, const AttrValue& value) {
  detail::agreed(comm_, [&] {
    const std::string where = "attribute " + name + " on " + detail::normalize_path(object_path);
    detail::check_same_on_all_ranks(comm_, value_hash(value),
                                    where + ": ranks pass different values (a per-rank fact needs a per-rank array)");
    write_attr_step(object_path, name, value);
  });
}

void File::write_attr_step(const std::string& object_path, const std::string& name, const AttrValue& value) {
  const std::string where = "attribute " + name + " on " + detail::normalize_path(object_path);
  Handle obj = open_object(file_.get(), object_path);
  if (const auto* v = std::get_if<uint64_t>(&value)) {
    Handle space(check_id(H5Screate(H5S_SCALAR), where + ": dataspace"));
    write_one(obj.get(), name, H5T_STD_U64LE, H5T_NATIVE_UINT64, space.get(), v, where);
  } else if (const auto* v = std::get_if<int64_t>(&value)) {
    Handle space(check_id(H5Screate(H5S_SCALAR), where + ": dataspace"));
    write_one(obj.get(), name, H5T_STD_I64LE, H5T_NATIVE_INT64, space.get(), v, where);
  } else if (const auto* v = std::get_if<double>(&value)) {
    Handle space(check_id(H5Screate(H5S_SCALAR), where + ": dataspace"));
    write_one(obj.get(), name, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, space.get(), v, where);
  } else if (const auto* v = std::get_if<std::string>(&value)) {
    size_t width = std::max<size_t>(v->size(), 1);
    std::string buf(width, '\0');
    std::memcpy(buf.data(), v->data(), v->size());
    Handle type = detail::fixed_string_type(width);
    Handle space(check_id(H5Screate(H5S_SCALAR), where + ": dataspace"));
    write_one(obj.get(), name, type.get(), type.get(), space.get(), buf.data(), where);
  } else if (const auto* v = std::get_if<std::vector<uint64_t>>(&value)) {
    // An empty array is stored with a null dataspace (no elements).
    hsize_t n = v->size();
    Handle space(check_id(n ? H5Screate_simple(1, &n, nullptr) : H5Screate(H5S_NULL), where + ": dataspace"));
    uint64_t dummy = 0;
    write_one(obj.get(), name, H5T_STD_U64LE, H5T_NATIVE_UINT64, space.get(), n ? v->data() : &dummy, where);
  }
}

namespace detail {

void write_string_attr(hid_t obj, const std::string& name, const std::string& value) {
  const std::string where = "attribute " + name;
  const size_t width = std::max<size_t>(value.size(), 1);
  std::string buf(width, '\0');
  std::memcpy(buf.data(), value.data(), value.size());
  Handle type = fixed_string_type(width);
  Handle space(check_id(H5Screate(H5S_SCALAR), where + ": dataspace"));
  write_one(obj, name, type.get(), type.get(), space.get(), buf.data(), where);
}

void write_u64_array_attr(hid_t obj, const std::string& name, const std::vector<uint64_t>& values, hid_t file_type) {
  const std::string where = "attribute " + name;
  hsize_t n = values.size();
  uint64_t dummy = 0;
  Handle space(check_id(n ? H5Screate_simple(1, &n, nullptr) : H5Screate(H5S_NULL), where + ": dataspace"));
  write_one(obj, name, file_type, H5T_NATIVE_UINT64, space.get(), n ? values.data() : &dummy, where);
}

void write_string_array_attr(hid_t obj, const std::string& name, const std::vector<std::string>& values) {
  const std::string where = "attribute " + name;
  size_t width = 1;
  for (const auto& s : values) width = std::max(width, s.size());
  std::vector<char> buf(std::max<size_t>(values.size(), 1) * width, '\0');
  for (size_t i = 0; i < values.size(); ++i) std::memcpy(buf.data() + i * width, values[i].data(), values[i].size());
  Handle type = fixed_string_type(width);
  hsize_t n = values.size();
  Handle space(check_id(n ? H5Screate_simple(1, &n, nullptr) : H5Screate(H5S_NULL), where + ": dataspace"));
  write_one(obj, name, type.get(), type.get(), space.get(), buf.data(), where);
}

}  // namespace detail

AttrValue read_attr(const File& f, const std::string& object_path, const std::string& name) {
  const std::string where = "read attribute " + name + " on " + detail::normalize_path(object_path);
  Handle obj = open_object(f.id(), object_path);
  Handle attr(check_id(H5Aopen(obj.get(), name.c_str(), H5P_DEFAULT), where));
  Handle type(check_id(H5Aget_type(attr.get()), where + ": type"));
  Handle space(check_id(H5Aget_space(attr.get()), where + ": dataspace"));
  H5S_class_t sclass = H5Sget_simple_extent_type(space.get());
  hssize_t npoints = H5Sget_simple_extent_npoints(space.get());
  if (npoints < 0) check(-1, where + ": dataspace size");
  const bool scalar = sclass == H5S_SCALAR;
  H5T_class_t tclass = H5Tget_class(type.get());

  if (tclass == H5T_INTEGER && !scalar) {
    std::vector<uint64_t> out(static_cast<size_t>(npoints));
    if (!out.empty()) check(H5Aread(attr.get(), H5T_NATIVE_UINT64, out.data()), where);
    return out;
  }
  if (!scalar) throw Error(where + ": only scalars and 1-D integer arrays are supported");
  switch (tclass) {
    case H5T_INTEGER:
      if (H5Tget_sign(type.get()) == H5T_SGN_NONE) {
        uint64_t v = 0;
        check(H5Aread(attr.get(), H5T_NATIVE_UINT64, &v), where);
        return v;
      } else {
        int64_t v = 0;
        check(H5Aread(attr.get(), H5T_NATIVE_INT64, &v), where);
        return v;
      }
    case H5T_FLOAT: {
      double v = 0;
      check(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &v), where);
      return v;
    }
    case H5T_STRING: {
      htri_t vlen = H5Tis_variable_str(type.get());
      check(vlen, where + ": string type");
      if (vlen > 0) {  // e.g. written by h5py
        Handle mt(check_id(H5Tcopy(H5T_C_S1), where));
        check(H5Tset_size(mt.get(), H5T_VARIABLE), where);
        char* p = nullptr;
        check(H5Aread(attr.get(), mt.get(), &p), where);
        std::string s = p ? p : "";
        H5free_memory(p);
        return s;
      }
      size_t width = H5Tget_size(type.get());
      std::string s(width, '\0');
      Handle mt(check_id(H5Tcopy(type.get()), where));
      check(H5Aread(attr.get(), mt.get(), s.data()), where);
      while (!s.empty() && s.back() == '\0') s.pop_back();
      return s;
    }
    default:
      throw Error(where + ": unsupported attribute type");
  }
}

}  // namespace scanhpc::h5
