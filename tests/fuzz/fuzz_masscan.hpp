#pragma once
// One driver for every masscan reader (and GPS's seed NDJSON): the input is a
// file in `format`, read through local_ingest as scan reads it. Properties:
// read = used + rejected; and for a splittable file, two read tasks split at
// an input-chosen byte give the same counts and rows as one task (what any
// rank count must give). Inputs that start with the gzip magic are read as
// gzip streams, which covers the inflate and damage paths too.
#include <cstring>
#include <optional>

#include "fuzz_support.hpp"
#include "scanhpc/io/ingest.hpp"

namespace scanhpc::fuzz {

inline IngestResult ingest_tasks(const std::vector<InputFile>& files, const std::vector<ReadTask>& tasks) {
  IngestOptions opt;
  opt.threads = 1;
  opt.keep_banners = true;
  opt.chunk_bytes = 256;       // many chunk boundaries in a small input
  opt.max_record_bytes = 1024; // and the over-long record path
  return local_ingest(files, tasks, opt);
}

inline void check_counts(const RecordCounts& c) {
  FUZZ_CHECK(c.records_read == c.records_used + c.records_rejected);
  FUZZ_CHECK(c.banner_records <= c.records_used);
}

// The first byte picks the split point (and, for `alternate`, its low bit
// picks that format instead); the rest is the file.
inline int fuzz_masscan(const uint8_t* data, size_t size, MasscanFormat format,
                        std::optional<MasscanFormat> alternate = std::nullopt) {
  if (size < 1) return 0;
  uint8_t split_byte = data[0];
  if (alternate) {
    if (split_byte & 1) format = *alternate;
    split_byte &= 0xfe;
  }
  ++data, --size;
  MemFile mem(data, size);
  InputFile f;
  f.path = mem.path();
  f.format = format;
  f.bytes = size;
  f.gzip = size >= 2 && data[0] == 0x1f && data[1] == 0x8b;
  std::vector<InputFile> files{f};
  try {
    auto whole = ingest_tasks(files, {{0, 0, size, !f.splittable()}});
    check_counts(whole.sink.counts);
    FUZZ_CHECK(whole.sink.status.size() >= whole.sink.counts.status_observations);
    if (f.splittable() && size > 1) {
      uint64_t at = 1 + uint64_t(split_byte) * (size - 1) / 256;
      auto one = ingest_tasks(files, {{0, 0, at, false}});
      auto two = ingest_tasks(files, {{0, at, size, false}});
      const auto &a = one.sink.counts, &b = two.sink.counts, &w = whole.sink.counts;
      FUZZ_CHECK(a.records_read + b.records_read == w.records_read);
      FUZZ_CHECK(a.records_used + b.records_used == w.records_used);
      FUZZ_CHECK(a.banner_records + b.banner_records == w.banner_records);
      FUZZ_CHECK(one.sink.status.size() + two.sink.status.size() == whole.sink.status.size());
      FUZZ_CHECK(one.sink.banners.size() + two.sink.banners.size() == whole.sink.banners.size());
    }
  } catch (const std::exception&) {
    // A clear error is a valid outcome for bad input (e.g. a damaged stream
    // under --on-error=fail); crashes, leaks and UB are what we hunt.
  }
  return 0;
}

}  // namespace scanhpc::fuzz
