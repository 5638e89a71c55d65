// A Prometheus histogram of durations with fixed buckets (0.5 ms to 10 s), for /metrics:
// HTTP request latency, the follower's apply lag. Thread-safe (relaxed atomics): observe()
// from any thread while render() reads; a scrape may see one observation in the count and
// not yet in its bucket, which Prometheus tolerates.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace ticketd {

class LatencyHistogram {
 public:
  // Upper bounds in seconds; one more bucket (+Inf) holds the rest.
  static constexpr std::array<double, 19> kBuckets{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06,
                                                   0.08,   0.1,   0.15,   0.25,  0.5,  1,    2.5,  5,    10};

  void observe(std::chrono::microseconds duration);

  // Appends HELP, TYPE, the cumulative `<name>_bucket{le=...}` lines, `<name>_sum` and
  // `<name>_count`.
  void render(std::string& out, std::string_view name, std::string_view help) const;

 private:
  std::array<std::atomic<std::uint64_t>, kBuckets.size() + 1> counts_{};
  std::atomic<std::uint64_t> sum_us_{0};
  std::atomic<std::uint64_t> count_{0};
};

}  // namespace ticketd
