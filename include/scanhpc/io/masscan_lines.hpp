#pragma once
// Parsers for one line of each line-oriented masscan format. Each call looks
// at exactly one line (without its '\n') and either pushes rows and counts the
// record as used, rejects it with a cause, or ignores it as a non-record
// (header, trailer, separator).
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string_view>

#include "scanhpc/io/masscan_format.hpp"
#include "scanhpc/io/parse_sink.hpp"

namespace scanhpc {

// Bytes of readable slack a JSON line needs after its end (simdjson padding).
size_t json_line_padding();

class LineParser {
 public:
  explicit LineParser(MasscanFormat format, const LineContext& context = {});
  ~LineParser();
  LineParser(LineParser&&) noexcept;
  LineParser& operator=(LineParser&&) noexcept;

  // `line` must stay readable for json_line_padding() bytes past its end;
  // the block readers guarantee it. `offset` is the line's byte offset.
  void parse(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace scanhpc
