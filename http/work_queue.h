// A fixed pool of worker threads with a bounded queue. Request handlers block (a
// command waits for its fsync; a query for SQLite), so they run here and not on the
// I/O threads; many workers in flight is what lets appends share one fsync.
// try_push() refuses work beyond `max_queued`, and any work once stop() began (the server
// answers 503). Thread-safe. stop() (and the destructor) finishes queued work, then joins.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

namespace ticketd::http {

class WorkQueue {
 public:
  WorkQueue(unsigned threads, std::size_t max_queued);
  ~WorkQueue();
  WorkQueue(const WorkQueue&) = delete;
  WorkQueue& operator=(const WorkQueue&) = delete;

  [[nodiscard]] bool try_push(std::function<void()> work);
  // Refuses new work, finishes what is queued, joins the workers. Idempotent; must not be
  // called from a worker.
  void stop();
  [[nodiscard]] std::size_t queued() const;

 private:
  void run();

  std::size_t max_queued_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::function<void()>> queue_;
  bool stopping_ = false;
  std::vector<std::thread> threads_;
};

}  // namespace ticketd::http
