#pragma once
// Where readers put what they parse: columns, record counters and the first
// few error messages. One sink per thread; sinks are merged afterwards.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "scanhpc/core/observations.hpp"
#include "scanhpc/core/read_summary.hpp"

namespace scanhpc {


// Invariant: records_read == records_used + records_rejected.
// A "record" is one masscan output record (a JSON object, a text line, an XML
// <host>, a binary record); headers, trailers and separators are not records.
struct RecordCounts {
  uint64_t records_read = 0;
  uint64_t records_used = 0;
  uint64_t records_rejected = 0;
  uint64_t banner_records = 0;        // used records that are banners
  uint64_t status_observations = 0;   // one per ports[] entry of used status records
  // used records that gave no row: raw LZR records GPS's preparation keeps
  // out, ZGrab2 records whose grabs failed or carried no banner
  uint64_t records_without_observation = 0;
  RecordCounts& operator+=(const RecordCounts& o) {
    records_read += o.records_read;
    records_used += o.records_used;
    records_rejected += o.records_rejected;
    banner_records += o.banner_records;
    status_observations += o.status_observations;
    records_without_observation += o.records_without_observation;
    return *this;
  }
};


struct ParseSink {
  StatusColumns status;
  BannerColumns banners;
  bool keep_banners = false;        // banner text is kept only when an analysis needs it
  RecordCounts counts;
  std::vector<ParseError> errors;   // the first max_errors_kept by (file, offset), unordered
  size_t max_errors_kept = ReadSummary::kErrorsKept;  // = the output's sample, so the merged sample is exact
  // Damaged compressed streams (one per file, or per damaged member of a gzip
  // file read by members), kept whatever the sample holds: each is also one
  // rejected record standing for the lost rest.
  std::vector<ParseError> damaged;

  void reject_damaged(uint32_t file, uint64_t offset, std::string cause) {
    damaged.push_back({file, offset, cause});
    reject(file, offset, std::move(cause));
  }

  void reject(uint32_t file, uint64_t offset, std::string cause) {
    ++counts.records_read;
    ++counts.records_rejected;
    keep_error({file, offset, std::move(cause)});
  }
  // Keeps the max_errors_kept smallest errors by (file, offset).
  void keep_error(ParseError e);
  // A status record that produced `observations` rows (already pushed).
  void used_status(uint64_t observations) {
    ++counts.records_read;
    ++counts.records_used;
    counts.status_observations += observations;
  }
  // A valid record that gives no row (it is read and used, as GPS reads it).
  void used_without_observation() {
    ++counts.records_read;
    ++counts.records_used;
    ++counts.records_without_observation;
  }
  void used_banner() {
    ++counts.records_read;
    ++counts.records_used;
    ++counts.banner_records;
  }
  void merge(ParseSink&& other);

  // Streams read by one rank hand their rows on in batches while they are
  // read (dealt to every rank), so the reading rank never holds them all:
  // once the columns pass batch_bytes, on_batch takes them (and clears them).
  size_t batch_bytes = 0;  // 0: no batches
  std::function<void(ParseSink&)> on_batch;
  size_t held_bytes() const {
    return status.size() * sizeof(StatusRow) + banners.size() * 20 + banners.service.bytes.size() +
           banners.banner.bytes.size();
  }
  void maybe_hand_on() {
    if (batch_bytes && held_bytes() >= batch_bytes) on_batch(*this);
  }
};

}  // namespace scanhpc
