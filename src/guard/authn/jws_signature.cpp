#include "guard/authn/jws_signature.h"

#include <openssl/rsa.h>

#include <array>
#include <climits>
#include <utility>

#include "guard/authn/openssl_ptr.h"

namespace citadel::guard {
namespace {

constexpr std::array<std::pair<std::string_view, JwsAlg>, 9> kAlgs = {{
    {"RS256", JwsAlg::kRs256}, {"RS384", JwsAlg::kRs384}, {"RS512", JwsAlg::kRs512},
    {"PS256", JwsAlg::kPs256}, {"PS384", JwsAlg::kPs384}, {"PS512", JwsAlg::kPs512},
    {"ES256", JwsAlg::kEs256}, {"ES384", JwsAlg::kEs384}, {"EdDSA", JwsAlg::kEdDsa},
}};

const EVP_MD* Digest(JwsAlg alg) {
  switch (alg) {
    case JwsAlg::kRs256: case JwsAlg::kPs256: case JwsAlg::kEs256: return EVP_sha256();
    case JwsAlg::kRs384: case JwsAlg::kPs384: case JwsAlg::kEs384: return EVP_sha384();
    case JwsAlg::kRs512: case JwsAlg::kPs512: return EVP_sha512();
    case JwsAlg::kEdDsa: return nullptr;  // Ed25519 hashes internally
  }
  return nullptr;
}

bool IsPss(JwsAlg alg) { return alg == JwsAlg::kPs256 || alg == JwsAlg::kPs384 || alg == JwsAlg::kPs512; }

// JOSE carries an ECDSA signature as r || s, each padded to the curve size; OpenSSL wants the DER
// SEQUENCE. A DER signature handed in directly has the wrong length and is refused here.
Result<std::string> JoseToDer(std::string_view raw, size_t coord_bytes) {
  if (raw.size() != 2 * coord_bytes) return Err("ECDSA signature is {} bytes, not {}", raw.size(), 2 * coord_bytes);
  const auto* p = reinterpret_cast<const unsigned char*>(raw.data());
  ossl::Bignum r(BN_bin2bn(p, static_cast<int>(coord_bytes), nullptr));
  ossl::Bignum s(BN_bin2bn(p + coord_bytes, static_cast<int>(coord_bytes), nullptr));
  ossl::EcdsaSig sig(ECDSA_SIG_new());
  if (!r || !s || !sig || ECDSA_SIG_set0(sig.get(), r.get(), s.get()) != 1) return Err("out of memory in ECDSA");
  (void)r.release(), (void)s.release();  // owned by sig now
  const int len = i2d_ECDSA_SIG(sig.get(), nullptr);
  if (len <= 0) return Err("cannot encode the ECDSA signature");
  std::string der(static_cast<size_t>(len), '\0');
  unsigned char* out = reinterpret_cast<unsigned char*>(der.data());
  if (i2d_ECDSA_SIG(sig.get(), &out) != len) return Err("cannot encode the ECDSA signature");
  return der;
}

}  // namespace

std::optional<JwsAlg> ParseJwsAlg(std::string_view name) {
  for (const auto& [n, alg] : kAlgs) {
    if (n == name) return alg;
  }
  return std::nullopt;
}

std::string_view JwsAlgName(JwsAlg alg) {
  for (const auto& [n, a] : kAlgs) {
    if (a == alg) return n;
  }
  return "?";
}

bool AlgFitsKey(JwsAlg alg, KeyFamily family) {
  switch (alg) {
    case JwsAlg::kEs256: return family == KeyFamily::kEcP256;
    case JwsAlg::kEs384: return family == KeyFamily::kEcP384;
    case JwsAlg::kEdDsa: return family == KeyFamily::kEd25519;
    default: return family == KeyFamily::kRsa;
  }
}

Result<void> VerifyJwsSignature(JwsAlg alg, EVP_PKEY* key, std::string_view signing_input, std::string_view signature) {
  std::string der;
  if (alg == JwsAlg::kEs256 || alg == JwsAlg::kEs384) {
    CITADEL_ASSIGN_OR_RETURN(der, JoseToDer(signature, alg == JwsAlg::kEs256 ? 32 : 48));
    signature = der;
  }
  ossl::MdCtx ctx(EVP_MD_CTX_new());
  EVP_PKEY_CTX* pctx = nullptr;  // owned by ctx
  if (!ctx || EVP_DigestVerifyInit(ctx.get(), &pctx, Digest(alg), nullptr, key) != 1) {
    return Err("cannot start {} verification", JwsAlgName(alg));
  }
  if (IsPss(alg)) {
    // RFC 7518 §3.5: MGF1 with the same hash, salt as long as the digest.
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING) != 1 ||
        EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST) != 1 ||
        EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, Digest(alg)) != 1) {
      return Err("cannot set up {} padding", JwsAlgName(alg));
    }
  } else if (alg == JwsAlg::kRs256 || alg == JwsAlg::kRs384 || alg == JwsAlg::kRs512) {
    if (EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PADDING) != 1) return Err("cannot set up PKCS#1 padding");
  }
  const int ok = EVP_DigestVerify(ctx.get(), reinterpret_cast<const unsigned char*>(signature.data()), signature.size(),
                                  reinterpret_cast<const unsigned char*>(signing_input.data()), signing_input.size());
  if (ok != 1) return Err("{} signature does not verify", JwsAlgName(alg));
  return Ok();
}

}  // namespace citadel::guard
