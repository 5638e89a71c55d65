// error_of(r): the error of a result that must have failed. Reading .error() of a
// std::expected that holds a value is undefined behaviour (garbage or a crash, not a
// report); error_of fails the test with a REQUIRE instead. Use on the test's own thread.
#pragma once

#include <doctest/doctest.h>

#include <expected>

namespace ticketd::test {

template <class T, class E>
E error_of(const std::expected<T, E>& result) {
  REQUIRE_MESSAGE(!result.has_value(), "expected an error, got a value");
  return result.error();
}

}  // namespace ticketd::test
