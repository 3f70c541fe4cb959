#pragma once
// JSON Web Keys (RFC 7517) → OpenSSL public keys: RSA (n, e; ≥ 2048 bits), EC P-256/P-384 (x, y)
// and OKP Ed25519 (x). Keys meant for encryption or of other types are refused one by one; a JWKS
// keeps the keys it can use and skips the rest, as identity providers publish both kinds.

#include <nlohmann/json_fwd.hpp>
#include <openssl/types.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace citadel::guard {

enum class KeyFamily { kRsa, kEcP256, kEcP384, kEd25519 };

inline constexpr int kMinRsaBits = 2048;

struct VerificationKey {
  std::string kid;
  KeyFamily family = KeyFamily::kRsa;
  // The JWK's own "alg" when it names one: a token must then use exactly that algorithm.
  std::string alg;
  // Never modified after loading, so many threads may verify with it at once.
  std::shared_ptr<EVP_PKEY> pkey;
};

struct KeySet {
  std::vector<VerificationKey> keys;
  // Entries of the JWKS that were not usable for signatures (encryption keys, unknown types…).
  size_t skipped = 0;

  const VerificationKey* Find(std::string_view kid) const;
};

Result<VerificationKey> ParseJwk(const nlohmann::json& jwk);
// Fails when the document is not a JWKS or holds no usable key; a kid seen twice keeps the first.
Result<KeySet> ParseJwks(std::string_view json);

}  // namespace citadel::guard
