#include "guard/authn/jwt_verifier.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "core/base64url.h"
#include "guard/authn/auth_error.h"
#include "guard/authn/fake_idp.h"
#include "guard/authn/jwt_test_signer.h"

namespace citadel::guard {
namespace {

using nlohmann::json;
using testing::EcdsaForm;
using testing::kNow;
using testing::MakeToken;
using testing::Segment;
using testing::TestKey;
using testing::TestKeyType;

struct Keys {
  TestKey rsa{"rsa1", testing::GenerateKey(TestKeyType::kRsa2048)};
  TestKey rsa2{"rsa2", testing::GenerateKey(TestKeyType::kRsa2048)};
  // Same kid as `rsa`, never published: an attacker's own key.
  TestKey rogue{"rsa1", testing::GenerateKey(TestKeyType::kRsa2048)};
  TestKey ec256{"ec256", testing::GenerateKey(TestKeyType::kP256)};
  TestKey ec384{"ec384", testing::GenerateKey(TestKeyType::kP384)};
  TestKey ed{"ed1", testing::GenerateKey(TestKeyType::kEd25519)};
};

// RSA generation takes a while; the keys are made once for the whole file.
const Keys& K() {
  static const Keys* keys = new Keys();
  return *keys;
}

json Header(const TestKey& key, std::string alg) { return {{"alg", std::move(alg)}, {"kid", key.kid}, {"typ", "JWT"}}; }

json Claims() {
  return {{"iss", testing::kIssuer}, {"aud", "citadel"}, {"sub", "alice"},  {"tenant", "acme"},
          {"exp", kNow + 300},       {"iat", kNow},      {"jti", "tok-1"},  {"roles", {"user"}}};
}

std::string Good(const json& claims = Claims()) { return MakeToken(Header(K().rsa, "RS256"), claims, K().rsa.pkey.get()); }

json With(json claims, const std::string& key, json value) {
  claims[key] = std::move(value);
  return claims;
}
json Without(json claims, const std::string& key) {
  claims.erase(key);
  return claims;
}

// Splits a token into its three segments (for tampering).
std::vector<std::string> Parts(const std::string& token) {
  std::vector<std::string> parts;
  size_t start = 0;
  for (size_t dot; (dot = token.find('.', start)) != std::string::npos; start = dot + 1) parts.push_back(token.substr(start, dot - start));
  parts.push_back(token.substr(start));
  return parts;
}
std::string Join(const std::vector<std::string>& p) { return p[0] + "." + p[1] + "." + p[2]; }

class JwtVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    idp_.Serve(testing::kJwksUri, testing::Jwks({&K().rsa, &K().rsa2, &K().ec256, &K().ec384, &K().ed}));
    verifier_ = testing::MakeVerifier(idp_);
  }
  testing::FakeIdp idp_;
  std::unique_ptr<JwtVerifier> verifier_;
};

struct AttackCase {
  const char* name;
  std::function<std::string()> token;
  std::string_view code;
};

