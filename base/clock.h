// The Clock port: the only way ticketd code reads the time, so command handling, the
// scheduler and tests are deterministic. Implementations are thread-safe: handlers call
// them from many threads.
#pragma once

#include <atomic>
#include <cstdint>

#include "base/timestamp.h"

namespace ticketd {

class Clock {
 public:
  virtual ~Clock() = default;
  [[nodiscard]] virtual Timestamp now() const = 0;
};

// The system clock (UTC, microseconds).
class SystemClock final : public Clock {
 public:
  [[nodiscard]] Timestamp now() const override;
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

}  // namespace ticketd
