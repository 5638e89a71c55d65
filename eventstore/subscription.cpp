#include "eventstore/subscription.h"

namespace ticketd {

Subscription::Subscription(const EventStore& store, std::uint64_t after_position, Handler handler)
    : store_(store), handler_(std::move(handler)), position_(after_position) {
  thread_ = std::thread([this] { run(); });
}

Subscription::~Subscription() { stop(); }

void Subscription::stop() {
  stop_ = true;
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
}

std::optional<Error> Subscription::error() const {
  std::lock_guard lock(error_mu_);
  return error_;
}

void Subscription::run() {
  while (!stop_) {
    auto batch = store_.read_all(position_.load(), kBatchEvents);
    if (!batch) {
      std::lock_guard lock(error_mu_);
      error_ = batch.error();
      return;
    }
    if (batch->empty()) {
      (void)store_.wait_beyond(position_.load(), kPollInterval);
      continue;
    }
    const std::uint64_t last = batch->back().position;
    if (!handler_(std::span<const EventRecord>(*batch))) return;
    position_ = last;
  }
}

}  // namespace ticketd
