#pragma once
// One masscan JSON record (-oJ object or -oD line) per call.
#include <simdjson.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "scanhpc/io/parse_sink.hpp"

namespace scanhpc {

namespace detail {
// One ports[] entry (or the flat -oD fields) while a record is being read.
struct PortEntry {
  uint16_t port = 0;
  uint8_t proto = 0;
  bool has_port = false, has_proto = false, has_status = false, has_service = false;
  uint8_t status = 0, reason = 0, ttl = 0, known = 0;
  std::string_view service, banner;
  bool banner_escaped = false;  // banner is still JSON text (the plain path): decode it when kept
};
}  // namespace detail

class JsonRecordParser {
 public:
  // `text` is one JSON object; `capacity` >= text.size() + SIMDJSON_PADDING
  // bytes are readable from text.data() (their content does not matter).
  void parse(std::string_view text, size_t capacity, uint32_t file, uint64_t offset, ParseSink& sink);

  // Off: every record goes through simdjson (the tests compare both paths).
  void set_plain_path(bool on) { plain_path_ = on; }

 private:
  // The plain path: a record of masscan's own shape (known keys, each once,
  // unsigned numbers, strings without non-ASCII bytes) is read in one pass
  // without simdjson. False, with nothing committed, for anything else.
  bool parse_plain(std::string_view text, ParseSink& sink);
  void commit(uint32_t ip, uint32_t ts, uint8_t known, ParseSink& sink);

  simdjson::ondemand::parser parser_;
  std::vector<detail::PortEntry> entries_;  // reused across records
  std::string banner_;                      // a decoded banner, reused
  bool plain_path_ = true;
};

}  // namespace scanhpc
