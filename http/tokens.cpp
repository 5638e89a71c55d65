#include "http/tokens.h"

#include <jwt.h>
#include <simdjson.h>

#include <cerrno>
#include <memory>
#include <optional>

namespace ticketd::http {

namespace {

struct JwtFree {
  void operator()(jwt_t* j) const { jwt_free(j); }
};
using JwtPtr = std::unique_ptr<jwt_t, JwtFree>;

JwtPtr decode(const std::string& token, const std::string& key, jwt_alg_t expected) {
  jwt_t* raw = nullptr;
  if (jwt_decode(&raw, token.c_str(), reinterpret_cast<const unsigned char*>(key.data()),
                 static_cast<int>(key.size())) != 0) {
    return nullptr;
  }
  JwtPtr j(raw);
  if (jwt_get_alg(j.get()) != expected) return nullptr;
  return j;
}

std::string grant(jwt_t* j, const char* name) {
  const char* v = jwt_get_grant(j, name);
  return v == nullptr ? std::string() : std::string(v);
}

// An integer claim when present; nullopt when absent (a claim of another type is absent).
std::optional<long> int_grant(jwt_t* j, const char* name) {
  errno = 0;
  const long v = jwt_get_grant_int(j, name);
  if (errno != 0) return std::nullopt;
  return v;
}

// Whether `aud` is `audience` or an array holding it (RFC 7519 4.1.3).
bool has_audience(jwt_t* j, const std::string& audience) {
  if (grant(j, "aud") == audience) return true;
  char* json = jwt_get_grants_json(j, "aud");
  if (json == nullptr) return false;
  const std::string text(json);
  free(json);  // NOLINT: allocated by libjwt
  simdjson::dom::parser parser;
  simdjson::dom::array list;
  if (parser.parse(text).get_array().get(list) != simdjson::SUCCESS) return false;
  for (auto item : list) {
    std::string_view v;
    if (item.get_string().get(v) == simdjson::SUCCESS && v == audience) return true;
  }
  return false;
}

}  // namespace

Result<Principal> TokenVerifier::verify(std::string_view token_text, Timestamp now) const {
  if (token_text.empty()) return make_error(Errc::forbidden, "a bearer token is required");
  if (token_text.size() > kMaxTokenBytes) return make_error(Errc::forbidden, "the token is too long");
  const std::string token(token_text);
  JwtPtr j;
  if (!keys_.hs256_secret.empty()) j = decode(token, keys_.hs256_secret, JWT_ALG_HS256);
  if (!j && !keys_.rs256_public_pem.empty()) j = decode(token, keys_.rs256_public_pem, JWT_ALG_RS256);
  if (!j) return make_error(Errc::forbidden, "the token is malformed or its signature does not verify");

  errno = 0;
  const long exp = jwt_get_grant_int(j.get(), "exp");
  if (errno != 0 || exp <= 0) return make_error(Errc::forbidden, "the token has no exp claim");
  const long now_s =
      static_cast<long>(std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count());
  const long leeway = static_cast<long>(policy_.leeway.count());
  if (now_s >= exp + leeway) return make_error(Errc::forbidden, "the token has expired");
  if (auto nbf = int_grant(j.get(), "nbf"); nbf && now_s + leeway < *nbf) {
    return make_error(Errc::forbidden, "the token is not valid yet (nbf)");
  }
  if (auto iat = int_grant(j.get(), "iat"); iat && *iat > now_s + leeway) {
    return make_error(Errc::forbidden, "the token was issued in the future (iat)");
  }
  if (!policy_.issuer.empty() && grant(j.get(), "iss") != policy_.issuer) {
    return make_error(Errc::forbidden, "the token's issuer (iss) is not accepted");
  }
  if (!policy_.audience.empty() && !has_audience(j.get(), policy_.audience)) {
    return make_error(Errc::forbidden, "the token is not meant for this service (aud)");
  }

  Principal p;
  p.sub = grant(j.get(), "sub");
  p.tenant = grant(j.get(), "tenant");
  const auto role = parse_role(grant(j.get(), "role"));
  p.name = grant(j.get(), "name");
  p.email = grant(j.get(), "email");
  if (p.sub.empty() || p.tenant.empty() || !role) {  // parse_role never yields system
    return make_error(Errc::forbidden, "the token lacks sub, tenant or a known role");
  }
  if (p.sub.size() > 200 || p.tenant.size() > 200) return make_error(Errc::forbidden, "sub or tenant too long");
  p.role = *role;
  return p;
}

Result<std::string> mint_hs256(const std::string& secret, const Principal& who, Timestamp now,
                               std::chrono::seconds ttl) {
  if (secret.empty()) return make_error(Errc::validation, "a secret is required");
  jwt_t* raw = nullptr;
  if (jwt_new(&raw) != 0) return make_error(Errc::internal, "jwt_new failed");
  JwtPtr j(raw);
  const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  int rc = jwt_add_grant(j.get(), "sub", who.sub.c_str());
  rc |= jwt_add_grant(j.get(), "tenant", who.tenant.c_str());
  rc |= jwt_add_grant(j.get(), "role", role_name(who.role));
  if (!who.name.empty()) rc |= jwt_add_grant(j.get(), "name", who.name.c_str());
  if (!who.email.empty()) rc |= jwt_add_grant(j.get(), "email", who.email.c_str());
  rc |= jwt_add_grant_int(j.get(), "iat", static_cast<long>(now_s));
  rc |= jwt_add_grant_int(j.get(), "exp", static_cast<long>(now_s + ttl.count()));
  rc |= jwt_set_alg(j.get(), JWT_ALG_HS256, reinterpret_cast<const unsigned char*>(secret.data()),
                    static_cast<int>(secret.size()));
  if (rc != 0) return make_error(Errc::internal, "cannot build the token");
  char* text = jwt_encode_str(j.get());
  if (text == nullptr) return make_error(Errc::internal, "cannot sign the token");
  std::string out(text);
  free(text);  // NOLINT: allocated by libjwt
  return out;
}

}  // namespace ticketd::http
