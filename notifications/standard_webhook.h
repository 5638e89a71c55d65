// Standard Webhooks (https://www.standardwebhooks.com): the secrets and signatures of
// outgoing webhooks, so receivers verify them with that specification's libraries.
//   secret     "whsec_" + base64 of the key bytes (kMinKeyBytes..kMaxKeyBytes)
//   headers    webhook-id (the same on every attempt), webhook-timestamp (seconds since the
//              epoch, of this attempt), webhook-signature "v1,<base64 HMAC-SHA256(key,
//              "<id>.<timestamp>.<body>")>"
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace ticketd {

inline constexpr std::string_view kWebhookSecretPrefix = "whsec_";
inline constexpr std::size_t kMinKeyBytes = 24, kMaxKeyBytes = 64;

// The key bytes of `secret`, or nullopt when it is not "whsec_" and padded base64 of
// kMinKeyBytes to kMaxKeyBytes bytes.
[[nodiscard]] std::optional<std::string> webhook_key(std::string_view secret);

// A new secret of 24 random bytes (OpenSSL's CSPRNG).
[[nodiscard]] std::string new_webhook_secret();

// The webhook-signature header's value for one attempt.
[[nodiscard]] std::string webhook_signature(std::string_view key, std::string_view id, std::int64_t timestamp,
                                            std::string_view body);

}  // namespace ticketd
