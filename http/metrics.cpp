#include "http/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace ticketd::http {

Metrics::Metrics(std::vector<std::string> routes) : routes_(std::move(routes)), by_route_(routes_.size() + 1) {}

void Metrics::observe(std::size_t route, int status, std::chrono::microseconds latency) {
  if (route > routes_.size()) route = routes_.size();
  const int cls = std::clamp(status / 100, 1, 5) - 1;
  by_route_[route][cls].fetch_add(1, std::memory_order_relaxed);
  const double seconds = static_cast<double>(latency.count()) / 1e6;
  std::size_t bucket = 0;
  while (bucket < kLatencyBuckets.size() && seconds > kLatencyBuckets[bucket]) ++bucket;
  latency_[bucket].fetch_add(1, std::memory_order_relaxed);
  latency_sum_us_.fetch_add(static_cast<std::uint64_t>(latency.count()), std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void Metrics::render(std::string& out) const {
  out += "# HELP ticketd_http_requests_total HTTP requests answered, by route and status class.\n";
  out += "# TYPE ticketd_http_requests_total counter\n";
  for (std::size_t r = 0; r < by_route_.size(); ++r) {
    const std::string route = r < routes_.size() ? routes_[r] : "unmatched";
    for (int c = 0; c < 5; ++c) {
      const auto n = by_route_[r][c].load(std::memory_order_relaxed);
      if (n == 0) continue;
      out += fmt::format("ticketd_http_requests_total{{route=\"{}\",status=\"{}xx\"}} {}\n", route, c + 1, n);
    }
  }
  out += "# HELP ticketd_http_request_duration_seconds Time from a parsed request to its answer.\n";
  out += "# TYPE ticketd_http_request_duration_seconds histogram\n";
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < kLatencyBuckets.size(); ++b) {
    cumulative += latency_[b].load(std::memory_order_relaxed);
    out +=
        fmt::format("ticketd_http_request_duration_seconds_bucket{{le=\"{}\"}} {}\n", kLatencyBuckets[b], cumulative);
  }
  cumulative += latency_[kLatencyBuckets.size()].load(std::memory_order_relaxed);
  out += fmt::format("ticketd_http_request_duration_seconds_bucket{{le=\"+Inf\"}} {}\n", cumulative);
  out += fmt::format("ticketd_http_request_duration_seconds_sum {}\n",
                     static_cast<double>(latency_sum_us_.load(std::memory_order_relaxed)) / 1e6);
  out += fmt::format("ticketd_http_request_duration_seconds_count {}\n", count_.load(std::memory_order_relaxed));
  out += "# HELP ticketd_http_requests_in_flight Requests being handled.\n";
  out += "# TYPE ticketd_http_requests_in_flight gauge\n";
  out += fmt::format("ticketd_http_requests_in_flight {}\n", in_flight.load(std::memory_order_relaxed));
}

}  // namespace ticketd::http