std::vector<AttackCase> AttackCases() {
  namespace c = authn_error;
  const Keys& k = K();
  return {
      {"alg_none_without_signature", [] { return Segment({{"alg", "none"}, {"kid", "rsa1"}}) + "." + Segment(Claims()) + "."; }, c::kInvalidToken},
      {"alg_none_with_signature", [] { return Segment({{"alg", "none"}, {"kid", "rsa1"}}) + "." + Segment(Claims()) + ".c2ln"; }, c::kUnsupportedAlgorithm},
      {"alg_None_capitalised", [] { return Segment({{"alg", "None"}, {"kid", "rsa1"}}) + "." + Segment(Claims()) + ".c2ln"; }, c::kUnsupportedAlgorithm},
      {"hs256_with_rsa_public_key_as_secret", [&k] { return MakeToken(Header(k.rsa, "HS256"), Claims(), k.rsa.pkey.get()); }, c::kUnsupportedAlgorithm},
      {"hs512", [&k] { return MakeToken(Header(k.rsa, "HS512"), Claims(), k.rsa.pkey.get()); }, c::kUnsupportedAlgorithm},
      {"alg_missing", [&k] { return MakeToken({{"kid", "rsa1"}}, Claims(), k.rsa.pkey.get()); }, c::kInvalidToken},
      {"alg_not_a_string", [] { return Segment({{"alg", 256}, {"kid", "rsa1"}}) + "." + Segment(Claims()) + ".c2ln"; }, c::kInvalidToken},
      {"kid_points_to_another_key", [&k] { return MakeToken(Header(k.rsa2, "RS256"), Claims(), k.rsa.pkey.get()); }, c::kInvalidSignature},
      {"unknown_kid", [&k] { return MakeToken(json{{"alg", "RS256"}, {"kid", "nope"}}, Claims(), k.rsa.pkey.get()); }, c::kUnknownKey},
      {"missing_kid", [&k] { return MakeToken(json{{"alg", "RS256"}}, Claims(), k.rsa.pkey.get()); }, c::kUnknownKey},
      {"kid_not_a_string", [&k] { return MakeToken(json{{"alg", "RS256"}, {"kid", 1}}, Claims(), k.rsa.pkey.get()); }, c::kUnknownKey},
      {"embedded_jwk_and_jku_ignored", [&k] {
         return MakeToken(json{{"alg", "RS256"}, {"kid", "attacker"}, {"jku", "https://evil.example/jwks"},
                               {"jwk", testing::PublicJwk(TestKey{"attacker", k.rogue.pkey})}},
                          Claims(), k.rogue.pkey.get());
       }, c::kUnknownKey},
      {"expired", [] { return Good(With(Claims(), "exp", kNow - 61)); }, c::kTokenExpired},
      {"expired_long_ago", [] { return Good(With(Claims(), "exp", kNow - 86400)); }, c::kTokenExpired},
      {"nbf_in_future", [] { return Good(With(Claims(), "nbf", kNow + 120)); }, c::kTokenNotYetValid},
      {"iat_far_future", [] { return Good(With(Claims(), "iat", kNow + 3600)); }, c::kTokenNotYetValid},
      {"wrong_issuer", [] { return Good(With(Claims(), "iss", "https://evil.example/realms/citadel")); }, c::kInvalidIssuer},
      {"issuer_trailing_slash", [] { return Good(With(Claims(), "iss", std::string(testing::kIssuer) + "/")); }, c::kInvalidIssuer},
      {"issuer_missing", [] { return Good(Without(Claims(), "iss")); }, c::kInvalidIssuer},
      {"wrong_audience", [] { return Good(With(Claims(), "aud", "other-api")); }, c::kInvalidAudience},
      {"aud_array_without_ours", [] { return Good(With(Claims(), "aud", {"a", "b", "citadel-x"})); }, c::kInvalidAudience},
      {"aud_missing", [] { return Good(Without(Claims(), "aud")); }, c::kInvalidAudience},
      {"tampered_payload", [] {
         auto p = Parts(Good());
         p[1] = Segment(With(Claims(), "roles", {"admin"}));
         return Join(p);
       }, c::kInvalidSignature},
      {"tampered_header", [] {
         auto p = Parts(Good());
         p[0] = Segment({{"alg", "RS256"}, {"kid", "rsa1"}, {"typ", "at+jwt"}});
         return Join(p);
       }, c::kInvalidSignature},
      {"truncated_signature", [] {
         auto p = Parts(Good());
         p[2] = EncodeBase64Url(DecodeBase64Url(p[2])->substr(0, 200));
         return Join(p);
       }, c::kInvalidSignature},
      {"signature_from_another_key_same_kid", [&k] { return MakeToken(Header(k.rogue, "RS256"), Claims(), k.rogue.pkey.get()); }, c::kInvalidSignature},
      {"es256_der_signature", [&k] { return MakeToken(Header(k.ec256, "ES256"), Claims(), k.ec256.pkey.get(), EcdsaForm::kDer); }, c::kInvalidSignature},
      {"rs256_header_on_ec_key", [&k] { return MakeToken(Header(k.ec256, "RS256"), Claims(), k.rsa.pkey.get()); }, c::kUnsupportedAlgorithm},
      {"es256_header_on_p384_key", [&k] { return MakeToken(Header(k.ec384, "ES256"), Claims(), k.ec256.pkey.get()); }, c::kUnsupportedAlgorithm},
      {"eddsa_header_on_rsa_key", [&k] { return MakeToken(Header(k.rsa, "EdDSA"), Claims(), k.ed.pkey.get()); }, c::kUnsupportedAlgorithm},
      {"ps256_header_pkcs1_signature", [&k] {
         const std::string input = Segment(Header(k.rsa, "PS256")) + "." + Segment(Claims());
         return input + "." + EncodeBase64Url(testing::Sign(k.rsa.pkey.get(), "RS256", input));
       }, c::kInvalidSignature},
      {"rs256_header_pss_signature", [&k] {
         const std::string input = Segment(Header(k.rsa, "RS256")) + "." + Segment(Claims());
         return input + "." + EncodeBase64Url(testing::Sign(k.rsa.pkey.get(), "PS256", input));
       }, c::kInvalidSignature},
      {"crit_header", [&k] { return MakeToken(With(Header(k.rsa, "RS256"), "crit", {"exp"}), Claims(), k.rsa.pkey.get()); }, c::kInvalidToken},
      {"oversized_token", [] { return Good(With(Claims(), "pad", std::string(9000, 'x'))); }, c::kTokenTooLarge},
      {"two_segments", [] { auto p = Parts(Good()); return p[0] + "." + p[1]; }, c::kInvalidToken},
      {"four_segments", [] { return Good() + ".AAAA"; }, c::kInvalidToken},
      {"empty_header_segment", [] { auto p = Parts(Good()); return "." + p[1] + "." + p[2]; }, c::kInvalidToken},
      {"empty_payload_segment", [] { auto p = Parts(Good()); return p[0] + ".." + p[2]; }, c::kInvalidToken},
      {"non_base64url_chars", [] { auto p = Parts(Good()); p[1].insert(4, "+/"); return Join(p); }, c::kInvalidToken},
      {"padded_signature", [] { return Good() + "=="; }, c::kInvalidToken},
      {"header_not_json", [] { auto p = Parts(Good()); p[0] = EncodeBase64Url(std::string_view("{alg:RS256")); return Join(p); }, c::kInvalidToken},
      {"header_is_json_string", [] { auto p = Parts(Good()); p[0] = Segment("RS256"); return Join(p); }, c::kInvalidToken},
      {"payload_is_array", [&k] {
         const std::string input = Segment(Header(k.rsa, "RS256")) + "." + Segment(json::array({Claims()}));
         return input + "." + EncodeBase64Url(testing::Sign(k.rsa.pkey.get(), "RS256", input));
       }, c::kInvalidToken},
      {"exp_as_string", [] { return Good(With(Claims(), "exp", std::to_string(kNow + 300))); }, c::kInvalidToken},
      {"exp_missing", [] { return Good(Without(Claims(), "exp")); }, c::kMissingClaim},
      {"nbf_as_bool", [] { return Good(With(Claims(), "nbf", true)); }, c::kInvalidToken},
      {"tenant_missing_no_default", [] { return Good(Without(Claims(), "tenant")); }, c::kMissingClaim},
      {"tenant_empty_no_default", [] { return Good(With(Claims(), "tenant", "")); }, c::kMissingClaim},
      {"tenant_not_a_string", [] { return Good(With(Claims(), "tenant", {"acme", "globex"})); }, c::kInvalidToken},
      {"subject_missing", [] { return Good(Without(Claims(), "sub")); }, c::kMissingClaim},
  };
}

