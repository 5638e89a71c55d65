// The measured window of a benchmark configuration, shared by the benchmark programs.
//
// Contract: a Window made at time T with (warmup, seconds) spans [T + warmup, T + warmup +
// seconds]. The load runs from T on; an operation counts (in the rate and the latencies)
// only when it started at or after `from` and finished by `to`, so the warm-up and the
// operations still in flight when the window closes are left out. The rate is counted
// operations / seconds().
#pragma once

#include <chrono>

namespace ticketd::bench {

using Clock = std::chrono::steady_clock;

struct Window {
  Clock::time_point from, to;
  Window(double warmup, double seconds)
      : from(Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(warmup))),
        to(from + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds))) {}
  [[nodiscard]] bool counts(Clock::time_point t0, Clock::time_point t1) const { return t0 >= from && t1 <= to; }
  [[nodiscard]] double seconds() const { return std::chrono::duration<double>(to - from).count(); }
};

[[nodiscard]] inline double micros(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::micro>(t1 - t0).count();
}

}  // namespace ticketd::bench
