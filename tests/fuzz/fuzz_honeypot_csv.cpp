// libFuzzer harness: the honeypot CSV reader. The first byte picks a split
// point and a block size; the rest is a CSV file. Properties: read = used +
// rejected, repaired <= used; a file read as two ranges with small blocks
// (as ranks and threads read it) gives the same rows and counts as the
// whole buffer.
#include "fuzz_support.hpp"
#include "scanhpc/ports/honeypot_csv.hpp"

using namespace scanhpc::ports;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size < 1) return 0;
  const uint8_t control = data[0];
  ++data, --size;
  std::string_view text(reinterpret_cast<const char*>(data), size);
  EventColumns events;
  CsvCounts counts;
  CsvLayout layout;
  try {
    layout = parse_honeypot_csv_buffer(text, ColumnMapping{}, events, counts);
  } catch (const std::runtime_error&) {
    return 0;  // no usable header: a clear error, not a finding
  }
  FUZZ_CHECK(counts.records_read == counts.records_used + counts.records_rejected);
  FUZZ_CHECK(counts.rows_repaired <= counts.records_used);
  FUZZ_CHECK(events.size() == counts.records_used);

  scanhpc::fuzz::MemFile mem(data, size);
  auto span = find_csv_header(text);
  uint64_t at = span.data_begin + uint64_t(control >> 2) * (size - span.data_begin) / 64;
  size_t block = size_t(16) << (control & 3);  // 16..128 bytes: lines longer than a block
  EventColumns first, second, merged;
  CsvCounts c1, c2;
  read_honeypot_csv_range(mem.path(), span.data_begin, at, layout, first, c1, block);
  read_honeypot_csv_range(mem.path(), at, size, layout, second, c2, block);
  FUZZ_CHECK(c1.records_read + c2.records_read == counts.records_read);
  FUZZ_CHECK(c1.records_used + c2.records_used == counts.records_used);
  FUZZ_CHECK(c1.rows_repaired + c2.rows_repaired == counts.rows_repaired);
  append_events(merged, first);
  append_events(merged, second);
  FUZZ_CHECK(merged.size() == events.size());
  for (size_t i = 0; i < events.size(); ++i) {
    FUZZ_CHECK(merged.time[i] == events.time[i] && merged.src[i] == events.src[i]);
    FUZZ_CHECK(merged.dst_port[i] == events.dst_port[i] && merged.proto[i] == events.proto[i]);
    FUZZ_CHECK(merged.sensors[merged.sensor[i]] == events.sensors[events.sensor[i]]);
  }
  return 0;
}
