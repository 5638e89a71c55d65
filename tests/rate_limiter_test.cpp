// The per-principal rate limiter (http/rate_limiter.h) on a manual clock: a key's burst,
// its refusal and refill, and the bound of kMaxTracked buckets when far more keys than that
// arrive, with what the header promises a refused key then: it stays limited while idle
// (full) buckets can be dropped, and starts over with a full burst only when its shard holds
// nothing but active keys.
#include "http/rate_limiter.h"

#include <doctest/doctest.h>

#include <string>

using namespace ticketd::http;
using namespace std::chrono_literals;

namespace {

// Any fixed instant: the limiter only compares instants.
const RateLimiter::Clock::time_point kT0 = RateLimiter::Clock::time_point{} + 1h;

std::string key_of(int phase, std::size_t i) { return "tenant-" + std::to_string(phase) + "/sub-" + std::to_string(i); }

// Takes a 1/s, burst-2 limiter's two tokens for `key` at kT0 and sees the third refused.
void spend_burst(RateLimiter& limiter, const std::string& key) {
  CHECK(limiter.take(key, kT0) == 0);
  CHECK(limiter.take(key, kT0) == 0);
  CHECK(limiter.take(key, kT0) == 1);
}

}  // namespace

TEST_CASE("a key gets its burst, then Retry-After, then exactly the refill") {
  RateLimiter limiter(RateLimit{2, 4});  // 2/s, burst 4
  const std::string key = "acme/carla";
  CHECK(limiter.peek(key, kT0) == 0);  // an unknown key has its whole burst, and peek keeps nothing
  CHECK(limiter.size() == 0);
  for (int i = 0; i < 4; ++i) CHECK(limiter.take(key, kT0) == 0);
  CHECK(limiter.take(key, kT0) == 1);  // 1 token missing at 2/s: ceil(0.5 s) = 1 s
  CHECK(limiter.peek(key, kT0) == 1);
  CHECK(limiter.take("acme/cody", kT0) == 0);  // another key is not affected
  // After 1 s: 2 tokens, so two requests and then a refusal again.
  CHECK(limiter.take(key, kT0 + 1s) == 0);
  CHECK(limiter.take(key, kT0 + 1s) == 0);
  CHECK(limiter.take(key, kT0 + 1s) == 1);
  // A long idle time refills only up to the burst.
  for (int i = 0; i < 4; ++i) CHECK(limiter.take(key, kT0 + 1h) == 0);
  CHECK(limiter.take(key, kT0 + 1h) == 1);
  // A slow limit answers the whole wait.
  RateLimiter slow(RateLimit{0.25, 1});
  CHECK(slow.take(key, kT0) == 0);
  CHECK(slow.take(key, kT0) == 4);
  CHECK(slow.take(key, kT0 + 3s) == 1);
  CHECK(slow.take(key, kT0 + 4s) == 0);
  // Rate 0 is off: nothing is refused, nothing is kept.
  RateLimiter off(RateLimit{0, 0});
  for (int i = 0; i < 1000; ++i) CHECK(off.take(key, kT0) == 0);
  CHECK(off.size() == 0);
}

TEST_CASE("waves of new keys: idle buckets are dropped, the size stays bounded, a refused key stays limited") {
  // 1/s, burst 2: a key that took once at one instant is full (prunable) one second later.
  RateLimiter limiter(RateLimit{1, 2});
  const std::string victim = "acme/mallory";
  spend_burst(limiter, victim);
  // Each wave is 3/4 of the bound: two waves overflow every shard (16 of them, each holding
  // at most a 16th), so each shard drops the previous wave's idle buckets and never has to
  // start over (one wave alone stays well below a shard's share).
  constexpr std::size_t kWave = RateLimiter::kMaxTracked * 3 / 4;
  for (int wave = 1; wave <= 4; ++wave) {
    CAPTURE(wave);
    const auto now = kT0 + std::chrono::seconds(wave);
    std::size_t largest = 0;
    for (std::size_t i = 0; i < kWave; ++i) {
      REQUIRE(limiter.take(key_of(wave, i), now) == 0);  // every new key has its burst
      if (i % 1000 == 0) largest = std::max(largest, limiter.size());
    }
    largest = std::max(largest, limiter.size());
    CHECK(largest <= RateLimiter::kMaxTracked);
    // Held: this wave (active) and the victim (empty); from wave 2 on, the previous wave's
    // buckets (full again after a second) are gone and nothing else was.
    CHECK(limiter.size() == kWave + 1);
    // The victim kept its bucket: one second refilled one token, not a new burst of two.
    CHECK(limiter.take(victim, now) == 0);
    CHECK(limiter.take(victim, now) == 1);
  }
}

TEST_CASE("ten times the bound of active keys at one instant: the size stays bounded, shards start over") {
  RateLimiter limiter(RateLimit{1, 2});
  const std::string victim = "acme/mallory";
  spend_burst(limiter, victim);
  // No bucket is ever full here (each key took a token at this very instant), so nothing can
  // be dropped as idle: only starting a full shard over keeps the bound.
  constexpr std::size_t kKeys = RateLimiter::kMaxTracked * 10;
  std::size_t largest = 0;
  for (std::size_t i = 0; i < kKeys; ++i) {
    REQUIRE(limiter.take(key_of(0, i), kT0) == 0);
    if (i % 100 == 0) {
      largest = std::max(largest, limiter.size());
      REQUIRE(largest <= RateLimiter::kMaxTracked);  // stop at once: past it, each take scans a shard
    }
  }
  CHECK(largest > RateLimiter::kMaxTracked / 2);  // it did fill up towards the bound
  CHECK(limiter.size() <= RateLimiter::kMaxTracked);
  // Every shard started over several times, the victim's too: as the header says, its key
  // gets a full burst again.
  CHECK(limiter.take(victim, kT0) == 0);
  CHECK(limiter.take(victim, kT0) == 0);
  CHECK(limiter.take(victim, kT0) == 1);
}
