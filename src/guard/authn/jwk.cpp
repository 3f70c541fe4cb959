#include "guard/authn/jwk.h"

#include <nlohmann/json.hpp>
#include <openssl/core_names.h>

#include <algorithm>
#include <array>

#include "core/base64url.h"
#include "guard/authn/openssl_ptr.h"

namespace citadel::guard {
namespace {

using nlohmann::json;

Result<std::string> StringMember(const json& jwk, const char* name) {
  const auto it = jwk.find(name);
  if (it == jwk.end() || !it->is_string()) return Err("JWK has no string \"{}\"", name);
  return it->get<std::string>();
}

Result<std::string> BytesMember(const json& jwk, const char* name) {
  CITADEL_ASSIGN_OR_RETURN(const std::string text, StringMember(jwk, name));
  auto bytes = DecodeBase64Url(text);
  if (!bytes) return std::move(bytes).error().Wrap(fmt::format("JWK \"{}\"", name));
  if (bytes->empty()) return Err("JWK \"{}\" is empty", name);
  return bytes;
}

Result<ossl::Bignum> ToBignum(const std::string& bytes) {
  ossl::Bignum bn(BN_bin2bn(reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<int>(bytes.size()),
                            nullptr));
  if (!bn) return Err("out of memory building a JWK number");
  return bn;
}

// EVP_PKEY_fromdata with a public-key selection; `fill` pushes the algorithm's parameters.
template <class Fill>
Result<ossl::Pkey> FromData(const char* type, Fill fill) {
  ossl::ParamBld bld(OSSL_PARAM_BLD_new());
  if (!bld || !fill(bld.get())) return Err("cannot build {} key parameters", type);
  ossl::Params params(OSSL_PARAM_BLD_to_param(bld.get()));
  ossl::PkeyCtx ctx(EVP_PKEY_CTX_new_from_name(nullptr, type, nullptr));
  EVP_PKEY* raw = nullptr;
  if (!params || !ctx || EVP_PKEY_fromdata_init(ctx.get()) != 1 ||
      EVP_PKEY_fromdata(ctx.get(), &raw, EVP_PKEY_PUBLIC_KEY, params.get()) != 1) {
    return Err("OpenSSL refused the {} key", type);
  }
  return ossl::Pkey(raw);
}

Result<ossl::Pkey> RsaKey(const json& jwk) {
  CITADEL_ASSIGN_OR_RETURN(const std::string n_bytes, BytesMember(jwk, "n"));
  CITADEL_ASSIGN_OR_RETURN(const std::string e_bytes, BytesMember(jwk, "e"));
  CITADEL_ASSIGN_OR_RETURN(const ossl::Bignum n, ToBignum(n_bytes));
  CITADEL_ASSIGN_OR_RETURN(const ossl::Bignum e, ToBignum(e_bytes));
  // Checked before OpenSSL sees the key: a leading zero byte does not make a modulus longer.
  if (BN_num_bits(n.get()) < kMinRsaBits) return Err("RSA key has {} bits, fewer than {}", BN_num_bits(n.get()), kMinRsaBits);
  if (!BN_is_odd(e.get()) || BN_num_bits(e.get()) < 2 || BN_num_bits(e.get()) > 64) return Err("RSA exponent is not usable");
  return FromData("RSA", [&](OSSL_PARAM_BLD* bld) {
    return OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n.get()) == 1 &&
           OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, e.get()) == 1;
  });
}

Result<ossl::Pkey> EcKey(const json& jwk, KeyFamily& family) {
  CITADEL_ASSIGN_OR_RETURN(const std::string crv, StringMember(jwk, "crv"));
  const char* group = nullptr;
  size_t coord = 0;
  if (crv == "P-256") {
    group = "prime256v1", coord = 32, family = KeyFamily::kEcP256;
  } else if (crv == "P-384") {
    group = "secp384r1", coord = 48, family = KeyFamily::kEcP384;
  } else {
    return Err("EC curve is not P-256 or P-384");
  }
  CITADEL_ASSIGN_OR_RETURN(const std::string x, BytesMember(jwk, "x"));
  CITADEL_ASSIGN_OR_RETURN(const std::string y, BytesMember(jwk, "y"));
  if (x.size() != coord || y.size() != coord) return Err("EC {} coordinates must be {} bytes each", crv, coord);
  std::string point = "\x04" + x + y;  // uncompressed SEC1 point
  CITADEL_ASSIGN_OR_RETURN(ossl::Pkey key, FromData("EC", [&](OSSL_PARAM_BLD* bld) {
    return OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME, group, 0) == 1 &&
           OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, point.data(), point.size()) == 1;
  }));
  // A point off the curve would make verification meaningless; reject it at load time, once.
  ossl::PkeyCtx check(EVP_PKEY_CTX_new_from_pkey(nullptr, key.get(), nullptr));
  if (!check || EVP_PKEY_public_check(check.get()) != 1) return Err("EC public key is not a valid {} point", crv);
  return key;
}

