#pragma once
// Cryptographic primitives over OpenSSL, shared by the audit store and the key store: SHA-256,
// HMAC-SHA256, AES-256-GCM and the system CSPRNG. Keys are 32 bytes.

#include "core/bytes.h"
#include "core/result.h"

namespace citadel {

inline constexpr size_t kKeyBytes = 32;
inline constexpr size_t kGcmNonceBytes = 12;
inline constexpr size_t kGcmTagBytes = 16;

// A 32-byte key that wipes itself when it goes away, so copies do not linger in freed memory.
class SecretKey {
 public:
  SecretKey() = default;
  explicit SecretKey(ByteSpan bytes);
  SecretKey(const SecretKey& other) : SecretKey(other.bytes()) {}
  SecretKey& operator=(const SecretKey& other);
  ~SecretKey();
  ByteSpan bytes() const { return bytes_; }

 private:
  std::array<uint8_t, kKeyBytes> bytes_{};
};

Digest Sha256(ByteSpan data);
// SHA-256 over two pieces without concatenating them: the chain hashes prev_hash || canonical.
Digest Sha256(ByteSpan first, ByteSpan second);
Digest HmacSha256(const SecretKey& key, ByteSpan data);
// Compares in time independent of where the inputs differ.
bool ConstantTimeEqual(ByteSpan a, ByteSpan b);

Result<Bytes> RandomBytes(size_t n);
Result<SecretKey> RandomKey();

// Returns nonce || ciphertext || tag with a fresh random nonce; `aad` is authenticated, not stored.
Result<Bytes> SealGcm(const SecretKey& key, ByteSpan plaintext, ByteSpan aad);
// Fails when the key, the aad or any byte of `sealed` is not what SealGcm used.
Result<Bytes> OpenGcm(const SecretKey& key, ByteSpan sealed, ByteSpan aad);

}  // namespace citadel
