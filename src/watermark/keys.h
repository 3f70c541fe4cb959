#pragma once
// Watermark keys. One master secret (32 bytes in a key file, core/key_file.h) yields a key per
// tenant by HKDF-SHA256, so a leaked text can be attributed to the tenant whose key marks it and
// no per-tenant secret has to be stored. A key id (16 hex digits) names a tenant key in audit
// records without revealing it; a new master gives every tenant new key ids.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/crypto.h"
#include "core/result.h"

namespace citadel::watermark {

// One tenant's key and the 128-bit key of the green-list PRF derived from it. Copyable (detection
// takes a span of them); the key material is wiped when a copy goes away.
class TenantKey {
 public:
  TenantKey(std::string tenant, const SecretKey& key);
  TenantKey(const TenantKey& other) = default;
  TenantKey& operator=(const TenantKey& other) = default;
  ~TenantKey();

  const std::string& tenant() const { return tenant_; }
  // First 8 bytes of HMAC(tenant key, "key-id"), hex.
  const std::string& key_id() const { return key_id_; }
  // SipHash key of the green-list PRF (green_list.h).
  uint64_t prf_k0() const { return prf_k0_; }
  uint64_t prf_k1() const { return prf_k1_; }

 private:
  std::string tenant_;
  std::string key_id_;
  uint64_t prf_k0_ = 0;
  uint64_t prf_k1_ = 0;
};

class WatermarkKeys {
 public:
  // Reads the master secret from a key file (64 hex digits, as `citadel watermark keygen` writes).
  static Result<WatermarkKeys> Load(const std::string& key_file);
  explicit WatermarkKeys(const SecretKey& master) : master_(master) {}

  // HKDF-SHA256(master, salt = none, info = "citadel watermark v1" || tenant). Stable: the same
  // master and tenant always give the same key.
  TenantKey ForTenant(std::string_view tenant) const;

 private:
  SecretKey master_;
};

// The HKDF step alone (exposed for tests and for tools that hold the master already).
SecretKey DeriveTenantKey(const SecretKey& master, std::string_view tenant);

}  // namespace citadel::watermark
