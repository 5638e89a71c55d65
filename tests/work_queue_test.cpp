// http/work_queue.h: bounded queue, stop() finishes queued work and then refuses new work
// (ticketd's shutdown relies on the latter: an I/O thread may still push after stop).
#include "http/work_queue.h"

#include <doctest/doctest.h>

#include <atomic>
#include <chrono>
#include <future>
#include <thread>

using namespace ticketd::http;

TEST_CASE("work beyond max_queued is refused while the workers are busy") {
  WorkQueue q(1, 2);
  std::promise<void> release;
  std::shared_future<void> gate = release.get_future().share();
  std::atomic<int> ran{0};
  REQUIRE(q.try_push([gate, &ran] {
    gate.wait();
    ++ran;
  }));
  for (int i = 0; i < 200 && q.queued() != 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  REQUIRE(q.queued() == 0);  // the worker holds the first item
  CHECK(q.try_push([&ran] { ++ran; }));
  CHECK(q.try_push([&ran] { ++ran; }));
  CHECK_FALSE(q.try_push([&ran] { ++ran; }));  // third queued item: over the limit
  release.set_value();
  q.stop();
  CHECK(ran == 3);
}

TEST_CASE("stop() finishes what is queued, then every push is refused, from any thread") {
  WorkQueue q(2, 100);
  std::atomic<int> ran{0};
  for (int i = 0; i < 50; ++i) {
    REQUIRE(q.try_push([&ran] {
      std::this_thread::sleep_for(std::chrono::microseconds(200));
      ++ran;
    }));
  }
  std::atomic<bool> stopped{false};
  std::atomic<int> accepted_after_stop{0};
  std::thread pusher([&] {
    while (!stopped) (void)q.try_push([] {});
    for (int i = 0; i < 1000; ++i) accepted_after_stop += q.try_push([] {}) ? 1 : 0;
  });
  q.stop();
  stopped = true;
  pusher.join();
  CHECK(ran == 50);
  CHECK(accepted_after_stop == 0);
  q.stop();  // idempotent
  CHECK_FALSE(q.try_push([] {}));
}
