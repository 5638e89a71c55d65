#include "base/aead.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <climits>
#include <memory>
#include <stdexcept>

namespace ticketd {

namespace {

struct CtxFree {
  void operator()(EVP_CIPHER_CTX* c) const { EVP_CIPHER_CTX_free(c); }
};
using Ctx = std::unique_ptr<EVP_CIPHER_CTX, CtxFree>;

const unsigned char* bytes(std::string_view s) { return reinterpret_cast<const unsigned char*>(s.data()); }
unsigned char* bytes(std::string& s) { return reinterpret_cast<unsigned char*>(s.data()); }

// OpenSSL takes lengths as int: values past INT_MAX are refused, not truncated.
bool fits(std::string_view s) { return s.size() <= static_cast<std::size_t>(INT_MAX); }

// AES-256-GCM fetched from the default provider once (kept for the process's life): with
// EVP_aes_256_gcm(), OpenSSL 3 looks the implementation up again on every init.
const EVP_CIPHER* aes_256_gcm() {
  static const EVP_CIPHER* const cipher = [] {
    const EVP_CIPHER* fetched = EVP_CIPHER_fetch(nullptr, "AES-256-GCM", nullptr);
    return fetched != nullptr ? fetched : EVP_aes_256_gcm();
  }();
  return cipher;
}

// One cipher context per thread, reset before each use instead of allocated per value.
EVP_CIPHER_CTX* thread_ctx() {
  thread_local Ctx ctx(EVP_CIPHER_CTX_new());
  if (!ctx || EVP_CIPHER_CTX_reset(ctx.get()) != 1) return nullptr;
  return ctx.get();
}

}  // namespace

std::string random_bytes(std::size_t n) {
  std::string out(n, '\0');
  if (n > static_cast<std::size_t>(INT_MAX) || RAND_bytes(bytes(out), static_cast<int>(n)) != 1) {
    throw std::runtime_error("random_bytes: OpenSSL RAND_bytes failed");
  }
  return out;
}

Result<Sealed> aead_seal(std::string_view key, std::string_view aad, std::string_view plaintext) {
  if (key.size() != kAeadKeyBytes) return make_error(Errc::validation, "aead: the key must be 32 bytes");
  if (!fits(aad) || !fits(plaintext)) return make_error(Errc::too_large, "aead: value too large");
  Sealed out;
  out.nonce = random_bytes(kAeadNonceBytes);
  out.ciphertext.resize(plaintext.size());
  out.tag.resize(kAeadTagBytes);
  EVP_CIPHER_CTX* ctx = thread_ctx();
  int len = 0;
  if (!ctx || EVP_EncryptInit_ex(ctx, aes_256_gcm(), nullptr, bytes(key), bytes(out.nonce)) != 1 ||
      EVP_EncryptUpdate(ctx, nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_EncryptUpdate(ctx, bytes(out.ciphertext), &len, bytes(plaintext), static_cast<int>(plaintext.size())) != 1 ||
      EVP_EncryptFinal_ex(ctx, bytes(out.ciphertext) + len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_GET_TAG, static_cast<int>(kAeadTagBytes), bytes(out.tag)) != 1) {
    return make_error(Errc::internal, "aead: OpenSSL encryption failed");
  }
  return out;
}

Result<std::string> aead_open(std::string_view key, std::string_view aad, const Sealed& sealed) {
  if (key.size() != kAeadKeyBytes) return make_error(Errc::validation, "aead: the key must be 32 bytes");
  if (sealed.nonce.size() != kAeadNonceBytes || sealed.tag.size() != kAeadTagBytes) {
    return make_error(Errc::validation, "aead: bad nonce or tag size");
  }
  if (!fits(aad) || !fits(sealed.ciphertext)) return make_error(Errc::too_large, "aead: value too large");
  std::string plaintext(sealed.ciphertext.size(), '\0');
  std::string tag = sealed.tag;  // EVP_CTRL_GCM_SET_TAG takes a non-const pointer
  EVP_CIPHER_CTX* ctx = thread_ctx();
  int len = 0;
  if (!ctx || EVP_DecryptInit_ex(ctx, aes_256_gcm(), nullptr, bytes(key), bytes(sealed.nonce)) != 1 ||
      EVP_DecryptUpdate(ctx, nullptr, &len, bytes(aad), static_cast<int>(aad.size())) != 1 ||
      EVP_DecryptUpdate(ctx, bytes(plaintext), &len, bytes(sealed.ciphertext),
                        static_cast<int>(sealed.ciphertext.size())) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_GCM_SET_TAG, static_cast<int>(kAeadTagBytes), bytes(tag)) != 1) {
    return make_error(Errc::internal, "aead: OpenSSL decryption failed");
  }
  if (EVP_DecryptFinal_ex(ctx, bytes(plaintext) + len, &len) != 1) {
    return make_error(Errc::conflict, "aead: the tag does not verify");
  }
  return plaintext;
}

}  // namespace ticketd
