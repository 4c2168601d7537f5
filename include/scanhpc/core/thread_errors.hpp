#pragma once
// An exception must not leave an OpenMP region: the runtime would call
// std::terminate and the rank would die without a word. Work that can throw
// (allocations, parsers, callbacks) runs through ThreadErrors::run, which
// keeps each thread's first exception; after the region, rethrow() rethrows
// the lowest thread's, and failed() lets the other threads stop early.
#include <omp.h>

#include <atomic>
#include <exception>
#include <vector>

namespace scanhpc {

class ThreadErrors {
 public:
  // `threads`: the most threads the region will have (default: OpenMP's maximum).
  explicit ThreadErrors(int threads = omp_get_max_threads()) : errors_(size_t(threads > 0 ? threads : 1)) {}

  template <class F>
  void run(F&& work) noexcept {
    try {
      work();
    } catch (...) {
      const size_t t = size_t(omp_get_thread_num());
      if (t < errors_.size() && !errors_[t]) errors_[t] = std::current_exception();
      failed_.store(true, std::memory_order_relaxed);
    }
  }
  bool failed() const noexcept { return failed_.load(std::memory_order_relaxed); }
  // Call after the region, from one thread.
  void rethrow() const {
    for (const auto& e : errors_)
      if (e) std::rethrow_exception(e);
  }

 private:
  std::vector<std::exception_ptr> errors_;
  std::atomic<bool> failed_{false};
};

}  // namespace scanhpc
