// A follower's client of its leader's GET /api/v1/replication/keys (http/replication_routes.cpp):
// http/rest_client.h with a deadline, the replication secret as bearer. The answer's keys
// are checked (32 bytes, the ids asked for) before they are returned. docs/replication.md:
// the keys travel in clear over http://; an https:// leader URL (a TLS proxy in front of the
// leader) is verified against the system's CAs. Thread-compatible (one caller: the
// replica's thread).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/error.h"
#include "http/rest_client.h"
#include "replication/log_replica.h"

namespace ticketd {

class LeaderKeysClient {
 public:
  // `leader_url` "http://host:port" or "https://host:port".
  [[nodiscard]] static Result<LeaderKeysClient> make(const std::string& leader_url, std::string secret,
                                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // The keys of `ids` the leader still has; Errc::unavailable when it cannot be reached or
  // answers other than 200.
  [[nodiscard]] Result<std::vector<FetchedKey>> fetch(const std::vector<std::string>& ids) const;

 private:
  LeaderKeysClient(std::string url, std::string secret, std::chrono::milliseconds timeout)
      : url_(std::move(url)), secret_(std::move(secret)), client_(timeout) {}
  std::string url_;  // the leader's, without a trailing slash
  std::string secret_;
  RestClient client_;
};

}  // namespace ticketd
