#include "base/latency_histogram.h"

#include <fmt/format.h>

#include <algorithm>

namespace ticketd {

void LatencyHistogram::observe(std::chrono::microseconds duration) {
  const auto us = static_cast<std::uint64_t>(std::max<std::int64_t>(0, duration.count()));
  const double seconds = static_cast<double>(us) / 1e6;
  const auto bucket =
      static_cast<std::size_t>(std::lower_bound(kBuckets.begin(), kBuckets.end(), seconds) - kBuckets.begin());
  counts_[bucket].fetch_add(1, std::memory_order_relaxed);
  sum_us_.fetch_add(us, std::memory_order_relaxed);
  count_.fetch_add(1, std::memory_order_relaxed);
}

void LatencyHistogram::render(std::string& out, std::string_view name, std::string_view help) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b < kBuckets.size(); ++b) {
    cumulative += counts_[b].load(std::memory_order_relaxed);
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, kBuckets[b], cumulative);
  }
  cumulative += counts_[kBuckets.size()].load(std::memory_order_relaxed);
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n", name, cumulative);
  out += fmt::format("{}_sum {}\n", name, static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1e6);
  out += fmt::format("{}_count {}\n", name, count_.load(std::memory_order_relaxed));
}

}  // namespace ticketd
