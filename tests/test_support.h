// Helpers shared by the tests: temporary directories and event builders.
#pragma once

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>

#include "eventstore/event.h"

namespace ticketd::test {

// A fresh directory under the system temp dir, removed with everything in it on destruction.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    path_ = std::filesystem::temp_directory_path() /
            ("ticketd-test-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  [[nodiscard]] std::string str() const { return path_.string(); }
  [[nodiscard]] std::string sub(const std::string& name) const { return (path_ / name).string(); }

 private:
  std::filesystem::path path_;
};

// An event with the given id and a small JSON payload.
inline NewEvent make_event(std::string id, std::string type = "ticket.commented",
                           std::string data = R"({"body":"hello"})") {
  NewEvent e;
  e.event_id = std::move(id);
  e.type = std::move(type);
  e.time = Timestamp{std::chrono::microseconds{1'790'000'000'000'000}};
  e.actor = Actor{"u-1", "agent", "acme"};
  e.correlation_id = "corr-1";
  e.data = std::move(data);
  return e;
}

// Retries `check` (read models, followers and relays are eventually consistent) for up to `limit`.
template <class F>
bool eventually(F&& check, std::chrono::milliseconds limit = std::chrono::milliseconds(10000)) {
  const auto deadline = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < deadline) {
    if (check()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return check();
}

}  // namespace ticketd::test
