#include "guard/authz/access_policy.h"

#include <gtest/gtest.h>

namespace citadel::guard {
namespace {

AccessPolicy Policy() {
  AccessPolicy p;
  p.roles["analyst"] = {.name = "analyst", .models = {"llama"}, .endpoints = {"chat.completions", "models"}};
  p.roles["admin"] = {.name = "admin", .models = {"*"}, .endpoints = {"*"}, .require_mfa = true,
                      .mfa_amr = {"otp", "hwk"}, .mfa_acr = {"gold"}};
  p.tenants["acme"].tokens_per_day = 5;
  p.default_tenant_limits.tokens_per_day = 1;
  return p;
}

Identity Caller(std::vector<std::string> roles) {
  return Identity{.tenant = "acme", .subject = "u", .roles = std::move(roles)};
}

std::string CodeOf(const std::variant<const RolePolicy*, Denial>& v) {
  if (std::holds_alternative<Denial>(v)) return std::get<Denial>(v).code;
  std::string allowed = "allowed:";
  return allowed.append(std::get<const RolePolicy*>(v)->name);
}

TEST(AccessPolicy, DeniesByDefault) {
  const AccessPolicy p = Policy();
  EXPECT_EQ(CodeOf(Authorize(p, Caller({}), "chat.completions", "llama")), "permission_denied");
  EXPECT_EQ(CodeOf(Authorize(p, Caller({"unknown"}), "chat.completions", "llama")), "permission_denied");
  EXPECT_EQ(CodeOf(Authorize(p, Caller({"analyst"}), "completions", "llama")), "permission_denied");
  EXPECT_EQ(CodeOf(Authorize(p, Caller({"analyst"}), "chat.completions", "qwen")), "model_not_allowed");
  EXPECT_EQ(CodeOf(Authorize(p, Caller({"analyst"}), "chat.completions", "llama")), "allowed:analyst");
  EXPECT_EQ(std::get<Denial>(Authorize(p, Caller({}), "models", "")).status, 403);
}

TEST(AccessPolicy, MfaNeedsAnAmrOrAcrFromTheConfiguredSet) {
  const AccessPolicy p = Policy();
  Identity id = Caller({"admin"});
  EXPECT_EQ(CodeOf(Authorize(p, id, "audit", "")), "mfa_required");
  id.amr = {"pwd"};
  EXPECT_EQ(CodeOf(Authorize(p, id, "audit", "")), "mfa_required");
  id.amr = {"pwd", "hwk"};
  EXPECT_EQ(CodeOf(Authorize(p, id, "audit", "")), "allowed:admin");
  id.amr = {};
  id.acr = "gold";
  EXPECT_EQ(CodeOf(Authorize(p, id, "audit", "")), "allowed:admin");
  const auto denial = std::get<Denial>(Authorize(p, Caller({"admin"}), "audit", ""));
  EXPECT_NE(denial.message.find("multi-factor"), std::string::npos);
}

TEST(AccessPolicy, AnotherRoleWithoutMfaStillAdmits) {
  const AccessPolicy p = Policy();
  EXPECT_EQ(CodeOf(Authorize(p, Caller({"admin", "analyst"}), "chat.completions", "llama")), "allowed:analyst");
}

TEST(AccessPolicy, CredentialModelListNarrowsTheRole) {
  const AccessPolicy p = Policy();
  Identity id = Caller({"admin"});
  id.amr = {"otp"};
  id.models = {"llama"};
  EXPECT_EQ(CodeOf(Authorize(p, id, "chat.completions", "qwen")), "model_not_allowed");
  EXPECT_EQ(CodeOf(Authorize(p, id, "chat.completions", "llama")), "allowed:admin");
}

TEST(AccessPolicy, TenantLimitsFallBackToTheDefault) {
  const AccessPolicy p = Policy();
  EXPECT_EQ(TenantLimits(p, "acme").tokens_per_day, 5);
  EXPECT_EQ(TenantLimits(p, "other").tokens_per_day, 1);
}

}  // namespace
}  // namespace citadel::guard
