#pragma once
// What every reader reports, whatever the format: records read = used +
// rejected, the first errors by (file, offset) (a sample that does not depend
// on how the input was split over ranks and threads), and the compressed
// streams lost from an offset on. Readers keep one per thread and merge them
// in any order; dist::reduce_read_summary merges the ranks'. Messages read
// "path: byte N: cause" for every format.
#include <cstdint>
#include <string>
#include <vector>

namespace scanhpc {

struct ParseError {
  static constexpr uint64_t kWholeFile = UINT64_MAX;  // offset of a problem of the whole file
  uint32_t file = 0;        // index into the run's file table
  uint64_t offset = 0;      // byte offset of the record (or block) in the (inflated) file
  std::string cause;
};

bool error_before(const ParseError& a, const ParseError& b);  // by (file, offset), then cause

// Keeps the `limit` smallest errors by (file, offset, cause) in `sample`
// (unordered: a heap once full), in O(log limit) an error.
void keep_first_error(std::vector<ParseError>& sample, ParseError e, size_t limit);
// Whether an error at (file, offset) could be kept: a reader skips building
// the message of one that could not.
bool would_keep_error(const std::vector<ParseError>& sample, uint32_t file, uint64_t offset, size_t limit);

struct ReadSummary {
  static constexpr size_t kErrorsKept = 100;  // = the outputs' error tables
  size_t errors_kept = kErrorsKept;           // (tests lower it)
  uint64_t records_read = 0, records_used = 0, records_rejected = 0;
  std::vector<ParseError> errors;   // the first kErrorsKept by (file, offset); sorted once reduced
  std::vector<ParseError> damaged;  // one per file (or damaged gzip member), all kept; sorted once reduced

  void used(uint64_t n = 1) {
    records_read += n;
    records_used += n;
  }
  void reject(uint32_t file, uint64_t offset, std::string cause, uint64_t records = 1) {
    records_read += records;
    records_rejected += records;
    keep_first_error(errors, {file, offset, std::move(cause)}, errors_kept);
  }
  // A problem that counts no record (bytes whose records are unknown, a file that is not an input).
  void note(uint32_t file, uint64_t offset, std::string cause) {
    keep_first_error(errors, {file, offset, std::move(cause)}, errors_kept);
  }
  bool would_keep(uint32_t file, uint64_t offset) const { return would_keep_error(errors, file, offset, errors_kept); }
  std::vector<ParseError> sorted_errors() const;  // the sample, by (file, offset)
  void merge(ReadSummary&& other);
  bool consistent() const { return records_read == records_used + records_rejected; }
};

// "path: byte N: cause" ("path: cause" for a problem of the whole file).
std::string error_message(const ParseError& e, const std::vector<std::string>& paths);

// Serialisation of error lists, for the collectives.
std::string serialize_errors(const std::vector<ParseError>& errors);
void deserialize_errors(const std::string& bytes, std::vector<ParseError>& out);

}  // namespace scanhpc
