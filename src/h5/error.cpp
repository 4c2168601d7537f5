// Error handling: HDF5's error stack rendered into h5::Error, diagnostics off,
// and Handle::reset closing any kind of identifier.
#include "scanhpc/h5/h5.hpp"

#include <string>
#include <vector>

namespace scanhpc::h5 {
namespace {

struct StackEntry {
  std::string func;
  std::string desc;
  hid_t maj = H5I_INVALID_HID;
  hid_t min = H5I_INVALID_HID;
};

herr_t collect_entry(unsigned /*n*/, const H5E_error2_t* err, void* data) {
  auto* out = static_cast<std::vector<StackEntry>*>(data);
  StackEntry e;
  if (err->func_name) e.func = err->func_name;
  if (err->desc) e.desc = err->desc;
  e.maj = err->maj_num;
  e.min = err->min_num;
  out->push_back(std::move(e));
  return 0;
}

std::string message_text(hid_t msg_id) {
  if (msg_id < 0) return {};
  H5E_type_t type;
  ssize_t len = H5Eget_msg(msg_id, &type, nullptr, 0);
  if (len <= 0) return {};
  std::string s(static_cast<size_t>(len) + 1, '\0');
  if (H5Eget_msg(msg_id, &type, s.data(), s.size()) < 0) return {};
  s.resize(static_cast<size_t>(len));
  return s;
}

// HDF5 descriptions may embed a ctime() newline ("time = ...\n, name = ..."):
// keep the message on one line.
std::string one_line(std::string s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\n' || s[i] == '\r') {
      if (i + 1 < s.size() && s[i + 1] != ',' && s[i + 1] != '\n' && !out.empty() && out.back() != ' ') out += ' ';
      continue;
    }
    out += s[i];
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

// Renders the default error stack (outermost call first) and clears it.
std::string take_error_stack() {
  std::vector<StackEntry> entries;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_DOWNWARD, collect_entry, &entries);
  std::string text;
  for (const auto& e : entries) {
    if (!text.empty()) text += "; ";
    if (!e.func.empty()) text += e.func + "(): ";
    text += e.desc.empty() ? std::string("(no description)") : one_line(e.desc);
    std::string maj = message_text(e.maj), min = message_text(e.min);
    if (!maj.empty() || !min.empty()) text += " [" + maj + (min.empty() ? "" : ": " + min) + "]";
  }
  H5Eclear2(H5E_DEFAULT);
  return text;
}

[[noreturn]] void fail(std::string_view what) {
  std::string stack = take_error_stack();
  std::string msg(what);
  msg += ": ";
  msg += stack.empty() ? std::string("HDF5 call failed (empty error stack)") : stack;
  throw Error(msg);
}

}  // namespace

void silence_diagnostics() { H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr); }

hid_t check_id(hid_t id, std::string_view what) {
  if (id < 0) fail(what);
  return id;
}

void check(herr_t status, std::string_view what) {
  if (status < 0) fail(what);
}

void Handle::reset() {
  hid_t id = std::exchange(id_, H5I_INVALID_HID);
  if (id < 0) return;
  // An identifier already closed elsewhere (File::close) is simply forgotten;
  // HDF5 does not reuse identifier values, so this cannot close another object.
  if (H5Iis_valid(id) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return;
  }
  herr_t st = 0;
  switch (H5Iget_type(id)) {
    case H5I_FILE: st = H5Fclose(id); break;
    case H5I_GROUP: st = H5Gclose(id); break;
    case H5I_DATASET: st = H5Dclose(id); break;
    case H5I_DATASPACE: st = H5Sclose(id); break;
    case H5I_DATATYPE: st = H5Tclose(id); break;
    case H5I_ATTR: st = H5Aclose(id); break;
    case H5I_GENPROP_LST: st = H5Pclose(id); break;
    default: st = H5Idec_ref(id) < 0 ? -1 : 0; break;
  }
  if (st < 0) H5Eclear2(H5E_DEFAULT);  // destructors never throw; nothing to report to
}

}  // namespace scanhpc::h5
