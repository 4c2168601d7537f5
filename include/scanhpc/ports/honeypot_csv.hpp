#pragma once
// Reader for honeypot logs as CSV: the "marx" layouts of seed 003
// (datetime,host,src,proto,type,spt,dpt and the 15-column geo form) and any
// CSV with the same meaning once its columns are mapped. MPI-free; one call
// parses whole lines of a buffer into EventColumns. See docs/honeypot-csv.md.
//
// Records are lines ('\n', optional '\r' before it). Fields may be quoted
// (RFC 4180, "" escapes a quote) but a quoted field cannot span lines, so a
// file splits into ranges at any line start. Header and blank lines are not
// rows; every row is used or rejected: records_read == records_used + records_rejected.
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "scanhpc/core/read_summary.hpp"
#include "scanhpc/io/parse_sink.hpp"
#include "scanhpc/ports/events.hpp"

namespace scanhpc::ports {

// Our logical fields -> header names. An empty name for an optional field
// (icmp_type, src_port) means "not read".
struct ColumnMapping {
  std::string time = "datetime";
  std::string sensor = "host";
  std::string src = "src";
  std::string proto = "proto";
  std::string icmp_type = "type";  // optional
  std::string src_port = "spt";    // optional
  std::string dst_port = "dpt";
};

// Applies "dst_port=dpt,src=source_ip,..." to the marx defaults. Throws
// std::invalid_argument on an unknown field or a malformed pair.
ColumnMapping parse_column_mapping(std::string_view spec);

enum class CsvField : uint8_t { ignored, time, sensor, src, proto, icmp_type, src_port, dst_port };

// How a file writes its times; one form per file, chosen from its first rows
// (detect_date_form), so a row in another form is rejected, not guessed at.
//  iso: YYYY-MM-DD HH:MM:SS or ...THH:MM:SS, then optional fractional seconds
//       (dropped: times are whole seconds) and optional Z, +HH:MM or +HHMM
//       (converted to UTC); no zone means UTC.
//  dmy: dd/MM/yyyy HH:mm[:ss], zero-padded (a second-hand report of a Kaggle reader).
//  mdy: M/D/YY H:MM[:SS] as the Kaggle copy of marx-geo writes it (3/3/13 21:53),
//       fields unpadded or padded, a 2- or 4-digit year; two digits pivot as
//       POSIX strptime %y: 00-68 -> 20xx, 69-99 -> 19xx.
// automatic: parse_honeypot_csv detects from the text it is given.
enum class DateForm : uint8_t { automatic, iso, dmy, mdy };
const char* date_form_name(DateForm f);

// Parses one time field in `form` (not automatic) to seconds since 1970 UTC;
// false when it is not a valid time of 1970-2105 in that form.
bool parse_csv_time(std::string_view text, DateForm form, uint32_t& out);

struct CsvLayout {
  std::vector<CsvField> columns;  // one per header column
  size_t needed_columns = 0;      // 1 + the last mapped column's index
  // Rows with more fields than the header are read (and counted repaired)
  // only when every ignored column follows every mapped one: the extra
  // commas then belong to the ignored free-text tail (the geo form's
  // unquoted locales). Otherwise they are rejected.
  bool extra_fields_repairable = false;
  DateForm date_form = DateForm::automatic;
};

// The form most of the first 100 non-blank rows of `data` (lines after the
// header) parse in; ties go to iso, then dmy, then mdy. A 4-digit slash date
// whose day and month are both <= 12 in every row looked at is ambiguous and
// read as dmy; 2-digit slash years only parse as mdy. iso when no row parses.
DateForm detect_date_form(std::string_view data, const CsvLayout& layout);

// Finds the mapped columns by exact (case-insensitive) name; a UTF-8 BOM,
// quotes and a trailing '\r' are allowed. The first of duplicate names wins.
// Throws std::runtime_error when time, sensor, src, proto or dst_port is missing.
CsvLayout layout_from_header(std::string_view header_line, const ColumnMapping& mapping = {});

// A read of CSV rows: the counts and first errors of every reader (ReadSummary: a row is a
// record), and what is particular to CSV.
struct CsvCounts : ReadSummary {
  uint64_t rows_repaired = 0;  // used rows with extra fields in the ignored tail
  uint64_t blank_lines = 0;    // empty or whitespace-only lines (not rows)
  uint32_t file = 0;           // the file index written into errors

