// The schema embedded in a flowtuple Avro file -> a field program. Fields are
// resolved by name: FT4 exists in several variants (with or without the
// spoofed/masscan counts, the "flowtuple3" draft without maxmind), and a
// writer may order fields differently or add fields of its own.
#include <simdjson.h>

#include <algorithm>
#include <map>
#include <stdexcept>

#include "avro_internal.hpp"

namespace scanhpc::flow::avro_detail {
namespace {

constexpr const char* kFt3Names[f3_count] = {
    "time", "src_ip", "dst_ip", "src_port", "dst_port", "protocol", "ttl", "tcp_flags", "ip_len",
    "tcp_synlen", "tcp_synwinlen", "packet_cnt", "is_spoofed", "is_masscan", "prefix2asn",
    "maxmind_continent", "maxmind_country", "netacq_continent", "netacq_country"};
constexpr const char* kFt4Names[f4_count] = {
    "time", "src_ip", "dst_net", "dst_port", "protocol", "packet_cnt", "uniq_dst_ips",
    "uniq_pkt_sizes", "uniq_ttls", "uniq_src_ports", "uniq_tcp_flags", "first_syn_length",
    "first_tcp_rwin", "prefix2asn", "spoofed_packet_cnt", "masscan_packet_cnt",
    "maxmind_continent", "maxmind_country", "netacq_continent", "netacq_country"};
constexpr const char* kFt4ArrayNames[a4_count] = {
    "common_pktsizes", "common_pktsize_freqs", "common_ttls", "common_ttl_freqs",
    "common_srcports", "common_srcport_freqs", "common_tcpflags", "common_tcpflag_freqs"};
// Without these a record means nothing; every other field has a default.
constexpr const char* kRequired[] = {"time", "src_ip", "dst_port", "protocol", "packet_cnt"};

using simdjson::dom::element;

std::string short_name(std::string_view full) {
  const auto dot = full.rfind('.');
  return std::string(dot == std::string_view::npos ? full : full.substr(dot + 1));
}

// Builds TypeNodes from schema JSON, remembering named types for references.
class TypeParser {
 public:
  std::vector<TypeNode> types;

  uint32_t parse(element e) {
    if (e.is_string()) return named_or_primitive(std::string_view(e.get_string().value()));
    if (e.is_array()) {
      TypeNode u{TypeNode::union_, 0, {}};
      const simdjson::dom::array branches = e.get_array();  // not a temporary: range-for would dangle
      for (element branch : branches) u.children.push_back(parse(branch));
      return add(std::move(u));
    }
    if (!e.is_object()) throw std::runtime_error("schema: a type is neither a name, an object nor a union");
    std::string_view type;
    if (e["type"].get(type) != simdjson::SUCCESS) {
      // {"type": {...}} nests a full type; anything else is malformed.
      element inner;
      if (e["type"].get(inner) != simdjson::SUCCESS) throw std::runtime_error("schema: object type without \"type\"");
      return parse(inner);
    }
    if (type == "record" || type == "error") {
      const uint32_t index = add({TypeNode::record, 0, {}});
      remember(e, index);
      simdjson::dom::array fields;
      if (e["fields"].get(fields) != simdjson::SUCCESS) throw std::runtime_error("schema: record without fields");
      for (element f : fields) {
        const uint32_t child = parse(f["type"].value());
        types[index].children.push_back(child);
      }
      return index;
    }
    if (type == "enum") {
      const uint32_t index = add({TypeNode::enum_, 0, {}});
      remember(e, index);
      return index;
    }
    if (type == "fixed") {
      uint64_t size = 0;
      if (e["size"].get(size) != simdjson::SUCCESS) throw std::runtime_error("schema: fixed without size");
      const uint32_t index = add({TypeNode::fixed, uint32_t(size), {}});
      remember(e, index);
      return index;
    }
    if (type == "array" || type == "map") {
      const char* key = type == "array" ? "items" : "values";
      const uint32_t child = parse(e[key].value());
      return add({type == "array" ? TypeNode::array : TypeNode::map, 0, {child}});
    }
    return named_or_primitive(type);  // {"type": "long", "logicalType": ...}
  }

 private:
  std::map<std::string, uint32_t, std::less<>> named_;

