// The IdSource port: where event, ticket and comment ids come from, so tests can make
// them predictable. Implementations are thread-safe.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>

namespace ticketd {

class IdSource {
 public:
  virtual ~IdSource() = default;
  // A new identifier: URL-safe, unique, opaque (e.g. a UUID).
  [[nodiscard]] virtual std::string next_id() = 0;
};

// Random (version 4) UUIDs from OpenSSL's CSPRNG.
class RandomIds final : public IdSource {
 public:
  [[nodiscard]] std::string next_id() override;
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
