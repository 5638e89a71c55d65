#include "eventstore/log_follower.h"

#include <pthread.h>
#include <spdlog/spdlog.h>

namespace ticketd {

LogFollower::LogFollower(const EventStore& store, std::uint64_t after_position, Handler handler, Options options)
    : store_(store), handler_(std::move(handler)), options_(options), position_(after_position) {}

LogFollower::~LogFollower() { stop(); }

Result<std::size_t> LogFollower::poll() {
  auto batch = store_.read_all(position_.load(), options_.batch_events);
  if (!batch) return std::unexpected(batch.error());
  if (batch->empty()) return std::size_t{0};
  if (auto handled = handler_(std::span<const EventRecord>(*batch)); !handled) {
    return std::unexpected(handled.error());
  }
  position_ = batch->back().position;
  return batch->size();
}

Result<std::uint64_t> LogFollower::catch_up() {
  const std::uint64_t head = store_.head().position;
  while (position_.load() < head) {
    auto n = poll();
    if (!n) return std::unexpected(n.error());
    if (*n == 0) break;
  }
  return position_.load();
}

void LogFollower::start() {
  stop();
  stop_ = false;
  thread_ = std::thread([this] { run(); });
  pthread_setname_np(thread_.native_handle(), options_.name.substr(0, 15).c_str());
}

void LogFollower::stop() {
  {
    std::lock_guard lock(stop_mu_);
    stop_ = true;
  }
  stop_cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void LogFollower::seek(std::uint64_t after_position) { position_ = after_position; }

std::optional<Error> LogFollower::error() const {
  std::lock_guard lock(error_mu_);
  return error_;
}

void LogFollower::run() {
  while (!stop_) {
    auto n = poll();
    if (!n) {
      if (!options_.retry_after_error) {
        std::lock_guard lock(error_mu_);
        error_ = n.error();
        return;
      }
      if (stop_) return;
      spdlog::warn("{}: {}; trying again", options_.name, n.error().message);
      std::unique_lock lock(stop_mu_);
      stop_cv_.wait_for(lock, *options_.retry_after_error, [&] { return stop_.load(); });
      continue;
    }
    if (*n == 0) (void)store_.wait_beyond(position_.load(), options_.idle_wait);
  }
}

}  // namespace ticketd
