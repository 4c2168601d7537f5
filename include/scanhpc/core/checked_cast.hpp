#pragma once
// Integer narrowing that throws instead of wrapping: MPI counts are `int`, and
// silently overflowing one past 2^31 corrupts an exchange.
#include <limits>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

namespace scanhpc {

template <class To, class From>
To checked_cast(From value) {
  static_assert(std::is_integral_v<To> && std::is_integral_v<From>);
  if (!std::in_range<To>(value))
    throw std::overflow_error("checked_cast: value " + std::to_string(value) +
                              " does not fit the target integer type");
  return static_cast<To>(value);
}

}  // namespace scanhpc
