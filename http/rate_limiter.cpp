#include "http/rate_limiter.h"

#include <algorithm>
#include <cmath>
#include <functional>

namespace ticketd::http {

void RateLimiter::prune(Shard& shard, Clock::time_point now) {
  std::erase_if(shard.buckets, [&](const auto& entry) {
    const double seconds = std::chrono::duration<double>(now - entry.second.last).count();
    return entry.second.tokens + seconds * limit_.rate_per_second >= limit_.burst;
  });
}

int RateLimiter::take(const std::string& key, Clock::time_point now) { return charge(key, now, 1); }

int RateLimiter::peek(const std::string& key, Clock::time_point now) { return charge(key, now, 0); }

std::size_t RateLimiter::size() const {
  std::size_t n = 0;
  for (const Shard& shard : shards_) {
    std::lock_guard lock(shard.mu);
    n += shard.buckets.size();
  }
  return n;
}

int RateLimiter::charge(const std::string& key, Clock::time_point now, double cost) {
  if (limit_.rate_per_second <= 0) return 0;
  Shard& shard = shards_[std::hash<std::string>{}(key) % shards_.size()];
  std::lock_guard lock(shard.mu);
  auto it = shard.buckets.find(key);
  if (it == shard.buckets.end()) {
    if (cost == 0) return 0;  // an unknown key has its whole burst
    if (shard.buckets.size() >= kMaxTracked / shards_.size()) prune(shard, now);
    if (shard.buckets.size() >= kMaxTracked / shards_.size()) shard.buckets.clear();
    it = shard.buckets.emplace(key, Bucket{limit_.burst, now}).first;
  }
  Bucket& b = it->second;
  const double elapsed = std::chrono::duration<double>(now - b.last).count();
  b.tokens = std::min(limit_.burst, b.tokens + std::max(0.0, elapsed) * limit_.rate_per_second);
  b.last = now;
  if (b.tokens >= 1) {
    b.tokens -= cost;
    return 0;
  }
  return std::max(1, static_cast<int>(std::ceil((1 - b.tokens) / limit_.rate_per_second)));
}

}  // namespace ticketd::http
