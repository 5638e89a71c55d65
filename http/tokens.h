// Bearer tokens (JWT) through libjwt: HS256 with a shared secret, RS256 with a PEM public
// key of an external identity provider. Claims: sub, tenant, role, exp (required), name,
// email (optional). A token is accepted only with the algorithm of the key that verified
// it (no "none", no HS256 signed with the public key), only before `exp`, not before `nbf`
// and not with an `iat` in the future (each with TokenPolicy::leeway for clock skew), and,
// when the policy names them, only with that `iss` and an `aud` (string or array) holding
// that audience.
//
// Thread-safe: verify() keeps no state between calls.
#pragma once

#include <chrono>
#include <string>

#include "base/error.h"
#include "base/timestamp.h"
#include "domain/principal.h"

namespace ticketd::http {

struct TokenKeys {
  std::string hs256_secret;      // "" = HS256 off
  std::string rs256_public_pem;  // "" = RS256 off (the PEM text, not a path)
};

struct TokenPolicy {
  std::string issuer;               // "" = iss not checked
  std::string audience;             // "" = aud not checked
  std::chrono::seconds leeway{30};  // clock skew allowed on exp, nbf and iat
  static constexpr std::chrono::seconds kMaxLeeway{300};
};

class TokenVerifier {
 public:
  static constexpr std::size_t kMaxTokenBytes = 8192;

  explicit TokenVerifier(TokenKeys keys, TokenPolicy policy = {})
      : keys_(std::move(keys)), policy_(std::move(policy)) {}

  // The principal a valid token names; Errc::forbidden (HTTP answers 401) with a reason
  // for a missing, malformed, tampered, expired or incomplete token.
  [[nodiscard]] Result<Principal> verify(std::string_view token, Timestamp now) const;

 private:
  TokenKeys keys_;
  TokenPolicy policy_;
};

// An HS256 token for `who`, valid for `ttl` from `now` (ticketctl token, --demo, tests).
[[nodiscard]] Result<std::string> mint_hs256(const std::string& secret, const Principal& who, Timestamp now,
                                             std::chrono::seconds ttl);

}  // namespace ticketd::http
