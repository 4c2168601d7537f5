#pragma once
// Writes masscan's text output formats byte for byte as masscan 1.3.x does
// (src/out-json.c, out-ndjson.c, out-text.c, out-grepable.c, out-xml.c):
//   "json"     -oJ, 1.3.x layout: "[", records each on one line with a ",\n"
//              line before every record after the first, "]"
//   "ndjson"   -oD, one flat object per line, no header or trailer
//   "list"     -oL, "#masscan" ... "# end"
//   "grepable" -oG, "# Masscan 1.3.2 scan initiated ..." ... "# Masscan done at ..."
//   "xml"      -oX, CRLF lines, one <host> per record, <runstats> trailer
// Like masscan, the header is written lazily with the first record and the
// trailer only when a header was written: no records => a 0-byte file.
//
// Records are formatted with std::to_chars into one large buffer that is
// written out in big blocks (no stdio or iostreams per field).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "scanhpc/core/observations.hpp"

namespace scanhpc {

enum class MasscanTextFormat : uint8_t { json, ndjson, list, grepable, xml };

// "json"/"ndjson"/"list"/"grepable"/"xml", also "oJ"/"-oJ", "oD", "oL", "oG",
// "oX" and "jsonl". nullopt for anything else.
std::optional<MasscanTextFormat> parse_masscan_text_format(std::string_view name);
std::string_view masscan_text_format_name(MasscanTextFormat f);

// Scan metadata that only the -oG and -oX headers and trailers show. masscan
// prints wall-clock times there; we print these fields so that output is
// reproducible. Unset times default to the first record's timestamp (start)
// and the largest record timestamp seen (finish).
struct MasscanScanInfo {
  std::optional<uint32_t> started;   // -oG "scan initiated", -oX nmaprun start
  std::optional<uint32_t> finished;  // -oG "done at", -oX finished time (elapsed = finished - started)
  std::vector<uint16_t> tcp_ports;   // -oG "# Ports scanned: TCP(n;a-b,...)"
  std::string version = "1.3.2";     // -oG "# Masscan <version> ..."
};

// masscan's tcp_service_name() for -oG status lines (the Debian /etc/services
// name for common ports, "unknown" otherwise).
std::string_view masscan_tcp_service_name(uint16_t port);

class MasscanWriter {
 public:
  // Writes to `out` (not closed by the writer). Throws std::invalid_argument
  // on an unknown format name.
  MasscanWriter(std::string_view format, std::FILE* out);
  MasscanWriter(MasscanTextFormat format, std::FILE* out);
  // Appends to `out` (tests, in-memory use).
  MasscanWriter(std::string_view format, std::string& out);
  MasscanWriter(MasscanTextFormat format, std::string& out);
  // Flushes buffered records but writes no trailer unless finish() was
  // called (like an interrupted masscan). Never throws.
  ~MasscanWriter();
  MasscanWriter(const MasscanWriter&) = delete;
  MasscanWriter& operator=(const MasscanWriter&) = delete;

  // Must be called before the first record to have any effect on headers.
  void set_scan_info(MasscanScanInfo info);

  // One status record. row.proto/row.status are Proto/Status codes,
  // row.reason the TCP flag bitmask; row.known is ignored.
  void status(const StatusRow& row);
  // One banner record. proto is a Proto code; ttl only appears in -oX.
  void banner(uint32_t ip, uint32_t ts, uint16_t port, uint8_t proto, std::string_view service,
              std::string_view banner_bytes, uint8_t ttl = 0);

  // Writes the trailer (if a header was written) and flushes. Idempotent;
  // records after finish() are an error (std::logic_error). Throws
  // std::runtime_error on a write error.
  void finish();
  // Writes buffered bytes to the sink. Throws std::runtime_error on error.
  void flush();

  MasscanTextFormat format() const { return format_; }
  uint64_t records() const { return records_; }
  uint64_t bytes() const { return bytes_flushed_ + pos_; }  // bytes produced so far

 private:
  void init();
  void header(uint32_t first_ts);
  void ensure(size_t n);
  void put(std::string_view s);
  void put_u32(uint32_t v);
  void put_ip(uint32_t ip);
  void put_escaped(std::string_view bytes, bool json, size_t buf_len);
  void before_record(uint32_t ts);

  MasscanTextFormat format_;
  std::FILE* file_ = nullptr;
  std::string* str_ = nullptr;
  std::vector<char> buf_;
  size_t pos_ = 0;
  uint64_t bytes_flushed_ = 0;
  uint64_t records_ = 0;
  uint64_t tcp_open_ = 0, tcp_closed_ = 0;
  uint32_t max_ts_ = 0;
  uint32_t first_ts_ = 0;
  bool header_written_ = false;
  bool finished_ = false;
  MasscanScanInfo info_;
};

}  // namespace scanhpc