Result<ossl::Pkey> OkpKey(const json& jwk) {
  CITADEL_ASSIGN_OR_RETURN(const std::string crv, StringMember(jwk, "crv"));
  if (crv != "Ed25519") return Err("OKP curve is not Ed25519");
  CITADEL_ASSIGN_OR_RETURN(const std::string x, BytesMember(jwk, "x"));
  if (x.size() != 32) return Err("Ed25519 public key must be 32 bytes");
  ossl::Pkey key(EVP_PKEY_new_raw_public_key_ex(nullptr, "ED25519", nullptr,
                                                reinterpret_cast<const unsigned char*>(x.data()), x.size()));
  if (!key) return Err("OpenSSL refused the Ed25519 key");
  return key;
}

// "use" (if present) must be "sig" and "key_ops" (if present) must allow "verify".
Result<void> CheckUsage(const json& jwk) {
  if (const auto use = jwk.find("use"); use != jwk.end() && (!use->is_string() || *use != "sig")) {
    return Err("JWK is not for signatures (use is not \"sig\")");
  }
  if (const auto ops = jwk.find("key_ops"); ops != jwk.end()) {
    if (!ops->is_array() || std::find(ops->begin(), ops->end(), json("verify")) == ops->end()) {
      return Err("JWK key_ops does not include \"verify\"");
    }
  }
  return Ok();
}

}  // namespace

const VerificationKey* KeySet::Find(std::string_view kid) const {
  for (const VerificationKey& key : keys) {
    if (key.kid == kid) return &key;
  }
  return nullptr;
}

Result<VerificationKey> ParseJwk(const json& jwk) {
  if (!jwk.is_object()) return Err("JWK is not an object");
  CITADEL_RETURN_IF_ERROR(CheckUsage(jwk));
  CITADEL_ASSIGN_OR_RETURN(const std::string kty, StringMember(jwk, "kty"));
  VerificationKey out;
  if (const auto kid = jwk.find("kid"); kid != jwk.end() && kid->is_string()) out.kid = kid->get<std::string>();
  if (const auto alg = jwk.find("alg"); alg != jwk.end() && alg->is_string()) out.alg = alg->get<std::string>();
  ossl::Pkey key;
  if (kty == "RSA") {
    out.family = KeyFamily::kRsa;
    CITADEL_ASSIGN_OR_RETURN(key, RsaKey(jwk));
  } else if (kty == "EC") {
    CITADEL_ASSIGN_OR_RETURN(key, EcKey(jwk, out.family));
  } else if (kty == "OKP") {
    out.family = KeyFamily::kEd25519;
    CITADEL_ASSIGN_OR_RETURN(key, OkpKey(jwk));
  } else {
    return Err("JWK kty is not RSA, EC or OKP");
  }
  out.pkey = std::shared_ptr<EVP_PKEY>(key.release(), EVP_PKEY_free);
  return out;
}

Result<KeySet> ParseJwks(std::string_view text) {
  const json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Err("JWKS is not a JSON object");
  const auto keys = doc.find("keys");
  if (keys == doc.end() || !keys->is_array()) return Err("JWKS has no \"keys\" array");
  KeySet set;
  for (const json& entry : *keys) {
    auto key = ParseJwk(entry);
    // Without a kid a key can never be chosen: tokens must name theirs.
    if (!key || key->kid.empty() || set.Find(key->kid) != nullptr) {
      ++set.skipped;
      continue;
    }
    set.keys.push_back(std::move(key).value());
  }
  if (set.keys.empty()) return Err("JWKS holds no usable signature key ({} skipped)", set.skipped);
  return set;
}

}  // namespace citadel::guard
