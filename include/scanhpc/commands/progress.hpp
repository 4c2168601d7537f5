#pragma once
// Progress lines on stderr (rank 0 only): bytes, records, rate and ETA.
// Quiet for the first two seconds so short runs print nothing.
#include <chrono>
#include <cstdint>
#include <string>

namespace scanhpc::commands {

class ProgressMeter {
 public:
  // `share` is the fraction of all input this rank reads; rank 0's progress
  // divided by it estimates the whole run's.
  ProgressMeter(bool enabled, uint64_t total_bytes, double share);
  void update(uint64_t local_bytes, uint64_t local_records);
  void finish();

 private:
  bool enabled_;
  uint64_t total_;
  double share_;
  bool printed_ = false;
  std::chrono::steady_clock::time_point start_, last_;
};

std::string human_bytes(double bytes);
std::string human_count(double n);

}  // namespace scanhpc::commands
