// Bytes of uploads in flight (being received, scanned or stored), per principal and in all:
// an upload is admitted only while both stay within their limits, and holds its share until
// its lease is released. Thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

namespace ticketd::http {

struct UploadLimits {
  std::uint64_t per_principal_bytes = 64ull * 1024 * 1024;  // beyond: 429
  std::uint64_t total_bytes = 256ull * 1024 * 1024;         // beyond: 503
};

class UploadQuota {
 public:
  enum class Refusal { none, principal, total };

  explicit UploadQuota(UploadLimits limits) : limits_(limits) {}

  // Reserves `bytes` for `principal`; the lease gives them back when destroyed. nullptr
  // and the reason when over a limit.
  [[nodiscard]] std::shared_ptr<void> reserve(const std::string& principal, std::uint64_t bytes, Refusal& why);

  [[nodiscard]] std::uint64_t in_flight() const;

 private:
  void release(const std::string& principal, std::uint64_t bytes);

  UploadLimits limits_;
  mutable std::mutex mu_;
  std::uint64_t total_ = 0;
  std::unordered_map<std::string, std::uint64_t> per_principal_;  // only principals with bytes in flight
};

}  // namespace ticketd::http
