#pragma once
// How flowtuple inputs are chosen and shared between ranks, MPI-free so that
// every rank count can be tested in one process.
#include <cstdint>
#include <optional>
#include <string_view>
#include <utility>
#include <vector>

namespace scanhpc::flow {

// The Unix time in a flowtuple file name: the last run of 9 or 10 digits of
// the base name, as in "v3_5min_1617235200.ft4.avro",
// "ucsd-nt.1617235200.flowtuple-v4.avro" or "ft-1617235200-mon.avro".
std::optional<uint32_t> file_name_time(std::string_view path);

// The span of a flowtuple file as its name gives it: "v3_5min_…" is 300 s,
// "v3_3600s_…" 3600 s (a run of digits after '_', '.' or '-', then "s" or
// "min", then a separator); nullopt when the name says nothing.
std::optional<uint32_t> file_name_seconds(std::string_view path);

// Whether a file whose name says it starts at `start` and spans `seconds` can
// hold records with time in [from, to] (inclusive; either bound optional).
bool file_may_overlap(uint32_t start, uint32_t seconds, std::optional<uint32_t> from, std::optional<uint32_t> to);

// Contiguous ranges of work units (in their global order) per rank, balanced
// by weight: unit i goes to the rank whose share of the total holds the
// middle of its weight. Deterministic; a rank may get an empty range.
std::vector<std::pair<size_t, size_t>> split_units(const std::vector<uint64_t>& weights, int ranks);

// Windows of flow convert: groups of input files (indices, each group in
// input order) that cover whole intervals of `interval_s` seconds by the time
// in their names, consecutive intervals in time order, each group's bytes at
// most `budget_bytes` unless one interval alone holds more (it is then a
// window of its own). One window of every file when budget_bytes is 0 or any
// name has no time.
std::vector<std::vector<size_t>> convert_windows(const std::vector<std::optional<uint32_t>>& name_times,
                                                 const std::vector<uint64_t>& bytes, uint32_t interval_s,
                                                 uint64_t budget_bytes);

}  // namespace scanhpc::flow
