// LogFollower: the one way ticketd follows the log. It reads events in position order,
// in batches, and hands each batch to a handler: the read models, the scheduler's index
// of open tickets and, later, the Kafka relay and notifications all follow the log
// through it.
//
// Contract (tested in log_follower_test.cpp):
//   - position() is the last position the handler accepted (0 before any). A batch holds
//     the events with position > position(), at most Options::batch_events, in order,
//     and only durable ones (EventStore reads see nothing that a crash could undo).
//   - The handler returns Result<void>. Success advances position() to the batch's last
//     event. An error leaves position() where it was and stops the follower: poll() and
//     catch_up() return it; on the thread it is kept in error().
//   - poll() hands at most one batch on the calling thread; catch_up() polls until
//     position() reaches the log's head as of the call. start() does the same on a thread
//     of its own, waiting up to Options::idle_wait for the log to grow when there is
//     nothing new; stop() lets the batch in hand finish (a handler is never interrupted)
//     and joins. poll(), catch_up() and seek() must not run while the thread does.
//   - On the thread, a handler error stops the follower, unless Options::retry_after_error
//     is set: then the error is logged as a warning naming Options::name, and the same
//     batch is handed again after that delay (stop() cuts the wait short). That is how the
//     outboxes and automations follow the log: their failures pass.
//   - seek(p) makes the next batch start after p (a reset, or a checkpoint reloaded).
//   - Restart: a follower constructed at a checkpoint the handler stored together with
//     its effects (in one transaction) neither skips nor repeats an event.
//
// Thread-safety: position() and error() may be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <span>
#include <string>
#include <thread>

#include "eventstore/event_store.h"

namespace ticketd {

class LogFollower {
 public:
  using Handler = std::function<Result<void>(std::span<const EventRecord>)>;

  struct Options {
    std::size_t batch_events = 1024;           // events per batch at most
    std::chrono::milliseconds idle_wait{200};  // the thread's longest wait for new events
    std::optional<std::chrono::milliseconds> retry_after_error = std::nullopt;
    std::string name = "log-follower";  // the thread's name (15 bytes at most are shown), and in log lines
  };

  // Follows `store` (which must outlive this) from after `after_position`.
  LogFollower(const EventStore& store, std::uint64_t after_position, Handler handler, Options options);
  LogFollower(const EventStore& store, std::uint64_t after_position, Handler handler)
      : LogFollower(store, after_position, std::move(handler), Options{}) {}
  ~LogFollower();  // stops and joins
  LogFollower(const LogFollower&) = delete;
  LogFollower& operator=(const LogFollower&) = delete;

  // One batch on the calling thread: how many events the handler accepted (0: none new).
  [[nodiscard]] Result<std::size_t> poll();
  // Batches until position() reaches the head as of the call; returns position().
  [[nodiscard]] Result<std::uint64_t> catch_up();

  void start();
  void stop();
  void seek(std::uint64_t after_position);

  [[nodiscard]] std::uint64_t position() const { return position_.load(); }
  [[nodiscard]] std::optional<Error> error() const;

 private:
  void run();

  const EventStore& store_;
  Handler handler_;
  Options options_;
  std::atomic<std::uint64_t> position_;
  std::atomic<bool> stop_{false};
  std::mutex stop_mu_;  // with stop_cv_: cuts a retry wait short
  std::condition_variable stop_cv_;
  mutable std::mutex error_mu_;
  std::optional<Error> error_;
  std::thread thread_;
};

// How an outbox follows the log: batches of `batch_events`, a wait of at most 100 ms for
// new records, a failed batch logged under `name` and handed again after a second.
[[nodiscard]] inline LogFollower::Options outbox_follower_options(std::string name, std::size_t batch_events = 64) {
  return LogFollower::Options{.batch_events = batch_events,
                              .idle_wait = std::chrono::milliseconds(100),
                              .retry_after_error = std::chrono::seconds(1),
                              .name = std::move(name)};
}

}  // namespace ticketd
