// Ports for time and identifiers, so command handling is deterministic under test.
// Implementations must be thread-safe: handlers call them from many threads.
#pragma once

#include <atomic>
#include <mutex>
#include <string>

#include "domain/timestamp.h"

namespace ticketd {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual Timestamp now() const = 0;
};

class IdSource {
 public:
  virtual ~IdSource() = default;
  // A new identifier: URL-safe, unique, opaque (e.g. a UUID).
  [[nodiscard]] virtual std::string next_id() = 0;
};

// The system clock (UTC, microseconds).
class SystemClock final : public Clock {
 public:
  [[nodiscard]] Timestamp now() const override;
};

// Random (version 4) UUIDs from OpenSSL's CSPRNG.
class RandomIds final : public IdSource {
 public:
  [[nodiscard]] std::string next_id() override;
};

// A clock that only moves when told to (tests, replays).
class ManualClock final : public Clock {
 public:
  explicit ManualClock(Timestamp start) : now_(start.time_since_epoch().count()) {}
  [[nodiscard]] Timestamp now() const override { return Timestamp{std::chrono::microseconds{now_.load()}}; }
  void set(Timestamp t) { now_ = t.time_since_epoch().count(); }
  void advance(std::chrono::microseconds d) { now_ += d.count(); }

 private:
  std::atomic<std::int64_t> now_;
};

// "<prefix>-1", "<prefix>-2", ... (tests).
class SequentialIds final : public IdSource {
 public:
  explicit SequentialIds(std::string prefix) : prefix_(std::move(prefix)) {}
  [[nodiscard]] std::string next_id() override { return prefix_ + "-" + std::to_string(++n_); }

 private:
  std::string prefix_;
  std::atomic<std::uint64_t> n_{0};
};

}  // namespace ticketd