  uint32_t add(TypeNode node) {
    types.push_back(std::move(node));
    return uint32_t(types.size() - 1);
  }
  void remember(element e, uint32_t index) {
    std::string_view name;
    if (e["name"].get(name) != simdjson::SUCCESS) return;
    named_[std::string(name)] = index;
    named_[short_name(name)] = index;
  }
  uint32_t named_or_primitive(std::string_view name) {
    static const std::map<std::string_view, TypeNode::Kind> primitive = {
        {"null", TypeNode::null},     {"boolean", TypeNode::boolean}, {"int", TypeNode::int_},
        {"long", TypeNode::long_},    {"float", TypeNode::float_},    {"double", TypeNode::double_},
        {"bytes", TypeNode::bytes},   {"string", TypeNode::string}};
    if (auto it = primitive.find(name); it != primitive.end()) return add({it->second, 0, {}});
    if (auto it = named_.find(name); it != named_.end()) return it->second;
    if (auto it = named_.find(short_name(name)); it != named_.end()) return it->second;
    throw std::runtime_error("schema: unknown type name \"" + std::string(name) + "\"");
  }
};

const char* kind_name(TypeNode::Kind k) {
  static const char* names[] = {"null", "boolean", "int", "long", "float", "double", "bytes",
                                "string", "fixed", "enum", "array", "map", "union", "record"};
  return names[k];
}

int find_name(const char* const* names, size_t n, std::string_view name) {
  for (size_t i = 0; i < n; ++i)
    if (name == names[i]) return int(i);
  return -1;
}

FieldOp skip_op(const std::vector<TypeNode>& types, uint32_t index) {
  switch (types[index].kind) {
    case TypeNode::int_: case TypeNode::long_: case TypeNode::enum_: return {FieldOp::skip_varint, 0};
    case TypeNode::boolean: return {FieldOp::skip_fixed, 1};
    case TypeNode::float_: return {FieldOp::skip_fixed, 4};
    case TypeNode::double_: return {FieldOp::skip_fixed, 8};
    case TypeNode::fixed: return {FieldOp::skip_fixed, types[index].fixed_size};
    case TypeNode::null: return {FieldOp::skip_fixed, 0};
    case TypeNode::string: case TypeNode::bytes: return {FieldOp::skip_bytes, 0};
    default: return {FieldOp::skip_type, index};
  }
}

}  // namespace

CompiledSchema compile_flow_schema(std::string_view schema_json) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(simdjson::padded_string(schema_json)).get(root) != simdjson::SUCCESS)
    throw std::runtime_error("schema: not valid JSON");
  std::string_view type, name;
  simdjson::dom::array fields;
  if (!root.is_object() || root["type"].get(type) != simdjson::SUCCESS || type != "record" ||
      root["fields"].get(fields) != simdjson::SUCCESS)
    throw std::runtime_error("schema: top level is not a record");
  CompiledSchema out;
  if (root["name"].get(name) == simdjson::SUCCESS) out.record_name = short_name(name);

  // FT3 keys on dst_ip, FT4 on dst_net.
  bool has_dst_ip = false, has_dst_net = false;
  std::vector<std::string> names;
  for (element f : fields) {
    std::string_view n;
    if (f["name"].get(n) != simdjson::SUCCESS) throw std::runtime_error("schema: field without a name");
    names.emplace_back(n);
    has_dst_ip |= n == "dst_ip";
    has_dst_net |= n == "dst_net";
  }
  if (has_dst_ip == has_dst_net)
    throw std::runtime_error(has_dst_ip ? "schema: has both dst_ip and dst_net"
                                        : "schema: lacks the key field dst_ip (FT3) or dst_net (FT4)");
  for (const char* required : kRequired)
    if (std::find(names.begin(), names.end(), required) == names.end())
      throw std::runtime_error(std::string("schema: lacks the key field ") + required);

  const bool ft3 = has_dst_ip;
  FieldProgram& prog = out.program;
  prog.version = ft3 ? FlowVersion::ft3 : FlowVersion::ft4;
  const char* const* scalar_names = ft3 ? kFt3Names : kFt4Names;
  const size_t n_slots = ft3 ? size_t(f3_count) : size_t(f4_count);
  const size_t first_code2 = ft3 ? size_t(f3_maxmind_continent) : size_t(f4_maxmind_continent);
  for (size_t s = 0; s < n_slots; ++s) prog.defaults[s] = s >= first_code2 ? kUnknownCode2 : 0;

  TypeParser parser_types;
  std::vector<bool> seen_slot(n_slots, false), seen_array(a4_count, false);
  size_t i = 0;
  for (element f : fields) {
    const std::string& n = names[i++];
    const uint32_t t = parser_types.parse(f["type"].value());
    const auto& types = parser_types.types;
    const TypeNode::Kind kind = types[t].kind;
    auto wrong_type = [&](const char* expected) {
      return std::runtime_error("schema: field " + n + " has type " + kind_name(kind) + ", expected " + expected);
    };
    if (int s = find_name(scalar_names, n_slots, n); s >= 0) {
      seen_slot[s] = true;
      if (size_t(s) >= first_code2) {
        if (kind != TypeNode::string) throw wrong_type("string");
        prog.ops.push_back({FieldOp::code2, uint32_t(s)});
      } else {
        if (kind != TypeNode::int_ && kind != TypeNode::long_) throw wrong_type("int or long");
        prog.ops.push_back({FieldOp::scalar, uint32_t(s)});
      }
    } else if (int a = ft3 ? -1 : find_name(kFt4ArrayNames, a4_count, n); a >= 0) {
      seen_array[a] = true;
      const bool ok = kind == TypeNode::array &&
                      (types[types[t].children[0]].kind == TypeNode::long_ ||
                       types[types[t].children[0]].kind == TypeNode::int_);
      if (!ok) throw wrong_type("array of long");
      prog.ops.push_back({FieldOp::long_array, uint32_t(a)});
    } else {
      out.skipped_fields.push_back(n);
      prog.ops.push_back(skip_op(types, t));
    }
  }
  prog.types = std::move(parser_types.types);
  for (size_t s = 0; s < n_slots; ++s)
    if (!seen_slot[s]) out.defaulted_fields.emplace_back(scalar_names[s]);
  if (!ft3) {
    for (size_t a = 0; a < a4_count; a += 2) {
      if (seen_array[a] != seen_array[a + 1])
        throw std::runtime_error(std::string("schema: has only one of ") + kFt4ArrayNames[a] + " and " +
                                 kFt4ArrayNames[a + 1]);
      if (!seen_array[a]) {
        out.defaulted_fields.emplace_back(kFt4ArrayNames[a]);
        out.defaulted_fields.emplace_back(kFt4ArrayNames[a + 1]);
      }
    }
  }

  if (ft3) {
    out.variant = FlowVariant::ft3;
  } else if (!seen_slot[f4_maxmind_continent] && !seen_slot[f4_maxmind_country]) {
    out.variant = FlowVariant::ft4_draft_no_maxmind;
  } else if (seen_slot[f4_spoofed_packet_cnt] && seen_slot[f4_masscan_packet_cnt]) {
    out.variant = FlowVariant::ft4_with_counts;
  } else {
    out.variant = FlowVariant::ft4_without_counts;
  }
  return out;
}

