#pragma once
// Test-side JOSE: generates keys with OpenSSL, publishes their JWKs and signs tokens any way a
// test needs, including ways a correct issuer never would (HS256 with a public key, DER ECDSA).

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/base64url.h"

namespace citadel::guard::testing {

using PkeyPtr = std::shared_ptr<EVP_PKEY>;

struct TestKey {
  std::string kid;
  PkeyPtr pkey;
};

enum class TestKeyType { kRsa2048, kRsa1024, kP256, kP384, kEd25519 };

inline PkeyPtr GenerateKey(TestKeyType type) {
  EVP_PKEY* key = nullptr;
  switch (type) {
    case TestKeyType::kRsa2048: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{2048}); break;
    case TestKeyType::kRsa1024: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "RSA", size_t{1024}); break;
    case TestKeyType::kP256: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-256"); break;
    case TestKeyType::kP384: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "EC", "P-384"); break;
    case TestKeyType::kEd25519: key = EVP_PKEY_Q_keygen(nullptr, nullptr, "ED25519"); break;
  }
  EXPECT_NE(key, nullptr);
  return PkeyPtr(key, EVP_PKEY_free);
}

inline std::string BnParam(EVP_PKEY* key, const char* name, int pad_to = 0) {
  BIGNUM* bn = nullptr;
  EXPECT_EQ(EVP_PKEY_get_bn_param(key, name, &bn), 1) << name;
  std::string out(static_cast<size_t>(pad_to > 0 ? pad_to : BN_num_bytes(bn)), '\0');
  BN_bn2binpad(bn, reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(out.size()));
  BN_free(bn);
  return out;
}

inline nlohmann::json PublicJwk(const TestKey& key) {
  EVP_PKEY* k = key.pkey.get();
  nlohmann::json jwk = {{"kid", key.kid}, {"use", "sig"}};
  if (EVP_PKEY_is_a(k, "RSA")) {
    jwk["kty"] = "RSA";
    jwk["n"] = EncodeBase64Url(BnParam(k, OSSL_PKEY_PARAM_RSA_N));
    jwk["e"] = EncodeBase64Url(BnParam(k, OSSL_PKEY_PARAM_RSA_E));
  } else if (EVP_PKEY_is_a(k, "EC")) {
    const int bytes = EVP_PKEY_get_bits(k) == 256 ? 32 : 48;
    jwk["kty"] = "EC";
    jwk["crv"] = bytes == 32 ? "P-256" : "P-384";
    jwk["x"] = EncodeBase64Url(BnParam(k, OSSL_PKEY_PARAM_EC_PUB_X, bytes));
    jwk["y"] = EncodeBase64Url(BnParam(k, OSSL_PKEY_PARAM_EC_PUB_Y, bytes));
  } else {
    std::string raw(32, '\0');
    size_t len = raw.size();
    EXPECT_EQ(EVP_PKEY_get_raw_public_key(k, reinterpret_cast<unsigned char*>(raw.data()), &len), 1);
    jwk["kty"] = "OKP";
    jwk["crv"] = "Ed25519";
    jwk["x"] = EncodeBase64Url(raw);
  }
  return jwk;
}

inline std::string Jwks(const std::vector<const TestKey*>& keys) {
  nlohmann::json doc = {{"keys", nlohmann::json::array()}};
  for (const TestKey* key : keys) doc["keys"].push_back(PublicJwk(*key));
  return doc.dump();
}

// The public key as PEM (SubjectPublicKeyInfo): the bytes an HS256 confusion attack uses as secret.
inline std::string PublicPem(EVP_PKEY* key) {
  BIO* bio = BIO_new(BIO_s_mem());
  PEM_write_bio_PUBKEY(bio, key);
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(len));
  BIO_free(bio);
  return out;
}

enum class EcdsaForm { kJose, kDer };

// Signs `input` as `alg` says: RS*/PS* (PKCS#1 v1.5 / PSS), ES* (raw r||s unless kDer), EdDSA, HS*.
inline std::string Sign(EVP_PKEY* key, std::string_view alg, std::string_view input, EcdsaForm form = EcdsaForm::kJose) {
  const auto* in = reinterpret_cast<const unsigned char*>(input.data());
  const std::string_view bits = alg.substr(2);
  const EVP_MD* md = bits == "256" ? EVP_sha256() : bits == "384" ? EVP_sha384() : EVP_sha512();
  if (alg.starts_with("HS")) {
    const std::string secret = PublicPem(key);
    std::string mac(64, '\0');
    size_t len = 0;
    EVP_Q_mac(nullptr, "HMAC", nullptr, EVP_MD_get0_name(md), nullptr, secret.data(), secret.size(), in, input.size(),
              reinterpret_cast<unsigned char*>(mac.data()), mac.size(), &len);
    mac.resize(len);
    return mac;
  }
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  EVP_PKEY_CTX* pctx = nullptr;
  EXPECT_EQ(EVP_DigestSignInit(ctx, &pctx, alg == "EdDSA" ? nullptr : md, nullptr, key), 1);
  if (alg.starts_with("PS")) {
    EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING);
    EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, RSA_PSS_SALTLEN_DIGEST);
  }
  size_t len = 0;
  EVP_DigestSign(ctx, nullptr, &len, in, input.size());
  std::string sig(len, '\0');
  EXPECT_EQ(EVP_DigestSign(ctx, reinterpret_cast<unsigned char*>(sig.data()), &len, in, input.size()), 1);
  sig.resize(len);
  EVP_MD_CTX_free(ctx);
  if (alg.starts_with("ES") && form == EcdsaForm::kJose) {
    const auto* p = reinterpret_cast<const unsigned char*>(sig.data());
    ECDSA_SIG* parsed = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(sig.size()));
    const int coord = bits == "256" ? 32 : 48;
    std::string raw(static_cast<size_t>(2 * coord), '\0');
    BN_bn2binpad(ECDSA_SIG_get0_r(parsed), reinterpret_cast<unsigned char*>(raw.data()), coord);
    BN_bn2binpad(ECDSA_SIG_get0_s(parsed), reinterpret_cast<unsigned char*>(raw.data()) + coord, coord);
    ECDSA_SIG_free(parsed);
    return raw;
  }
  return sig;
}

inline std::string Segment(const nlohmann::json& value) { return EncodeBase64Url(value.dump()); }

// header.payload signed by `key` with the header's "alg".
inline std::string MakeToken(const nlohmann::json& header, const nlohmann::json& payload, EVP_PKEY* key,
                             EcdsaForm form = EcdsaForm::kJose) {
  const std::string input = Segment(header) + "." + Segment(payload);
  return input + "." + EncodeBase64Url(Sign(key, header.value("alg", "RS256"), input, form));
}

}  // namespace citadel::guard::testing