TEST_F(JwtVerifierTest, AttackSuiteFailsWithTheExactCode) {
  const std::vector<AttackCase> cases = AttackCases();
  ASSERT_GE(cases.size(), 30u);
  for (const AttackCase& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string token = c.token();
    const Result<Identity> result = verifier_->Verify(token);
    ASSERT_FALSE(result.has_value()) << "accepted";
    EXPECT_EQ(result.error().code, c.code) << result.error().message;
    // The message is one line and never echoes the token or its signature.
    EXPECT_EQ(result.error().message.find('\n'), std::string::npos);
    const size_t dot = token.rfind('.');
    if (dot != std::string::npos && token.size() - dot > 16) {
      EXPECT_EQ(result.error().message.find(token.substr(dot + 1)), std::string::npos) << result.error().message;
    }
    EXPECT_EQ(result.error().message.find(token), std::string::npos);
  }
  // A token's jku is never followed.
  EXPECT_EQ(idp_.Fetches("https://evil.example/jwks"), 0);
}

TEST_F(JwtVerifierTest, GoodTokenMapsEveryClaim) {
  json claims = Claims();
  claims["amr"] = {"pwd", "otp"};
  claims["acr"] = "urn:mfa";
  const Result<Identity> id = verifier_->Verify(Good(claims));
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(id->method, AuthMethod::kJwt);
  EXPECT_EQ(id->subject, "alice");
  EXPECT_EQ(id->tenant, "acme");
  EXPECT_EQ(id->roles, std::vector<std::string>{"user"});
  EXPECT_EQ(id->credential_id, "tok-1");
  EXPECT_EQ(id->amr, (std::vector<std::string>{"pwd", "otp"}));
  EXPECT_EQ(id->acr, "urn:mfa");
  EXPECT_EQ(id->expires_at, kNow + 300);
}

