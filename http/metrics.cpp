#include "http/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace ticketd::http {

void append_series(std::string& out, std::string_view name, std::string_view type, std::string_view help,
                   std::uint64_t value) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n{} {}\n", name, help, name, type, name, value);
}

Metrics::Metrics(std::vector<std::string> routes) : routes_(std::move(routes)), by_route_(routes_.size() + 1) {}

void Metrics::observe(std::size_t route, int status, std::chrono::microseconds latency) {
  if (route > routes_.size()) route = routes_.size();
  const int cls = std::clamp(status / 100, 1, 5) - 1;
  by_route_[route][cls].fetch_add(1, std::memory_order_relaxed);
  latency_.observe(latency);
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
  latency_.render(out, "ticketd_http_request_duration_seconds", "Time from a parsed request to its answer.");
  out += "# HELP ticketd_http_requests_in_flight Requests being handled.\n";
  out += "# TYPE ticketd_http_requests_in_flight gauge\n";
  out += fmt::format("ticketd_http_requests_in_flight {}\n", in_flight.load(std::memory_order_relaxed));
}

}  // namespace ticketd::http
