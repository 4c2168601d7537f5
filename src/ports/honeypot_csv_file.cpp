// Reading a whole honeypot CSV file with OpenMP threads, one byte range each.
#include <omp.h>

#include <algorithm>
#include <stdexcept>

#include "scanhpc/ports/honeypot_csv.hpp"

namespace scanhpc::ports {

CsvLayout read_honeypot_csv_file(const std::string& path, const ColumnMapping& mapping, EventColumns& events,
                                 CsvCounts& counts, int threads) {
  const CsvFileHeader header = read_csv_file_header(path);
  const CsvLayout layout = layout_from_header(header.line, mapping);
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

}  // namespace scanhpc::ports
