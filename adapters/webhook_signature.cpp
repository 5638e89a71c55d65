#include "adapters/webhook_signature.h"

#include "base/hex.h"
#include "base/hmac.h"
#include "base/sha256.h"

namespace ticketd {

namespace {

std::string_view header(const HeaderList& headers, std::string_view name) {
  for (const auto& [n, v] : headers) {
    if (n == name) return v;
  }
  return {};
}

bool hub_signature_valid(std::string_view secret, std::string_view given, std::string_view body) {
  constexpr std::string_view kSha1 = "sha1=", kSha256 = "sha256=";
  if (given.starts_with(kSha256)) {
    return equal_constant_time(given.substr(kSha256.size()), to_hex(hmac(HmacDigest::sha256, secret, body)));
  }
  if (given.starts_with(kSha1)) {
    return equal_constant_time(given.substr(kSha1.size()), to_hex(hmac(HmacDigest::sha1, secret, body)));
  }
  return false;
}

}  // namespace

bool signature_valid(ExternalSystem system, std::string_view secret, const HeaderList& headers, std::string_view body) {
  if (secret.empty()) return false;
  switch (system) {
    case ExternalSystem::jira:
    case ExternalSystem::zammad:
      return hub_signature_valid(secret, header(headers, "x-hub-signature"), body);
    case ExternalSystem::smax:
      return equal_constant_time(header(headers, "x-webhook-secret"), secret);
  }
  return false;
}

std::string delivery_id(const HeaderList& headers, std::string_view body) {
  for (std::string_view name : {"x-zammad-delivery", "x-atlassian-webhook-identifier"}) {
    if (auto id = header(headers, name); !id.empty()) return std::string(id);
  }
  return "sha256:" + sha256_hex({body});
}

}  // namespace ticketd
