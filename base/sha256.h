// SHA-256 through OpenSSL's EVP interface, as lowercase hex.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>

namespace ticketd {

// SHA-256 over the concatenation of `parts`, as 64 lowercase hex digits.
[[nodiscard]] std::string sha256_hex(std::initializer_list<std::string_view> parts);

// Incremental SHA-256 for data that arrives in pieces (streamed uploads).
// Not thread-safe; one per stream of data.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;
  void update(std::string_view bytes);
  // The digest as 64 lowercase hex digits; the object is spent afterwards.
  [[nodiscard]] std::string hex_digest();

 private:
  void* ctx_;  // EVP_MD_CTX
};

}  // namespace ticketd
