// ThreadErrors: an exception thrown inside an OpenMP region comes out of it
// as the same exception (the runtime would otherwise call std::terminate).
#include <catch2/catch.hpp>

#include <omp.h>

#include <stdexcept>
#include <string>

#include "scanhpc/core/thread_errors.hpp"

using namespace scanhpc;

TEST_CASE("thread errors: an exception leaves a parallel loop through rethrow", "[threads]") {
  for (int threads : {1, 2, 4}) {
    ThreadErrors errors(threads);
    int done = 0;
#pragma omp parallel for num_threads(threads) schedule(static, 1) reduction(+ : done)
    for (int i = 0; i < 64; ++i) {
      errors.run([&] {
        if (i == 37) throw std::runtime_error("row 37 is bad");
        ++done;
      });
    }
    CHECK(errors.failed());
    CHECK(done == 63);
    CHECK_THROWS_WITH(errors.rethrow(), "row 37 is bad");
  }
}

TEST_CASE("thread errors: nothing thrown, nothing rethrown", "[threads]") {
  ThreadErrors errors(2);
#pragma omp parallel num_threads(2)
  errors.run([] {});
  CHECK_FALSE(errors.failed());
  CHECK_NOTHROW(errors.rethrow());
}

TEST_CASE("thread errors: every thread failing reports the lowest thread's", "[threads]") {
  ThreadErrors errors(3);
#pragma omp parallel num_threads(3)
  errors.run([] { throw std::runtime_error("thread " + std::to_string(omp_get_thread_num())); });
  CHECK_THROWS_WITH(errors.rethrow(), "thread 0");
}
