// Bearer tokens: whatever the bytes, the verifier (libjwt underneath) answers without
// crashing, leaking or hanging, and never accepts the system role from a token.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "base/timestamp.h"
#include "http/tokens.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace ticketd;
  static const http::TokenVerifier verifier(http::TokenKeys{"fuzzing-secret-fuzzing-secret-fuzzing-secret", ""});
  static const Timestamp now = *parse_rfc3339("2026-11-20T08:00:00Z");
  const std::string_view token(reinterpret_cast<const char*>(data), size);
  auto who = verifier.verify(token, now);
  if (who && who->role == Role::system) std::abort();
  return 0;
}
