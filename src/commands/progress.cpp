#include "scanhpc/commands/progress.hpp"

#include <unistd.h>

#include <cstdio>

namespace scanhpc::commands {

std::string human_bytes(double b) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  int u = 0;
  while (b >= 1000 && u < 4) { b /= 1000; ++u; }
  char buf[32];
  std::snprintf(buf, sizeof buf, u ? "%.1f %s" : "%.0f %s", b, units[u]);
  return buf;
}

std::string human_count(double n) {
  char buf[32];
  if (n >= 1e6) std::snprintf(buf, sizeof buf, "%.2f M", n / 1e6);
  else if (n >= 1e3) std::snprintf(buf, sizeof buf, "%.1f k", n / 1e3);
  else std::snprintf(buf, sizeof buf, "%.0f", n);
  return buf;
}

ProgressMeter::ProgressMeter(bool enabled, uint64_t total_bytes, double share)
    : enabled_(enabled), total_(total_bytes), share_(share > 0 ? share : 1),
      start_(std::chrono::steady_clock::now()), last_(start_) {}

void ProgressMeter::update(uint64_t local_bytes, uint64_t local_records) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  double elapsed = std::chrono::duration<double>(now - start_).count();
  if (elapsed < 2.0 || std::chrono::duration<double>(now - last_).count() < 1.0) return;
  last_ = now;
  double bytes = double(local_bytes) / share_, records = double(local_records) / share_;
  double rate = bytes / elapsed;
  double eta = rate > 0 && total_ > bytes ? (double(total_) - bytes) / rate : 0;
  std::fprintf(stderr, "%sscanhpc: %s / %s read, %s records, %s/s, ETA %.0f s%s",
               isatty(2) ? "\r" : "", human_bytes(bytes).c_str(), human_bytes(double(total_)).c_str(),
               human_count(records).c_str(), human_bytes(rate).c_str(), eta, isatty(2) ? "   " : "\n");
  std::fflush(stderr);
  printed_ = true;
}

void ProgressMeter::finish() {
  if (enabled_ && printed_ && isatty(2)) std::fputc('\n', stderr);
}

}  // namespace scanhpc::commands