TEST_F(JwtVerifierTest, EveryAlgorithmVerifies) {
  const Keys& k = K();
  const std::vector<std::pair<const TestKey*, std::string>> cases = {
      {&k.rsa, "RS256"}, {&k.rsa, "RS384"}, {&k.rsa, "RS512"}, {&k.rsa, "PS256"}, {&k.rsa, "PS384"},
      {&k.rsa, "PS512"}, {&k.ec256, "ES256"}, {&k.ec384, "ES384"}, {&k.ed, "EdDSA"}};
  for (const auto& [key, alg] : cases) {
    const Result<Identity> id = verifier_->Verify(MakeToken(Header(*key, alg), Claims(), key->pkey.get()));
    EXPECT_TRUE(id.has_value()) << alg << ": " << (id ? "" : id.error().message);
  }
}

TEST_F(JwtVerifierTest, AlgorithmOutsideTheAllowedListIsRefused) {
  OidcSettings settings = testing::BaseSettings();
  settings.allowed_algorithms = {"ES256"};
  const auto verifier = testing::MakeVerifier(idp_, settings);
  const Result<Identity> id = verifier->Verify(Good());
  ASSERT_FALSE(id.has_value());
  EXPECT_EQ(id.error().code, authn_error::kUnsupportedAlgorithm);
  EXPECT_TRUE(verifier->Verify(MakeToken(Header(K().ec256, "ES256"), Claims(), K().ec256.pkey.get())).has_value());
}

TEST_F(JwtVerifierTest, ForbiddenAlgorithmsCannotBeConfigured) {
  for (const char* alg : {"none", "HS256", "RS1", ""}) {
    OidcSettings settings = testing::BaseSettings();
    settings.allowed_algorithms = {"RS256", alg};
    EXPECT_FALSE(JwtVerifier::Create(settings, idp_.AsFetcher()).has_value()) << alg;
  }
  OidcSettings no_audience = testing::BaseSettings();
  no_audience.audiences.clear();
  EXPECT_FALSE(JwtVerifier::Create(no_audience, idp_.AsFetcher()).has_value());
  OidcSettings bad_path = testing::BaseSettings();
  bad_path.roles_claims = {"realm_access..roles"};
  EXPECT_FALSE(JwtVerifier::Create(bad_path, idp_.AsFetcher()).has_value());
}

TEST_F(JwtVerifierTest, LeewayAcceptsSlightlyExpiredAndIsCapped) {
  EXPECT_TRUE(verifier_->Verify(Good(With(Claims(), "exp", kNow - 30))).has_value());
  EXPECT_TRUE(verifier_->Verify(Good(With(Claims(), "nbf", kNow + 30))).has_value());
  EXPECT_TRUE(verifier_->Verify(Good(With(Claims(), "exp", kNow + 0.5))).has_value());
  OidcSettings lax = testing::BaseSettings();
  lax.leeway = std::chrono::hours(24);  // capped to 300 s
  const auto verifier = testing::MakeVerifier(idp_, lax);
  EXPECT_TRUE(verifier->Verify(Good(With(Claims(), "exp", kNow - 299))).has_value());
  const Result<Identity> old = verifier->Verify(Good(With(Claims(), "exp", kNow - 301)));
  ASSERT_FALSE(old.has_value());
  EXPECT_EQ(old.error().code, authn_error::kTokenExpired);
}

