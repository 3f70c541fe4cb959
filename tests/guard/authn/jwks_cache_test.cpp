#include "guard/authn/jwks_cache.h"

#include <gtest/gtest.h>

#include <string>

#include "guard/authn/auth_error.h"
#include "guard/authn/fake_idp.h"
#include "guard/authn/jwt_test_signer.h"

namespace citadel::guard {
namespace {

using nlohmann::json;
using testing::kNow;
using testing::TestKey;
using testing::TestKeyType;

struct RotationKeys {
  TestKey old_key{"2024-old", testing::GenerateKey(TestKeyType::kP256)};
  TestKey new_key{"2025-new", testing::GenerateKey(TestKeyType::kP256)};
};
const RotationKeys& R() {
  static const RotationKeys* keys = new RotationKeys();
  return *keys;
}

std::string Token(const TestKey& key, const std::string& kid) {
  const json claims = {{"iss", testing::kIssuer}, {"aud", "citadel"}, {"sub", "bob"},
                       {"tenant", "acme"},        {"exp", kNow + 86400}};
  return testing::MakeToken({{"alg", "ES256"}, {"kid", kid}}, claims, key.pkey.get());
}
std::string Token(const TestKey& key) { return Token(key, key.kid); }

class JwksCacheTest : public ::testing::Test {
 protected:
  void SetUp() override { idp_.Serve(testing::kJwksUri, testing::Jwks({&R().old_key})); }
  testing::FakeIdp idp_;
};

TEST_F(JwksCacheTest, NewKidTriggersOneRefreshAndVerifies) {
  const auto verifier = testing::MakeVerifier(idp_);
  ASSERT_TRUE(verifier->Verify(Token(R().old_key)).has_value());
  idp_.Serve(testing::kJwksUri, testing::Jwks({&R().new_key, &R().old_key}));
  idp_.now = kNow + 60;  // rotations come later than the unknown-kid interval after a fetch
  const Result<Identity> id = verifier->Verify(Token(R().new_key));
  EXPECT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(idp_.Fetches(testing::kJwksUri), 2);
  EXPECT_TRUE(verifier->Verify(Token(R().old_key)).has_value());
  EXPECT_EQ(idp_.Fetches(testing::kJwksUri), 2);
}

TEST_F(JwksCacheTest, RemovedKeyFailsAfterPeriodicRefresh) {
  const auto verifier = testing::MakeVerifier(idp_);
  ASSERT_TRUE(verifier->Verify(Token(R().old_key)).has_value());
  idp_.Serve(testing::kJwksUri, testing::Jwks({&R().new_key}));
  idp_.now = kNow + 3601;
  const Result<Identity> id = verifier->Verify(Token(R().old_key));
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, authn_error::kUnknownKey);
  EXPECT_TRUE(verifier->Verify(Token(R().new_key)).has_value());
}

TEST_F(JwksCacheTest, UnknownKidRefreshesAreRateLimited) {
  const auto verifier = testing::MakeVerifier(idp_);
  ASSERT_TRUE(verifier->Verify(Token(R().old_key)).has_value());
  ASSERT_EQ(idp_.Fetches(testing::kJwksUri), 1);
  idp_.now = kNow + 20;
  for (int i = 0; i < 200; ++i) {
    const Result<Identity> id = verifier->Verify(Token(R().old_key, "bogus-" + std::to_string(i)));
    ASSERT_FALSE(id.has_value());
    EXPECT_EQ(id.error().code, authn_error::kUnknownKey);
  }
  EXPECT_EQ(idp_.Fetches(testing::kJwksUri), 2);  // one refresh for the whole flood
  idp_.now = kNow + 31;
  EXPECT_FALSE(verifier->Verify(Token(R().old_key, "bogus-late")).has_value());
  EXPECT_EQ(idp_.Fetches(testing::kJwksUri), 3);
}

TEST_F(JwksCacheTest, FailedRefreshKeepsTheOldKeys) {
  const auto verifier = testing::MakeVerifier(idp_);
  ASSERT_TRUE(verifier->Verify(Token(R().old_key)).has_value());
  idp_.failing = true;
  idp_.now = kNow + 4000;
  for (int i = 0; i < 20; ++i) {
    const Result<Identity> id = verifier->Verify(Token(R().old_key));
    EXPECT_TRUE(id.has_value()) << id.error().message;
  }
  EXPECT_EQ(idp_.Fetches(testing::kJwksUri), 2);  // the failure is not retried on every request
  // A garbage JWKS is a failure too and keeps the old set.
  idp_.failing = false;
  idp_.Serve(testing::kJwksUri, R"({"keys":[{"kty":"oct","k":"c2VjcmV0","kid":"x"}]})");
  idp_.now = kNow + 4100;
  EXPECT_TRUE(verifier->Verify(Token(R().old_key)).has_value());
  EXPECT_EQ(idp_.Fetches(testing::kJwksUri), 3);
}

TEST_F(JwksCacheTest, NoKeysEverLoadedIsJwksUnavailable) {
  idp_.failing = true;
  const auto verifier = testing::MakeVerifier(idp_);
  for (int i = 0; i < 5; ++i) {
    const Result<Identity> id = verifier->Verify(Token(R().old_key));
    ASSERT_FALSE(id.has_value());
    EXPECT_EQ(id.error().code, authn_error::kJwksUnavailable);
  }
  EXPECT_EQ(idp_.TotalFetches(), 1);
  idp_.failing = false;
  idp_.now = kNow + 10;
  EXPECT_TRUE(verifier->Verify(Token(R().old_key)).has_value());
}

TEST_F(JwksCacheTest, DiscoveryFindsTheJwksUri) {
  const std::string discovery = std::string(testing::kIssuer) + "/.well-known/openid-configuration";
  idp_.Serve(discovery, json{{"issuer", testing::kIssuer}, {"jwks_uri", testing::kJwksUri}}.dump());
  OidcSettings settings = testing::BaseSettings();
  settings.jwks_uri.clear();
  const auto verifier = testing::MakeVerifier(idp_, settings);
  const Result<Identity> id = verifier->Verify(Token(R().old_key));
  EXPECT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(idp_.Fetches(discovery), 1);
}

TEST_F(JwksCacheTest, DiscoveryIssuerMismatchIsRejected) {
  const std::string discovery = std::string(testing::kIssuer) + "/.well-known/openid-configuration";
  OidcSettings settings = testing::BaseSettings();
  settings.jwks_uri.clear();
  for (const std::string& claimed : {std::string("https://evil.example"), std::string(testing::kIssuer) + "/"}) {
    idp_.Serve(discovery, json{{"issuer", claimed}, {"jwks_uri", testing::kJwksUri}}.dump());
    const auto verifier = testing::MakeVerifier(idp_, settings);
    const Result<Identity> id = verifier->Verify(Token(R().old_key));
    ASSERT_FALSE(id.has_value());
    EXPECT_EQ(id.error().code, authn_error::kJwksUnavailable);
    EXPECT_NE(id.error().message.find("another issuer"), std::string::npos) << id.error().message;
  }
  EXPECT_EQ(idp_.Fetches(testing::kJwksUri), 0);
}

TEST(DiscoverJwksUri, RefusesADowngradeToHttp) {
  testing::FakeIdp idp;
  idp.Serve("https://idp.example/.well-known/openid-configuration",
            json{{"issuer", "https://idp.example"}, {"jwks_uri", "http://idp.example/jwks"}}.dump());
  EXPECT_FALSE(DiscoverJwksUri("https://idp.example", idp.AsFetcher()).has_value());
  idp.Serve("http://127.0.0.1:8080/.well-known/openid-configuration",
            json{{"issuer", "http://127.0.0.1:8080/"}, {"jwks_uri", "http://127.0.0.1:8080/jwks"}}.dump());
  // Trailing slash in the configured issuer: the document path has no double slash.
  const Result<std::string> uri = DiscoverJwksUri("http://127.0.0.1:8080/", idp.AsFetcher());
  ASSERT_TRUE(uri.has_value()) << uri.error().message;
  EXPECT_EQ(*uri, "http://127.0.0.1:8080/jwks");
}

}  // namespace
}  // namespace citadel::guard
