#pragma once
// JWS signature algorithms (RFC 7518) that Citadel accepts, and the one-shot check of a signature
// over "<header>.<payload>" with an already-loaded public key. HMAC and "none" have no entry here,
// so no configuration can turn them on.

#include <openssl/types.h>

#include <optional>
#include <string_view>

#include "core/result.h"
#include "guard/authn/jwk.h"

namespace citadel::guard {

enum class JwsAlg { kRs256, kRs384, kRs512, kPs256, kPs384, kPs512, kEs256, kEs384, kEdDsa };

std::optional<JwsAlg> ParseJwsAlg(std::string_view name);
std::string_view JwsAlgName(JwsAlg alg);
// RS*/PS* need an RSA key, ES256 a P-256 key, ES384 a P-384 key, EdDSA an Ed25519 key.
bool AlgFitsKey(JwsAlg alg, KeyFamily family);

// `signature` is the decoded JWS signature (for ES*, JOSE's fixed-size r || s).
Result<void> VerifyJwsSignature(JwsAlg alg, EVP_PKEY* key, std::string_view signing_input, std::string_view signature);

}  // namespace citadel::guard
