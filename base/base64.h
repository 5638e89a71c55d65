// Base64 (RFC 4648, standard alphabet, padded) through OpenSSL's EVP_EncodeBlock and
// EVP_DecodeBlock: how sealed fields carry their raw nonce, ciphertext and tag in JSON.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace ticketd {

[[nodiscard]] std::string base64_encode(std::string_view bytes);
// nullopt when `text` is not padded standard base64 (length not a multiple of 4, or a
// character outside the alphabet).
[[nodiscard]] std::optional<std::string> base64_decode(std::string_view text);

}  // namespace ticketd
