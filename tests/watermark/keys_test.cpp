// Tenant keys: HKDF gives each tenant its own stable key, key ids are 16 hex digits that change
// with the master, and the key file loads what keygen writes.

#include "watermark/keys.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <set>
#include <vector>

#include "core/key_file.h"
#include "testing/shared_data.h"
#include "watermark/test_keys.h"

namespace citadel::watermark {
namespace {

using testing::FixedMaster;

TEST(WatermarkKeys, EachTenantGetsItsOwnKeyAndKeyId) {
  const WatermarkKeys keys(FixedMaster(7));
  std::set<std::string> ids;
  std::set<std::pair<uint64_t, uint64_t>> prf_keys;
  for (const char* tenant : {"acme", "globex", "initech", "acme2", "", "ACME"}) {
    const TenantKey key = keys.ForTenant(tenant);
    EXPECT_EQ(key.tenant(), tenant);
    EXPECT_EQ(key.key_id().size(), 16u);
    EXPECT_EQ(key.key_id().find_first_not_of("0123456789abcdef"), std::string::npos);
    ids.insert(key.key_id());
    prf_keys.insert({key.prf_k0(), key.prf_k1()});
  }
  EXPECT_EQ(ids.size(), 6u);
  EXPECT_EQ(prf_keys.size(), 6u);
}

TEST(WatermarkKeys, DerivationIsStableAndDependsOnTheMaster) {
  const TenantKey a = WatermarkKeys(FixedMaster(7)).ForTenant("acme");
  const TenantKey again = WatermarkKeys(FixedMaster(7)).ForTenant("acme");
  const TenantKey rotated = WatermarkKeys(FixedMaster(8)).ForTenant("acme");
  EXPECT_EQ(a.key_id(), again.key_id());
  EXPECT_EQ(a.prf_k0(), again.prf_k0());
  EXPECT_EQ(a.prf_k1(), again.prf_k1());
  EXPECT_NE(a.key_id(), rotated.key_id());
  EXPECT_NE(a.prf_k0(), rotated.prf_k0());
  // The tenant key is HKDF output, not the master itself nor the same for two tenants.
  const SecretKey derived = DeriveTenantKey(FixedMaster(7), "acme");
  EXPECT_FALSE(ConstantTimeEqual(derived.bytes(), FixedMaster(7).bytes()));
  EXPECT_FALSE(ConstantTimeEqual(derived.bytes(), DeriveTenantKey(FixedMaster(7), "acmf").bytes()));
  EXPECT_TRUE(ConstantTimeEqual(derived.bytes(), DeriveTenantKey(FixedMaster(7), "acme").bytes()));
}

TEST(WatermarkKeys, HkdfMatchesRfc5869StyleRecomputation) {
  // HKDF-SHA256 with an empty salt and one output block is
  //   PRK = HMAC(zeros(32), master), OKM = HMAC(PRK, info || 0x01),
  // recomputed here with the core HMAC so the OpenSSL parameters are known to be the intended ones.
  const SecretKey master = FixedMaster(0x42);
  const SecretKey zero_salt = FixedMaster(0);
  const Digest prk = HmacSha256(zero_salt, master.bytes());
  std::string info = "citadel watermark v1tenant-9";
  info.push_back('\x01');
  const Digest okm = HmacSha256(SecretKey(prk), AsBytes(info));
  EXPECT_TRUE(ConstantTimeEqual(DeriveTenantKey(master, "tenant-9").bytes(), okm));
}

TEST(WatermarkKeys, LoadsTheKeyFileAndRejectsAMissingOne) {
  const std::filesystem::path dir = citadel::testing::MakeTempDir("wm-keys");
  const std::string path = (dir / "watermark.key").string();
  ASSERT_TRUE(WriteNewKeyFile(path));
  auto keys = WatermarkKeys::Load(path);
  ASSERT_TRUE(keys) << keys.error().message;
  auto master = ReadKeyFile(path);
  ASSERT_TRUE(master);
  EXPECT_EQ(keys->ForTenant("t").key_id(), WatermarkKeys(*master).ForTenant("t").key_id());
  auto missing = WatermarkKeys::Load((dir / "absent.key").string());
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("watermark key file"), std::string::npos);
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace citadel::watermark
