// A follower's client of its leader's GET /api/v1/replication/keys (http/replication_routes.cpp):
// plain HTTP/1.1 over Boost.Beast with a timeout, the replication secret as bearer. The
// answer's keys are checked (32 bytes, the ids asked for) before they are returned.
// docs/replication.md: the keys travel in clear unless the leader is reached through TLS
// (a proxy) or a private network. Thread-compatible (one caller: the replica's thread).
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include "base/error.h"
#include "replication/log_replica.h"

namespace ticketd {

class LeaderKeysClient {
 public:
  // `leader_url` "http://host:port" (https is refused: put a TLS proxy beside the follower).
  [[nodiscard]] static Result<LeaderKeysClient> make(const std::string& leader_url, std::string secret,
                                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

  // The keys of `ids` the leader still has; Errc::unavailable when it cannot be reached or
  // answers other than 200.
  [[nodiscard]] Result<std::vector<FetchedKey>> fetch(const std::vector<std::string>& ids) const;

 private:
  LeaderKeysClient(std::string host, std::string port, std::string secret, std::chrono::milliseconds timeout)
      : host_(std::move(host)), port_(std::move(port)), secret_(std::move(secret)), timeout_(timeout) {}
  std::string host_;
  std::string port_;
  std::string secret_;
  std::chrono::milliseconds timeout_;
};

}  // namespace ticketd
