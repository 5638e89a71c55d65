// drain_queues: the one way the outboxes run calls to other systems at once. Each queue's
// items go one at a time, in order; at most `limit` queues run at once (on helper threads
// and the caller's). The first error stops it (no further queue is started) and is
// returned once the running ones have finished.
#pragma once

#include <algorithm>
#include <atomic>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "base/error.h"

namespace ticketd {

// fn(const Item&) -> Result<T> (any T).
template <class Item, class Fn>
Result<void> drain_queues(const std::vector<std::vector<Item>>& queues, std::size_t limit, Fn fn) {
  std::atomic<std::size_t> next{0};
  std::mutex failed_mu;
  std::optional<Error> failed;
  auto work = [&] {
    for (std::size_t i = next.fetch_add(1); i < queues.size(); i = next.fetch_add(1)) {
      for (const Item& item : queues[i]) {
        if (auto done = fn(item); !done) {
          std::lock_guard lock(failed_mu);
          if (!failed) failed = done.error();
          next.store(queues.size());  // take no further queue
          return;
        }
      }
    }
  };
  std::vector<std::thread> helpers;
  for (std::size_t n = 1; n < std::min(std::max<std::size_t>(limit, 1), queues.size()); ++n) helpers.emplace_back(work);
  work();
  for (auto& t : helpers) t.join();
  if (failed) return std::unexpected(*failed);
  return {};
}

}  // namespace ticketd
