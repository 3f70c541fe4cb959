#include "guard/authn/api_key_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/shared_data.h"
#include <fstream>

namespace citadel::guard {
namespace {

class ApiKeyStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("citadel-keys");
    auto store = ApiKeyStore::Open(dir_ / "keys.db", /*create=*/true);
    ASSERT_TRUE(store) << store.error().message;
    store_ = std::move(*store);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::filesystem::path dir_;
  std::unique_ptr<ApiKeyStore> store_;
};

constexpr int64_t kNow = 1'800'000'000;

TEST_F(ApiKeyStoreTest, IssuedKeyAuthenticatesAsItsTenantAndRole) {
  auto issued = store_->Create({"acme", "analyst", "alice", {"m1", "m2"}, 0}, kNow);
  ASSERT_TRUE(issued) << issued.error().message;
  EXPECT_TRUE(ApiKeyStore::LooksLikeKey(issued->secret));
  EXPECT_EQ(issued->secret.size(), 43u);
  EXPECT_EQ(issued->record.id, issued->secret.substr(0, 11));
  auto id = store_->Authenticate(issued->secret, kNow);
  ASSERT_TRUE(id) << id.error().message;
  EXPECT_EQ(id->method, AuthMethod::kApiKey);
  EXPECT_EQ(id->tenant, "acme");
  EXPECT_EQ(id->roles, std::vector<std::string>{"analyst"});
  EXPECT_EQ(id->credential_id, issued->record.id);
  EXPECT_EQ(id->models, (std::vector<std::string>{"m1", "m2"}));
}

TEST_F(ApiKeyStoreTest, KeysAreDistinctAndOnlyTheirHashIsStored) {
  auto a = store_->Create({"t", "r", "", {}, 0}, kNow);
  auto b = store_->Create({"t", "r", "", {}, 0}, kNow);
  ASSERT_TRUE(a && b);
  EXPECT_NE(a->secret, b->secret);
  std::ifstream db(dir_ / "keys.db", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(db)), std::istreambuf_iterator<char>());
  for (const auto* k : {&*a, &*b}) {
    EXPECT_EQ(bytes.find(k->secret), std::string::npos);
    EXPECT_EQ(bytes.find(k->secret.substr(11)), std::string::npos) << "the secret part must not be stored";
  }
  const auto perms = std::filesystem::status(dir_ / "keys.db.secret").permissions();
  EXPECT_EQ(perms & std::filesystem::perms::group_read, std::filesystem::perms::none);
}

TEST_F(ApiKeyStoreTest, WrongMalformedRevokedAndExpiredKeysAreRefused) {
  auto k = store_->Create({"t", "r", "", {}, 3600}, kNow);
  ASSERT_TRUE(k);
  std::string tampered = k->secret;
  tampered.back() = tampered.back() == 'a' ? 'b' : 'a';
  for (const std::string& bad : {tampered, k->secret.substr(0, 42), k->secret + "0", std::string("ck_") + std::string(40, '!'),
                                 std::string("")}) {
    auto r = store_->Authenticate(bad, kNow);
    ASSERT_FALSE(r) << bad;
    EXPECT_EQ(r.error().code, "invalid_api_key");
    EXPECT_EQ(r.error().message.find(k->secret.substr(11)), std::string::npos);
  }
  EXPECT_FALSE(store_->Authenticate(k->secret, kNow + 3600)) << "expired";
  EXPECT_TRUE(store_->Authenticate(k->secret, kNow + 3599));
  ASSERT_TRUE(store_->Revoke(k->record.id, kNow + 10));
  auto revoked = store_->Authenticate(k->secret, kNow + 10);
  ASSERT_FALSE(revoked);
  EXPECT_NE(revoked.error().message.find("revoked"), std::string::npos);
  EXPECT_FALSE(store_->Revoke(k->record.id, kNow + 11)) << "revoking twice is an error";
  EXPECT_FALSE(store_->Revoke("ck_nothere", kNow));
}

TEST_F(ApiKeyStoreTest, RevocationBySecondStoreIsSeenAtOnce) {
  auto k = store_->Create({"t", "r", "", {}, 0}, kNow);
  ASSERT_TRUE(k);
  ASSERT_TRUE(store_->Authenticate(k->secret, kNow));
  auto other = ApiKeyStore::Open(dir_ / "keys.db", /*create=*/false);  // as `citadel keys revoke` would
  ASSERT_TRUE(other);
  ASSERT_TRUE((*other)->Revoke(k->record.id, kNow));
  EXPECT_FALSE(store_->Authenticate(k->secret, kNow));
}

TEST_F(ApiKeyStoreTest, RotateKeepsTheSpecAndHonoursTheGracePeriod) {
  auto old = store_->Create({"acme", "analyst", "ci", {"m"}, 86400}, kNow);
  ASSERT_TRUE(old);
  auto fresh = store_->Rotate(old->record.id, kNow + 100, 600);
  ASSERT_TRUE(fresh) << fresh.error().message;
  EXPECT_EQ(fresh->record.tenant, "acme");
  EXPECT_EQ(fresh->record.models, std::vector<std::string>{"m"});
  EXPECT_EQ(fresh->record.expires_at, kNow + 100 + 86400);
  EXPECT_TRUE(store_->Authenticate(old->secret, kNow + 699)) << "still inside the grace period";
  EXPECT_FALSE(store_->Authenticate(old->secret, kNow + 700));
  EXPECT_TRUE(store_->Authenticate(fresh->secret, kNow + 700));
  auto list = store_->List();
  ASSERT_TRUE(list);
  ASSERT_EQ(list->size(), 2u);
  EXPECT_EQ((*list)[0].replaced_by, fresh->record.id);
}

TEST_F(ApiKeyStoreTest, OpeningWithoutTheSecretFileFails) {
  std::filesystem::remove(dir_ / "keys.db.secret");
  auto reopened = ApiKeyStore::Open(dir_ / "keys.db", /*create=*/true);
  ASSERT_FALSE(reopened);
  EXPECT_NE(reopened.error().message.find("secret"), std::string::npos);
  EXPECT_FALSE(ApiKeyStore::Open(dir_ / "missing.db", /*create=*/false));
}

}  // namespace
}  // namespace citadel::guard
