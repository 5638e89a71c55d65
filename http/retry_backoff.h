// RetryBackoff: the waits between the attempts of a call to another system (the adapters'
// outbox, outgoing webhooks): doubling from `first` up to `max`, or the answer's Retry-After
// when that is longer. Not thread-safe (one per call being retried).
#pragma once

#include <algorithm>
#include <chrono>
#include <optional>

namespace ticketd {

class RetryBackoff {
 public:
  RetryBackoff(std::chrono::milliseconds first, std::chrono::milliseconds max) : next_(first), max_(max) {}

  // The wait before the next attempt.
  [[nodiscard]] std::chrono::milliseconds next(std::optional<std::chrono::seconds> retry_after) {
    auto wait = next_;
    if (retry_after && *retry_after > wait) wait = std::chrono::duration_cast<std::chrono::milliseconds>(*retry_after);
    next_ = std::min(next_ * 2, max_);
    return wait;
  }

 private:
  std::chrono::milliseconds next_;
  std::chrono::milliseconds max_;
};

}  // namespace ticketd
