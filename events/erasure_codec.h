// `privacy.erased` records (stream "privacy:<subject>"): a data subject's keys were
// destroyed. The record names the subject (a pseudonymous `sub`) and the destroyed key
// ids, never personal data. Read models rewrite what they hold of the subject when they
// apply it; `ticketctl restore-keys` destroys those keys again in a restored key store.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "base/error.h"

namespace ticketd {

inline constexpr const char* kPrivacyErased = "privacy.erased";

struct ErasureRecord {
  std::string subject;
  std::vector<std::string> key_ids;
};

[[nodiscard]] std::string encode_erasure(const ErasureRecord& r);
// Errc::internal when `data` does not match the schema.
[[nodiscard]] Result<ErasureRecord> decode_erasure(std::string_view data);

}  // namespace ticketd
