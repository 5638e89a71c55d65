// AES-256-GCM through OpenSSL's EVP interface: the authenticated encryption that seals a
// data subject's personal fields under that subject's key (docs/privacy.md).
//
// Contract: a key is kAeadKeyBytes random bytes (random_bytes()); every seal draws a fresh
// kAeadNonceBytes nonce from OpenSSL's CSPRNG, so one key seals any number of values
// (2^32 per key keeps the nonce-collision risk below 2^-32; a subject never comes near).
// The additional data (`aad`) is authenticated, not encrypted: callers bind a sealed value
// to where it belongs (its field), so a ciphertext moved elsewhere does not open.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "base/error.h"

namespace ticketd {

inline constexpr std::size_t kAeadKeyBytes = 32;
inline constexpr std::size_t kAeadNonceBytes = 12;
inline constexpr std::size_t kAeadTagBytes = 16;

// One sealed value; all three are raw bytes.
struct Sealed {
  std::string nonce;       // kAeadNonceBytes
  std::string ciphertext;  // as long as the plaintext
  std::string tag;         // kAeadTagBytes
  friend bool operator==(const Sealed&, const Sealed&) = default;
};

// `n` bytes from OpenSSL's CSPRNG. Throws std::runtime_error when it cannot deliver (the
// process cannot seal safely then).
[[nodiscard]] std::string random_bytes(std::size_t n);

// Encrypts `plaintext` under `key`. Errc::validation when the key is not kAeadKeyBytes long.
[[nodiscard]] Result<Sealed> aead_seal(std::string_view key, std::string_view aad, std::string_view plaintext);

// The plaintext of `sealed`, or Errc::validation when the key or nonce has the wrong size,
// or Errc::conflict when the tag does not verify (another key, other aad, altered bytes).
[[nodiscard]] Result<std::string> aead_open(std::string_view key, std::string_view aad, const Sealed& sealed);

}  // namespace ticketd