std::string_view slot_field_name(FlowVersion version, unsigned slot) {
  return version == FlowVersion::ft3 ? kFt3Names[slot] : kFt4Names[slot];
}
std::string_view array_field_name(unsigned array) { return kFt4ArrayNames[array]; }

namespace {
// A type whose values take no bytes (null, fixed(0), records of such):
// an array of them may claim any count without any data behind it.
bool zero_width(const std::vector<TypeNode>& types, uint32_t index, int depth = 0) {
  const TypeNode& t = types[index];
  if (depth > kMaxSkipDepth) return false;
  if (t.kind == TypeNode::null) return true;
  if (t.kind == TypeNode::fixed) return t.fixed_size == 0;
  if (t.kind != TypeNode::record) return false;
  for (uint32_t child : t.children)
    if (!zero_width(types, child, depth + 1)) return false;
  return true;
}
}  // namespace

bool skip_value(const std::vector<TypeNode>& types, uint32_t index, const uint8_t*& p, const uint8_t* end,
                int depth) {
  if (depth > kMaxSkipDepth) return false;
  const TypeNode& t = types[index];
  int64_t n = 0;
  switch (t.kind) {
    case TypeNode::null: return true;
    case TypeNode::boolean: case TypeNode::float_: case TypeNode::double_: case TypeNode::fixed: {
      const size_t size = t.kind == TypeNode::boolean ? 1 : t.kind == TypeNode::float_ ? 4
                          : t.kind == TypeNode::double_ ? 8 : t.fixed_size;
      if (size_t(end - p) < size) return false;
      p += size;
      return true;
    }
    case TypeNode::int_: case TypeNode::long_: case TypeNode::enum_: return read_long(p, end, n);
    case TypeNode::string: case TypeNode::bytes:
      if (!read_long(p, end, n) || n < 0 || n > end - p) return false;
      p += n;
      return true;
    case TypeNode::union_:
      if (!read_long(p, end, n) || n < 0 || size_t(n) >= t.children.size()) return false;
      return skip_value(types, t.children[size_t(n)], p, end, depth + 1);
    case TypeNode::record:
      for (uint32_t child : t.children)
        if (!skip_value(types, child, p, end, depth + 1)) return false;
      return true;
    case TypeNode::array: case TypeNode::map:
      for (;;) {  // blocks of items; a negative count is followed by the block's byte size
        if (!read_long(p, end, n)) return false;
        if (n == 0) return true;
        if (n < 0) {
          int64_t bytes = 0;
          if (!read_long(p, end, bytes) || bytes < 0 || bytes > end - p) return false;
          p += bytes;
          continue;
        }
        // Items of no width are skipped at once, whatever their count (looping
        // over a hostile 2^62 would hang); every other item takes a byte at least.
        if (t.kind == TypeNode::array && zero_width(types, t.children[0], depth + 1)) continue;
        if (n > end - p) return false;
        for (int64_t k = 0; k < n; ++k) {
          if (t.kind == TypeNode::map) {
            int64_t len = 0;
            if (!read_long(p, end, len) || len < 0 || len > end - p) return false;
            p += len;
          }
          if (!skip_value(types, t.children[0], p, end, depth + 1)) return false;
        }
      }
  }
  return false;
}

}  // namespace scanhpc::flow::avro_detail
