// Reading a whole honeypot CSV file with OpenMP threads, one byte range each.
#include <omp.h>

#include <algorithm>
#include <stdexcept>

#include "scanhpc/io/byte_stream.hpp"
#include "scanhpc/ports/honeypot_csv.hpp"

namespace scanhpc::ports {

CsvLayout read_honeypot_csv_file(const std::string& path, const ColumnMapping& mapping, EventColumns& events,
                                 CsvCounts& counts, int threads) {
  const CsvFileHeader header = read_csv_file_header(path);
  CsvLayout layout = layout_from_header(header.line, mapping);
  layout.date_form = detect_date_form(header.sample, layout);  // one form for every thread's range
  if (threads <= 0) threads = omp_get_max_threads();
  const uint64_t data = header.file_size - header.data_begin;
  // Ranges below 1 MiB are not worth a thread.
  const uint64_t parts = std::max<uint64_t>(1, std::min<uint64_t>(uint64_t(threads), data >> 20));
  std::vector<EventColumns> part_events(parts);
  std::vector<CsvCounts> part_counts(parts);
  std::vector<std::string> failures(parts);
#pragma omp parallel for num_threads(int(parts)) schedule(static, 1)
  for (uint64_t i = 0; i < parts; ++i) {
    part_counts[i].file = counts.file;
    part_counts[i].errors_kept = counts.errors_kept;
    try {
      read_honeypot_csv_range(path, header.data_begin + data * i / parts, header.data_begin + data * (i + 1) / parts,
                              layout, part_events[i], part_counts[i]);
    } catch (const std::exception& e) {  // exceptions must not leave an OpenMP region
      failures[i] = e.what();
    }
  }
  for (const std::string& f : failures)
    if (!f.empty()) throw std::runtime_error(f);
  for (uint64_t i = 0; i < parts; ++i) {
    if (events.size() == 0 && events.sensors.empty()) events = std::move(part_events[i]);
    else append_events(events, part_events[i]);
    counts.merge(std::move(part_counts[i]));
  }
  return layout;
}

CsvLayout read_honeypot_csv_stream(const std::string& path, const ColumnMapping& mapping, EventColumns& events,
                                   CsvCounts& counts, size_t block_bytes) {
  ByteStream in(path);
  std::string buf;
  uint64_t buf_offset = 0;  // stream offset of buf[0]
  bool eof = false;
  auto more = [&] {  // appends up to block_bytes; false at the end of the stream
    const size_t old = buf.size();
    buf.resize(old + block_bytes);
    const size_t got = in.read(buf.data() + old, block_bytes);
    buf.resize(old + got);
    eof = got == 0;
    return !eof;
  };
  // The header, and the first data rows for the date form: at least 64 KiB or the whole stream.
  CsvHeaderSpan h;
  for (;;) {
    h = find_csv_header(buf);
    if (h.header_begin < buf.size() && h.data_begin < buf.size() && buf.size() - h.data_begin >= (64u << 10)) break;
    if (!more()) break;
  }
  h = find_csv_header(buf);
  if (h.header_begin >= buf.size()) throw std::runtime_error(path + ": CSV without a header line");
  std::string_view header = std::string_view(buf).substr(h.header_begin, h.data_begin - h.header_begin);
  CsvLayout layout = layout_from_header(header, mapping);
  layout.date_form = detect_date_form(std::string_view(buf).substr(h.data_begin), layout);
  buf.erase(0, h.data_begin);
  buf_offset = h.data_begin;
  for (;;) {
    // Whole lines now; the partial last line waits for the next block (or the end).
    const size_t nl = eof ? buf.size() : buf.rfind('\n');
    if (nl != std::string::npos && nl > 0) {
      const size_t cut = eof ? buf.size() : nl + 1;
      parse_honeypot_csv(std::string_view(buf).substr(0, cut), buf_offset, layout, events, counts);
      buf.erase(0, cut);
      buf_offset += cut;
    }
    if (eof) break;
    more();
  }
  return layout;
}

}  // namespace scanhpc::ports
