#pragma once
// Small simdjson On-Demand helpers shared by the JSON record readers (masscan
// -oJ/-oD and GPS's seed NDJSON). Inline: they sit on the parse hot path.
#include <simdjson.h>

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

namespace scanhpc::json_values {
namespace od = simdjson::ondemand;

// A value for an error message: quoted, cut at 60 bytes.
inline std::string quoted(std::string_view s) {
  const bool cut = s.size() > 60;
  std::string out;
  out.reserve(66);
  out += '"';
  out.append(s.substr(0, 60));
  out += cut ? "...\"" : "\"";
  return out;
}

// Accepts a JSON number or a decimal string (masscan quotes timestamps).
inline bool get_uint(od::value v, uint64_t max, uint64_t& out, std::string& why) {
  od::json_type t;
  if (v.type().get(t)) { why = "unreadable value"; return false; }
  if (t == od::json_type::number) {
    if (v.get_uint64().get(out)) { why = "not an unsigned integer"; return false; }
  } else if (t == od::json_type::string) {
    std::string_view s;
    if (v.get_string().get(s)) { why = "bad string"; return false; }
    auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
    if (ec != std::errc() || p != s.data() + s.size() || s.empty()) { why = "not a number: " + quoted(s); return false; }
  } else {
    why = "not a number";
    return false;
  }
  if (out > max) { why = std::to_string(out) + " out of range (max " + std::to_string(max) + ")"; return false; }
  return true;
}

inline bool get_str(od::value v, std::string_view& out) { return !v.get_string().get(out); }

// simdjson decodes masscan's "\u00xx" byte escapes to UTF-8; banners are
// bytes, so map code points below 256 back to single bytes.
inline std::string utf8_to_latin1(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    unsigned char c = s[i];
    if ((c == 0xC2 || c == 0xC3) && i + 1 < s.size()) {
      out.push_back(char(((c & 0x03) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3F)));
      ++i;
    } else {
      out.push_back(char(c));
    }
  }
  return out;
}

// The error text for `err`; `not_type` when the value had the wrong type.
inline std::string json_error(simdjson::error_code err, const char* not_type) {
  return err == simdjson::INCORRECT_TYPE ? std::string(not_type)
                                         : std::string("invalid JSON: ") + simdjson::error_message(err);
}

// Walks a value we do not use, so that its grammar is checked too: On-Demand
// validates only what it is asked to read.
inline simdjson::error_code check_value(od::value v, int depth = 0) {
  if (depth > 64) return simdjson::DEPTH_ERROR;
  od::json_type t;
  if (auto err = v.type().get(t)) return err;
  switch (t) {
    case od::json_type::object: {
      od::object o;
      if (auto err = v.get_object().get(o)) return err;
      for (auto f : o) {
        od::raw_json_string k;
        if (auto err = f.key().get(k)) return err;
        if (auto err = check_value(f.value(), depth + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::array: {
      od::array a;
      if (auto err = v.get_array().get(a)) return err;
      for (auto e : a) {
        od::value x;
        if (auto err = e.get(x)) return err;
        if (auto err = check_value(x, depth + 1)) return err;
      }
      return simdjson::SUCCESS;
    }
    case od::json_type::string: { std::string_view s; return v.get_string().get(s); }
    case od::json_type::number: { double d; return v.get_double().get(d); }
    case od::json_type::boolean: { bool b; return v.get_bool().get(b); }
    case od::json_type::null: {  // get(): a bad atom ("n-ll") is an error code, not an exception
      bool is_null = false;
      if (auto err = v.is_null().get(is_null)) return err;
      return is_null ? simdjson::SUCCESS : simdjson::N_ATOM_ERROR;
    }
  }
  return simdjson::TAPE_ERROR;
}

}  // namespace scanhpc::json_values
