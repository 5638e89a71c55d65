#include "eventstore/sha256.h"

#include <openssl/evp.h>

#include <memory>
#include <stdexcept>

namespace ticketd {

std::string sha256_hex(std::initializer_list<std::string_view> parts) {
  struct CtxFree {
    void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
  };
  thread_local std::unique_ptr<EVP_MD_CTX, CtxFree> ctx(EVP_MD_CTX_new());
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) != 1) {
    throw std::runtime_error("sha256: EVP init failed");
  }
  for (std::string_view p : parts) {
    if (EVP_DigestUpdate(ctx.get(), p.data(), p.size()) != 1) {
      throw std::runtime_error("sha256: EVP update failed");
    }
  }
  if (EVP_DigestFinal_ex(ctx.get(), digest, &len) != 1) {
    throw std::runtime_error("sha256: EVP final failed");
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out(len * 2, '0');
  for (unsigned int i = 0; i < len; ++i) {
    out[2 * i] = kHex[digest[i] >> 4];
    out[2 * i + 1] = kHex[digest[i] & 0xf];
  }
  return out;
}

}  // namespace ticketd