TEST_F(JwtVerifierTest, RoleClaimPathForms) {
  struct Case {
    const char* name;
    json extra;
    std::vector<std::string> roles;
  };
  const std::vector<Case> cases = {
      {"keycloak_realm", {{"realm_access", {{"roles", {"offline_access", "analyst"}}}}}, {"offline_access", "analyst"}},
      {"keycloak_client", {{"resource_access", {{"citadel-api", {{"roles", {"admin"}}}}, {"other", {{"roles", {"root"}}}}}}}, {"admin"}},
      {"groups", {{"groups", {"ops", "ops"}}}, {"ops"}},
      {"space_separated", {{"roles", "reader  writer"}}, {"reader", "writer"}},
      {"escaped_dot_claim", {{"https://citadel.example/roles", {"auditor"}}}, {"auditor"}},
      {"non_strings_ignored", {{"roles", {"user", 7, json::object(), nullptr}}}, {"user"}},
  };
  for (const Case& c : cases) {
    json claims = Without(Claims(), "roles");
    for (const auto& [key, value] : c.extra.items()) claims[key] = value;
    const Result<Identity> id = verifier_->Verify(Good(claims));
    ASSERT_TRUE(id.has_value()) << c.name << ": " << id.error().message;
    EXPECT_EQ(id->roles, c.roles) << c.name;
  }
}

TEST_F(JwtVerifierTest, RolesOutsideConfiguredPayloadClaimsGrantNothing) {
  // In the header, in claims nobody configured, in the path's parent: none of them counts.
  json header = Header(K().rsa, "RS256");
  header["roles"] = {"admin"};
  header["realm_access"] = {{"roles", {"admin"}}};
  json claims = Without(Claims(), "roles");
  claims["scope"] = "admin";
  claims["permissions"] = {"admin"};
  claims["realm_access"] = {{"admins", {"admin"}}};
  claims["resource_access"] = {{"other-client", {{"roles", {"admin"}}}}};
  const Result<Identity> id = verifier_->Verify(MakeToken(header, claims, K().rsa.pkey.get()));
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_TRUE(id->roles.empty());
}

TEST_F(JwtVerifierTest, ConfigurableSubjectTenantAndDefaultTenant) {
  OidcSettings settings = testing::BaseSettings();
  settings.subject_claim = "preferred_username";
  settings.tenant_claim = "org.id";
  const auto verifier = testing::MakeVerifier(idp_, settings);
  json claims = Claims();
  claims["preferred_username"] = "alice@acme";
  claims["org"] = {{"id", "acme-42"}};
  const Result<Identity> id = verifier->Verify(Good(claims));
  ASSERT_TRUE(id.has_value()) << id.error().message;
  EXPECT_EQ(id->subject, "alice@acme");
  EXPECT_EQ(id->tenant, "acme-42");

  settings.default_tenant = "shared";
  const auto with_default = testing::MakeVerifier(idp_, settings);
  claims.erase("org");
  const Result<Identity> fallback = with_default->Verify(Good(claims));
  ASSERT_TRUE(fallback.has_value()) << fallback.error().message;
  EXPECT_EQ(fallback->tenant, "shared");
}

TEST_F(JwtVerifierTest, AudienceArrayWithOursIsAccepted) {
  const Result<Identity> id = verifier_->Verify(Good(With(Claims(), "aud", {"other", "citadel-admin"})));
  EXPECT_TRUE(id.has_value()) << id.error().message;
}

TEST_F(JwtVerifierTest, ManyThreadsVerifyAtOnce) {
  const std::string token = Good();
  std::atomic<int> ok{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 50; ++i) ok += verifier_->Verify(token).has_value() ? 1 : 0;
    });
  }
  for (std::thread& t : threads) t.join();
  EXPECT_EQ(ok, 200);
  EXPECT_EQ(idp_.TotalFetches(), 1);
}

// Not a timed assertion: prints the cost of one cached-key verification per algorithm.
TEST_F(JwtVerifierTest, PrintsVerificationTiming) {
  const Keys& k = K();
  for (const auto& [key, alg] : std::vector<std::pair<const TestKey*, std::string>>{
           {&k.rsa, "RS256"}, {&k.ec256, "ES256"}, {&k.ed, "EdDSA"}}) {
    const std::string token = MakeToken(Header(*key, alg), Claims(), key->pkey.get());
    ASSERT_TRUE(verifier_->Verify(token).has_value());
    constexpr int kRounds = 2000;
    const auto start = std::chrono::steady_clock::now();
    for (int i = 0; i < kRounds; ++i) (void)verifier_->Verify(token);
    const double us = std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - start).count() / kRounds;
    std::printf("[timing] %s verify (cached key): %.1f us\n", alg.c_str(), us);
  }
}

}  // namespace
}  // namespace citadel::guard
