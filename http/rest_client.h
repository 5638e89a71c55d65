// RestClient: one HTTP(S) request to an external system's REST API, with a deadline for
// the whole exchange (Beast; TLS through OpenSSL with the system's CA paths and SNI). Beast
// and Asio headers stay in rest_client.cpp. Thread-safe (each call is its own connection).
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/error.h"

namespace ticketd {

struct RestRequest {
  std::string method;  // "GET", "POST", "PUT"
  std::string url;     // http:// or https://, with path and query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent as application/json when not empty
};

struct RestResponse {
  int status = 0;
  std::string body;
  std::optional<std::chrono::seconds> retry_after;  // Retry-After in seconds, when sent

  // 429 and 5xx: the system may take the same call later (the adapters' one rule).
  [[nodiscard]] bool worth_retrying() const { return status == 429 || status >= 500; }
};

class RestClient {
 public:
  // Answer bodies beyond this are an error (a search page is far below it).
  static constexpr std::size_t kMaxResponseBytes = 8u << 20;

  explicit RestClient(std::chrono::milliseconds timeout) : timeout_(timeout) {}

  // The answer, whatever its status. Errc::validation for a URL that is not http(s);
  // Errc::unavailable when the system cannot be reached or the deadline passes.
  [[nodiscard]] Result<RestResponse> send(const RestRequest& request) const;

 private:
  std::chrono::milliseconds timeout_;
};

}  // namespace ticketd
