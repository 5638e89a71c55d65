// Subscription: delivers every event after a position, in order, exactly once:
// first the events already in the log (catch-up), then new ones as they become
// durable (live). Both phases read the log by position, so the switch between them
// can neither skip nor repeat an event.
//
// The handler runs on the subscription's own thread, one batch at a time; it returns
// false to end the subscription. A storage error ends it too (see error()).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <thread>

#include "eventstore/event_store.h"

namespace ticketd {

class Subscription {
 public:
  using Handler = std::function<bool(std::span<const EventRecord>)>;

  static constexpr std::size_t kBatchEvents = 1024;
  static constexpr std::chrono::milliseconds kPollInterval{200};

  // Starts delivering events with position > after_position. `store` must outlive this.
  Subscription(const EventStore& store, std::uint64_t after_position, Handler handler);
  ~Subscription();  // stops and joins
  Subscription(const Subscription&) = delete;
  Subscription& operator=(const Subscription&) = delete;

  void stop();
  // Last position handed to the handler.
  [[nodiscard]] std::uint64_t position() const { return position_.load(); }
  [[nodiscard]] std::optional<Error> error() const;

 private:
  void run();

  const EventStore& store_;
  Handler handler_;
  std::atomic<std::uint64_t> position_;
  std::atomic<bool> stop_{false};
  mutable std::mutex error_mu_;
  std::optional<Error> error_;
  std::thread thread_;
};

}  // namespace ticketd
