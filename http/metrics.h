// Request metrics for GET /metrics (Prometheus text format 0.0.4): requests by route and
// status class, a latency histogram, requests in flight. Other gauges (log head,
// projection lag, queue depth, connections) are read at scrape time by the caller.
// Thread-safe (atomics); routes are numbered by the router at start-up.
#pragma once

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/latency_histogram.h"

namespace ticketd::http {

// Appends one series with its HELP and TYPE lines ("counter" or "gauge") to `out`.
void append_series(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   std::uint64_t value);

class Metrics {
 public:
  // `routes`: "METHOD pattern" for each route index; index routes.size() = unmatched.
  explicit Metrics(std::vector<std::string> routes);

  void observe(std::size_t route, int status, std::chrono::microseconds latency);
  std::atomic<std::int64_t> in_flight{0};

  // Appends this object's series to `out`.
  void render(std::string& out) const;

 private:
  std::vector<std::string> routes_;
  std::vector<std::array<std::atomic<std::uint64_t>, 5>> by_route_;  // 1xx..5xx
  LatencyHistogram latency_;
};

}  // namespace ticketd::http