  void reject(uint64_t offset, std::string cause) { ReadSummary::reject(file, offset, std::move(cause)); }
  void merge(CsvCounts&& other);
};

// Parses the data lines of `text` (no header); `base_offset` is the file
// offset of text[0], used in error messages. A last line without '\n' is
// parsed too. Appends used rows to `events` (sensor names looked up once
// per call, then hashed).
void parse_honeypot_csv(std::string_view text, uint64_t base_offset, const CsvLayout& layout,
                        EventColumns& events, CsvCounts& counts);

// A whole CSV in memory: the first non-blank line is the header.
// Returns the layout, its date form detected; throws like layout_from_header (also on no header).
CsvLayout parse_honeypot_csv_buffer(std::string_view text, const ColumnMapping& mapping,
                                    EventColumns& events, CsvCounts& counts);

// The start of the first line that begins at or after `pos` (0, or just
// after a '\n'); text.size() when none does. A line belongs to the range
// holding its first byte, so ranges [next_line_start(a), next_line_start(b))
// partition the lines.
uint64_t next_line_start(std::string_view text, uint64_t pos);

// Byte offsets where the header line ends and data lines begin.
struct CsvHeaderSpan {
  uint64_t header_begin = 0;  // after a BOM and blank lines
  uint64_t data_begin = 0;    // start of the line after the header
};
CsvHeaderSpan find_csv_header(std::string_view text);

// The header of a CSV file (reads only its first lines). Throws
// std::runtime_error on I/O errors or a file without a header.
struct CsvFileHeader {
  std::string line;
  std::string sample;  // the first data lines (up to 64 KiB), for detect_date_form
  uint64_t data_begin = 0;
  uint64_t file_size = 0;
};
CsvFileHeader read_csv_file_header(const std::string& path);

// Parses the lines of a file whose first byte lies in [begin, end), reading
// in blocks of at most `block_bytes` (plus the longest line), no further than
// the last of those lines, so any range size works in bounded memory and no
// byte is read by two ranges but a line's end. `begin` >= the header's data_begin.
void read_honeypot_csv_range(const std::string& path, uint64_t begin, uint64_t end, const CsvLayout& layout,
                             EventColumns& events, CsvCounts& counts, size_t block_bytes = size_t(16) << 20,
                             std::string* buffer = nullptr);

// A whole file read by `threads` OpenMP threads (0: omp_get_max_threads()),
// one byte range each, merged in file order. Returns the header's layout.
CsvLayout read_honeypot_csv_file(const std::string& path, const ColumnMapping& mapping, EventColumns& events,
                                 CsvCounts& counts, int threads = 0);

// A whole CSV read sequentially: a plain file, a gzip file (found by its magic
// bytes, every member) or standard input ("-"). The header and date form come
// from its first block; error offsets are bytes of the inflated stream.
// Throws std::runtime_error on I/O errors, damaged gzip data or no header.
CsvLayout read_honeypot_csv_stream(const std::string& path, const ColumnMapping& mapping, EventColumns& events,
                                   CsvCounts& counts, size_t block_bytes = size_t(2) << 20);

// Appends `from` to `into`, mapping sensor ids by name (ranges parsed into
// separate EventColumns number their sensors independently).
void append_events(EventColumns& into, const EventColumns& from);
// The same for many parts, in order, column by column: each part's column is
// freed once copied, so the merge holds the parts and one column more, not
// two copies of every event. `parts` are left empty.
void append_all_events(EventColumns& into, std::vector<EventColumns>& parts);

}  // namespace scanhpc::ports
