// Per-principal request rate limit: a token bucket per "<tenant>/<sub>".
//
// Each principal may send `rate_per_second` requests per second on average and
// `burst` at once. take() answers 0 when the request may go ahead, else the seconds
// after which it should be retried (Retry-After). rate_per_second 0 disables the limit.
// At most kMaxTracked buckets are kept: full buckets are dropped first, and a shard that is
// still full after that starts over (its keys get a full burst again).
// Thread-safe (sharded locks).
#pragma once

#include <array>
#include <chrono>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ticketd::http {

struct RateLimit {
  double rate_per_second = 100;
  double burst = 200;
};

class RateLimiter {
 public:
  using Clock = std::chrono::steady_clock;
  static constexpr std::size_t kMaxTracked = 100000;

  explicit RateLimiter(RateLimit limit) : limit_(limit) {}

  [[nodiscard]] int take(const std::string& key, Clock::time_point now = Clock::now());
  // What take() would answer, without taking a token.
  [[nodiscard]] int peek(const std::string& key, Clock::time_point now = Clock::now());
  // Buckets held now: at most kMaxTracked.
  [[nodiscard]] std::size_t size() const;

 private:
  struct Bucket {
    double tokens = 0;
    Clock::time_point last;
  };
  struct Shard {
    mutable std::mutex mu;
    std::unordered_map<std::string, Bucket> buckets;
  };
  void prune(Shard& shard, Clock::time_point now);
  int charge(const std::string& key, Clock::time_point now, double cost);

  RateLimit limit_;
  std::array<Shard, 16> shards_;
};

}  // namespace ticketd::http
