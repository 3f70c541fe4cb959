#include "watermark/keys.h"

#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/params.h>

#include <array>
#include <cstring>
#include <memory>

#include "core/key_file.h"

namespace citadel::watermark {
namespace {

constexpr std::string_view kHkdfInfo = "citadel watermark v1";

struct KdfFree {
  void operator()(EVP_KDF* kdf) const { EVP_KDF_free(kdf); }
};
struct KdfCtxFree {
  void operator()(EVP_KDF_CTX* ctx) const { EVP_KDF_CTX_free(ctx); }
};

uint64_t LoadLe64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

SecretKey DeriveTenantKey(const SecretKey& master, std::string_view tenant) {
  std::string info(kHkdfInfo);
  info.append(tenant);
  std::unique_ptr<EVP_KDF, KdfFree> kdf(EVP_KDF_fetch(nullptr, OSSL_KDF_NAME_HKDF, nullptr));
  CITADEL_CHECK_MSG(kdf != nullptr, "OpenSSL has no HKDF");
  std::unique_ptr<EVP_KDF_CTX, KdfCtxFree> ctx(EVP_KDF_CTX_new(kdf.get()));
  CITADEL_CHECK(ctx != nullptr);
  char digest[] = "SHA256";
  const ByteSpan master_bytes = master.bytes();
  // OSSL_PARAM wants non-const pointers but only reads them.
  const OSSL_PARAM params[] = {
      OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, digest, 0),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, const_cast<uint8_t*>(master_bytes.data()),
                                        master_bytes.size()),
      OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data(), info.size()),
      OSSL_PARAM_construct_end(),
  };
  std::array<uint8_t, kKeyBytes> out{};
  CITADEL_CHECK_MSG(EVP_KDF_derive(ctx.get(), out.data(), out.size(), params) == 1, "HKDF-SHA256 failed");
  SecretKey key(out);
  OPENSSL_cleanse(out.data(), out.size());
  return key;
}

TenantKey::TenantKey(std::string tenant, const SecretKey& key) : tenant_(std::move(tenant)) {
  const Digest id = HmacSha256(key, AsBytes("key-id"));
  key_id_ = ToHex(ByteSpan(id.data(), 8));
  // A separate PRF key, so the key id (public) and the green lists never share an HMAC output.
  Digest prf = HmacSha256(key, AsBytes("green-list prf"));
  prf_k0_ = LoadLe64(prf.data());
  prf_k1_ = LoadLe64(prf.data() + 8);
  OPENSSL_cleanse(prf.data(), prf.size());
}

TenantKey::~TenantKey() {
  OPENSSL_cleanse(&prf_k0_, sizeof prf_k0_);
  OPENSSL_cleanse(&prf_k1_, sizeof prf_k1_);
}

Result<WatermarkKeys> WatermarkKeys::Load(const std::string& key_file) {
  auto master = ReadKeyFile(key_file);
  if (!master) return master.error().Wrap("watermark key file");
  return WatermarkKeys(*master);
}

TenantKey WatermarkKeys::ForTenant(std::string_view tenant) const {
  return TenantKey(std::string(tenant), DeriveTenantKey(master_, tenant));
}

}  // namespace citadel::watermark
