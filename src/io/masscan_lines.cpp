#include "scanhpc/io/masscan_lines.hpp"

#include <simdjson.h>

#include "scanhpc/io/scan_formats.hpp"

namespace scanhpc {

size_t json_line_padding() { return simdjson::SIMDJSON_PADDING; }

// The format's line parser from the registry (src/io/scan_formats.cpp).
struct LineParser::Impl {
  std::unique_ptr<LineRecordParser> parser;
};

LineParser::LineParser(MasscanFormat format, const LineContext& context) : impl_(std::make_unique<Impl>()) {
  const ScanFormatInfo* info = find_scan_format(format);
  if (info && info->make_parser) impl_->parser = info->make_parser(context);
}
LineParser::~LineParser() = default;
LineParser::LineParser(LineParser&&) noexcept = default;
LineParser& LineParser::operator=(LineParser&&) noexcept = default;

void LineParser::parse(std::string_view line, uint32_t file, uint64_t offset, ParseSink& sink) {
  if (impl_->parser) impl_->parser->parse(line, file, offset, sink);  // empty, binary, automatic: never here
}

}  // namespace scanhpc
