#include "guard/authn/jwk.h"

#include <gtest/gtest.h>

#include "guard/authn/jwt_test_signer.h"

namespace citadel::guard {
namespace {

using nlohmann::json;
using testing::TestKey;
using testing::TestKeyType;

TEST(Jwk, LoadsEachSupportedKeyType) {
  const std::vector<std::pair<TestKeyType, KeyFamily>> cases = {{TestKeyType::kRsa2048, KeyFamily::kRsa},
                                                                {TestKeyType::kP256, KeyFamily::kEcP256},
                                                                {TestKeyType::kP384, KeyFamily::kEcP384},
                                                                {TestKeyType::kEd25519, KeyFamily::kEd25519}};
  for (const auto& [type, family] : cases) {
    const TestKey key{"k", testing::GenerateKey(type)};
    const Result<VerificationKey> parsed = ParseJwk(testing::PublicJwk(key));
    ASSERT_TRUE(parsed.has_value()) << parsed.error().message;
    EXPECT_EQ(parsed->family, family);
    EXPECT_EQ(parsed->kid, "k");
    EXPECT_EQ(EVP_PKEY_eq(parsed->pkey.get(), key.pkey.get()), 1);
  }
}

TEST(Jwk, RefusesWeakForeignAndMisusedKeys) {
  const json rsa = testing::PublicJwk(TestKey{"r", testing::GenerateKey(TestKeyType::kRsa2048)});
  const json ec = testing::PublicJwk(TestKey{"e", testing::GenerateKey(TestKeyType::kP256)});
  const auto with = [](json jwk, const char* k, json v) {
    jwk[k] = std::move(v);
    return jwk;
  };
  json off_curve = ec;
  std::string y = *DecodeBase64Url(ec["y"].get<std::string>());
  y.back() = static_cast<char>(y.back() ^ 1);
  off_curve["y"] = EncodeBase64Url(y);
  const std::vector<std::pair<const char*, json>> cases = {
      {"rsa_1024", testing::PublicJwk(TestKey{"s", testing::GenerateKey(TestKeyType::kRsa1024)})},
      {"use_enc", with(rsa, "use", "enc")},
      {"key_ops_sign_only", with(rsa, "key_ops", {"sign"})},
      {"kty_oct", json{{"kty", "oct"}, {"k", "c2VjcmV0"}}},
      {"kty_missing", json{{"n", rsa["n"]}, {"e", rsa["e"]}}},
      {"crv_p521", with(ec, "crv", "P-521")},
      {"crv_mismatch_x25519", json{{"kty", "OKP"}, {"crv", "X25519"}, {"x", ec["x"]}}},
      {"ec_point_off_curve", off_curve},
      {"ec_short_coordinate", with(ec, "x", EncodeBase64Url(std::string(31, 'a')))},
      {"rsa_n_padded_base64", with(rsa, "n", rsa["n"].get<std::string>() + "==")},
      {"rsa_even_exponent", with(rsa, "e", "AQAA")},
      {"not_an_object", json::array()},
  };
  for (const auto& [name, jwk] : cases) EXPECT_FALSE(ParseJwk(jwk).has_value()) << name;
}

TEST(Jwks, KeepsUsableKeysAndSkipsTheRest) {
  const TestKey a{"a", testing::GenerateKey(TestKeyType::kEd25519)};
  const TestKey b{"b", testing::GenerateKey(TestKeyType::kP256)};
  json doc = json::parse(testing::Jwks({&a, &b}));
  doc["keys"].push_back({{"kty", "RSA"}, {"use", "enc"}, {"kid", "enc"}, {"n", "AQAB"}, {"e", "AQAB"}});
  doc["keys"].push_back(testing::PublicJwk(TestKey{"a", b.pkey}));  // duplicate kid: first wins
  json nokid = testing::PublicJwk(b);
  nokid.erase("kid");
  doc["keys"].push_back(nokid);
  const Result<KeySet> set = ParseJwks(doc.dump());
  ASSERT_TRUE(set.has_value()) << set.error().message;
  EXPECT_EQ(set->keys.size(), 2u);
  EXPECT_EQ(set->skipped, 3u);
  ASSERT_NE(set->Find("a"), nullptr);
  EXPECT_EQ(set->Find("a")->family, KeyFamily::kEd25519);
  EXPECT_EQ(set->Find("enc"), nullptr);
  for (const char* bad : {"", "[]", "{}", R"({"keys":{}})", R"({"keys":[]})", "{\"keys\":["}) {
    EXPECT_FALSE(ParseJwks(bad).has_value()) << bad;
  }
}

}  // namespace
}  // namespace citadel::guard
