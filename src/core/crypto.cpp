#include "core/crypto.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include <climits>
#include <cstring>
#include <memory>

namespace citadel {
namespace {

struct CipherCtxFree {
  void operator()(EVP_CIPHER_CTX* ctx) const { EVP_CIPHER_CTX_free(ctx); }
};
using CipherCtx = std::unique_ptr<EVP_CIPHER_CTX, CipherCtxFree>;

struct MdCtxFree {
  void operator()(EVP_MD_CTX* ctx) const { EVP_MD_CTX_free(ctx); }
};
using MdCtx = std::unique_ptr<EVP_MD_CTX, MdCtxFree>;

// EVP takes int lengths; our inputs are far below this, but a bad caller must not wrap around.
bool FitsInt(size_t n) { return n <= static_cast<size_t>(INT_MAX); }

}  // namespace

std::string ToHex(ByteSpan bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(bytes.size() * 2, '0');
  for (size_t i = 0; i < bytes.size(); ++i) {
    out[2 * i] = kDigits[bytes[i] >> 4];
    out[2 * i + 1] = kDigits[bytes[i] & 15];
  }
  return out;
}

SecretKey::SecretKey(ByteSpan bytes) {
  CITADEL_CHECK(bytes.size() == kKeyBytes);
  std::memcpy(bytes_.data(), bytes.data(), kKeyBytes);
}

SecretKey& SecretKey::operator=(const SecretKey& other) {
  bytes_ = other.bytes_;
  return *this;
}

SecretKey::~SecretKey() { OPENSSL_cleanse(bytes_.data(), bytes_.size()); }

Digest Sha256(ByteSpan data) { return Sha256(data, {}); }

Digest Sha256(ByteSpan first, ByteSpan second) {
  MdCtx ctx(EVP_MD_CTX_new());
  Digest out{};
  unsigned int len = 0;
  const bool ok = ctx && EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr) == 1 &&
                  EVP_DigestUpdate(ctx.get(), first.data(), first.size()) == 1 &&
                  EVP_DigestUpdate(ctx.get(), second.data(), second.size()) == 1 &&
                  EVP_DigestFinal_ex(ctx.get(), out.data(), &len) == 1;
  // SHA-256 cannot fail on valid arguments; failing here means OpenSSL itself is broken.
  CITADEL_CHECK_MSG(ok && len == kDigestBytes, "SHA-256 failed");
  return out;
}

Digest HmacSha256(const SecretKey& key, ByteSpan data) {
  Digest out{};
  unsigned int len = 0;
  const uint8_t* r = HMAC(EVP_sha256(), key.bytes().data(), static_cast<int>(key.bytes().size()), data.data(),
                          data.size(), out.data(), &len);
  CITADEL_CHECK_MSG(r != nullptr && len == kDigestBytes, "HMAC-SHA256 failed");
  return out;
}

bool ConstantTimeEqual(ByteSpan a, ByteSpan b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Result<Bytes> RandomBytes(size_t n) {
  Bytes out(n);
  if (!FitsInt(n) || RAND_bytes(out.data(), static_cast<int>(n)) != 1) return Err("the system CSPRNG failed");
  return out;
}

Result<SecretKey> RandomKey() {
  CITADEL_ASSIGN_OR_RETURN(Bytes bytes, RandomBytes(kKeyBytes));
  SecretKey key(bytes);
  OPENSSL_cleanse(bytes.data(), bytes.size());
  return key;
}

Result<Bytes> SealGcm(const SecretKey& key, ByteSpan plaintext, ByteSpan aad) {
  if (!FitsInt(plaintext.size()) || !FitsInt(aad.size())) return Err("AES-GCM input too large");
  CITADEL_ASSIGN_OR_RETURN(Bytes out, RandomBytes(kGcmNonceBytes));
  out.resize(kGcmNonceBytes + plaintext.size() + kGcmTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0, tail = 0;
  const bool ok =
      ctx && EVP_EncryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(), out.data()) == 1 &&
      EVP_EncryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
      EVP_EncryptUpdate(ctx.get(), out.data() + kGcmNonceBytes, &len, plaintext.data(),
                        static_cast<int>(plaintext.size())) == 1 &&
      EVP_EncryptFinal_ex(ctx.get(), out.data() + kGcmNonceBytes + len, &tail) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_GET_TAG, kGcmTagBytes,
                          out.data() + kGcmNonceBytes + plaintext.size()) == 1;
  if (!ok) return Err("AES-256-GCM encryption failed");
  return out;
}

Result<Bytes> OpenGcm(const SecretKey& key, ByteSpan sealed, ByteSpan aad) {
  if (sealed.size() < kGcmNonceBytes + kGcmTagBytes) return Err("sealed content is truncated");
  if (!FitsInt(sealed.size()) || !FitsInt(aad.size())) return Err("AES-GCM input too large");
  const size_t n = sealed.size() - kGcmNonceBytes - kGcmTagBytes;
  Bytes out(n);
  // GCM's tag check reads the expected tag through a non-const pointer.
  std::array<uint8_t, kGcmTagBytes> tag{};
  std::memcpy(tag.data(), sealed.data() + kGcmNonceBytes + n, kGcmTagBytes);
  CipherCtx ctx(EVP_CIPHER_CTX_new());
  int len = 0, tail = 0;
  const bool ok =
      ctx && EVP_DecryptInit_ex(ctx.get(), EVP_aes_256_gcm(), nullptr, key.bytes().data(), sealed.data()) == 1 &&
      EVP_DecryptUpdate(ctx.get(), nullptr, &len, aad.data(), static_cast<int>(aad.size())) == 1 &&
      EVP_DecryptUpdate(ctx.get(), out.data(), &len, sealed.data() + kGcmNonceBytes, static_cast<int>(n)) == 1 &&
      EVP_CIPHER_CTX_ctrl(ctx.get(), EVP_CTRL_GCM_SET_TAG, kGcmTagBytes, tag.data()) == 1 &&
      EVP_DecryptFinal_ex(ctx.get(), out.data() + len, &tail) == 1;
  if (!ok) {
    OPENSSL_cleanse(out.data(), out.size());
    return Err("AES-256-GCM authentication failed (wrong key or altered ciphertext)");
  }
  return out;
}

}  // namespace citadel
