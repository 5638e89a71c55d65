#include "notifications/standard_webhook.h"

#include "base/aead.h"
#include "base/base64.h"
#include "base/hmac.h"

namespace ticketd {

std::optional<std::string> webhook_key(std::string_view secret) {
  if (!secret.starts_with(kWebhookSecretPrefix)) return std::nullopt;
  auto key = base64_decode(secret.substr(kWebhookSecretPrefix.size()));
  if (!key || key->size() < kMinKeyBytes || key->size() > kMaxKeyBytes) return std::nullopt;
  return key;
}

std::string new_webhook_secret() { return std::string(kWebhookSecretPrefix) + base64_encode(random_bytes(24)); }

std::string webhook_signature(std::string_view key, std::string_view id, std::int64_t timestamp,
                              std::string_view body) {
  std::string content;
  content.reserve(id.size() + body.size() + 24);
  content.append(id).append(".").append(std::to_string(timestamp)).append(".").append(body);
  return "v1," + base64_encode(hmac(HmacDigest::sha256, key, content));
}

}  // namespace ticketd
