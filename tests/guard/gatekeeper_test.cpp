#include "guard/gatekeeper.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "testing/shared_data.h"

namespace citadel::guard {
namespace {

class GatekeeperTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = testing::MakeTempDir("citadel-gate");
    auto store = ApiKeyStore::Open(dir_ / "keys.db", true);
    ASSERT_TRUE(store);
    keys_ = std::move(*store);
    key_ = keys_->Create({"acme", "user", "", {}, 0}, Now())->secret;
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static int64_t Now() { return static_cast<int64_t>(std::time(nullptr)); }

  GuardSettings Settings(TokenVerifier jwt = {}) {
    GuardSettings s;
    s.api_keys = keys_;
    s.verify_token = std::move(jwt);
    s.policy.roles["user"] = {.name = "user", .endpoints = {"completions"}, .limits = {.requests_per_minute = 1}};
    return s;
  }
  std::string Bearer(const std::string& k) { return "Bearer " + k; }

  std::filesystem::path dir_;
  std::shared_ptr<ApiKeyStore> keys_;
  std::string key_;
};

std::string CodeOf(const std::variant<Identity, Denial>& v) {
  return std::holds_alternative<Denial>(v) ? std::get<Denial>(v).code : "ok";
}

TEST_F(GatekeeperTest, WithoutAuthenticationEveryoneIsTheAnonymousTenant) {
  Gatekeeper open(GuardSettings{});
  EXPECT_FALSE(open.authentication_required());
  auto who = open.Authenticate({"127.0.0.1", "", "/v1/models"});
  ASSERT_EQ(CodeOf(who), "ok");
  EXPECT_EQ(std::get<Identity>(who).tenant, "default");
  EXPECT_TRUE(std::holds_alternative<RolePolicy>(open.Authorize(std::get<Identity>(who), "audit", "any")));
}

TEST_F(GatekeeperTest, CredentialsAreTakenOnlyFromABearerHeader) {
  const std::string bearer = Bearer(key_);
  Gatekeeper gate(Settings());
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", bearer, "/v1/completions"})), "ok");
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", "bearer  " + key_ + " ", "/v1/completions"})), "ok");
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", "", "/v1/completions"})), "missing_credentials");
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", key_, "/v1/completions"})), "invalid_authorization");
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", "Bearer ", "/v1/completions"})), "invalid_authorization");
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", bearer, "/v1/completions?key=" + key_})), "credentials_in_url");
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", bearer, "/v1/completions?x=1&Access_Token=y"})), "credentials_in_url");
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", bearer, "/v1/completions?tokenizer=1"})), "ok");
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", "Bearer " + std::string(20000, 'a'), "/"})), "token_too_large");
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", "Bearer a.b.c", "/"})), "invalid_api_key") << "no OIDC configured";
}

TEST_F(GatekeeperTest, NonKeyBearersGoToTheTokenVerifier) {
  int calls = 0;
  Gatekeeper gate(Settings([&](std::string_view token) -> Result<Identity> {
    ++calls;
    if (token != "h.p.s") return Error{"bad signature", "invalid_token"};
    Identity id;
    id.method = AuthMethod::kJwt;
    id.tenant = "acme";
    id.subject = "svc";
    id.roles = {"user"};
    return id;
  }));
  EXPECT_EQ(CodeOf(gate.Authenticate({"", "Bearer h.p.s", "/"})), "ok");
  const auto bad = gate.Authenticate({"", "Bearer h.p.x", "/"});
  EXPECT_EQ(CodeOf(bad), "invalid_token");
  EXPECT_EQ(std::get<Denial>(bad).status, 401);
  EXPECT_EQ(CodeOf(gate.Authenticate({"", "Bearer not-a-jwt", "/"})), "invalid_token");
  EXPECT_EQ(calls, 2) << "text that is not a compact JWS never reaches the verifier";
}

TEST_F(GatekeeperTest, AllowlistAndPolicyReplaceTakeEffectForTheNextRequest) {
  const std::string bearer = Bearer(key_);
  GuardSettings s = Settings();
  s.allowlist = *IpAllowlist::Parse({"10.0.0.0/8"});
  Gatekeeper gate(std::move(s));
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", bearer, "/"})), "ip_not_allowed");
  auto id = gate.Authenticate({"10.1.1.1", bearer, "/"});
  ASSERT_EQ(CodeOf(id), "ok");
  const Identity caller = std::get<Identity>(id);
  EXPECT_TRUE(std::holds_alternative<RolePolicy>(gate.Authorize(caller, "completions", "m")));
  EXPECT_TRUE(std::holds_alternative<Denial>(gate.Authorize(caller, "chat.completions", "m")));
  AccessPolicy wider;
  wider.roles["user"] = {.name = "user", .endpoints = {"*"}};
  gate.ReplacePolicy(wider, *IpAllowlist::Parse({}));
  EXPECT_EQ(CodeOf(gate.Authenticate({"127.0.0.1", bearer, "/"})), "ok");
  EXPECT_TRUE(std::holds_alternative<RolePolicy>(gate.Authorize(caller, "chat.completions", "m")));
}

TEST_F(GatekeeperTest, QuotasApplyPerCredential) {
  Gatekeeper gate(Settings());
  const Identity caller = std::get<Identity>(gate.Authenticate({"", Bearer(key_), "/"}));
  const RolePolicy role = std::get<RolePolicy>(gate.Authorize(caller, "completions", "m"));
  EXPECT_TRUE(std::holds_alternative<quota::Limiter::Ticket>(gate.Admit(caller, role, 3)));
  auto second = gate.Admit(caller, role, 3);
  ASSERT_TRUE(std::holds_alternative<Denial>(second));
  EXPECT_EQ(std::get<Denial>(second).status, 429);
  EXPECT_GE(std::get<Denial>(second).retry_after_seconds, 1);
  const auto usage = gate.Usage(caller, role);
  ASSERT_EQ(usage.size(), 2u);
  EXPECT_EQ(usage[0].id, "key:" + caller.credential_id);
  EXPECT_EQ(usage[1].id, "tenant:acme");
  EXPECT_EQ(usage[0].tokens_today, 3);
}

}  // namespace
}  // namespace citadel::guard
