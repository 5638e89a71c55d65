// What the HTTP API asks of e-mail notifications (notifications/ implements it; http/ does
// not depend on notifications/): a user's opt-out, the messages given up on, and the
// counters for /metrics. docs/notifications.md, "E-mail", is the contract. Implementations
// are thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "base/error.h"

namespace ticketd::http {

// A message the e-mail outbox gave up on.
struct EmailDeadLetterView {
  std::uint64_t id = 0;
  std::string recipient;       // the user's sub (never an address)
  std::uint64_t position = 0;  // the log record the message is about
  std::string error;
  std::uint64_t attempts = 0;
  std::string at;
};

class EmailPort {
 public:
  static constexpr std::size_t kMaxDeadLettersShown = 500;
  virtual ~EmailPort() = default;
  // Whether `sub` of `tenant` receives e-mail notifications (true unless they opted out).
  [[nodiscard]] virtual Result<bool> email_enabled(const std::string& tenant, const std::string& sub) = 0;
  [[nodiscard]] virtual Result<void> set_email_enabled(const std::string& tenant, const std::string& sub,
                                                       bool enabled) = 0;
  // Oldest first, at most kMaxDeadLettersShown.
  [[nodiscard]] virtual Result<std::vector<EmailDeadLetterView>> dead_letters(const std::string& tenant) = 0;
  // Sends one again: true when the server accepted it (and the letter is gone), false when
  // it failed again; Errc::not_found for no such letter of the tenant.
  [[nodiscard]] virtual Result<bool> retry_dead_letter(const std::string& tenant, std::uint64_t id) = 0;
  // Prometheus text lines (HELP, TYPE and samples) appended to /metrics.
  virtual void render_metrics(std::string& out) const = 0;
};

}  // namespace ticketd::http
