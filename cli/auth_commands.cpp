#include "auth_commands.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "guard/authn/jwt_verifier.h"

namespace citadel::cli {
namespace {

struct VerifyArgs {
  guard::OidcSettings settings;
  std::vector<std::string> roles_claims;
  int64_t leeway_s = 60;
  int64_t timeout_ms = 5000;
  std::string token;
};

std::string Trim(std::string text) {
  const size_t begin = text.find_first_not_of(" \t\r\n");
  if (begin == std::string::npos) return {};
  const size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(begin, end - begin + 1);
}

nlohmann::ordered_json ToJson(const guard::Identity& id) {
  return {{"method", "jwt"},       {"subject", id.subject},   {"tenant", id.tenant},
          {"roles", id.roles},     {"amr", id.amr},           {"acr", id.acr},
          {"credential_id", id.credential_id}, {"expires_at", id.expires_at}};
}

// Prints the Identity as JSON, or "<code>: <why>" (never the token) and fails.
Result<void> RunVerify(VerifyArgs a) {
  // Reading from standard input keeps the token out of the shell history and the process list.
  std::string token = a.token == "-" ? std::string(std::istreambuf_iterator<char>(std::cin), {}) : a.token;
  token = Trim(std::move(token));
  if (token.starts_with("Bearer ")) token = Trim(token.substr(7));
  if (!a.roles_claims.empty()) a.settings.roles_claims = a.roles_claims;
  a.settings.leeway = std::chrono::seconds(a.leeway_s);
  a.settings.http_timeout = std::chrono::milliseconds(a.timeout_ms);
  CITADEL_ASSIGN_OR_RETURN(const std::unique_ptr<guard::JwtVerifier> verifier, guard::JwtVerifier::Create(a.settings));
  Result<guard::Identity> id = verifier->Verify(token);
  if (!id) return Err("{}: {}", id.error().code, id.error().message);
  std::printf("%s\n", ToJson(*id).dump(2).c_str());
  return Ok();
}

}  // namespace

void AddAuthCommands(CLI::App& app, int& exit_code) {
  auto* group = app.add_subcommand("auth", "Authentication tools");
  group->require_subcommand(1);
  auto args = std::make_shared<VerifyArgs>();
  guard::OidcSettings& s = args->settings;
  auto* verify = group->add_subcommand("verify-token", "Verify an OIDC bearer token and print its Identity as JSON");
  verify->add_option("token", args->token, "the token, or - to read it from standard input")->required();
  verify->add_option("--issuer", s.issuer, "expected iss, exactly as the provider writes it")->required();
  verify->add_option("--audience", s.audiences, "an accepted aud (repeatable)")->required();
  verify->add_option("--jwks-uri", s.jwks_uri, "JWKS URL (default: from the issuer's discovery document)");
  verify->add_option("--roles-claim", args->roles_claims,
                     "claim path holding roles, e.g. realm_access.roles (repeatable; default: roles)");
  verify->add_option("--tenant-claim", s.tenant_claim, "claim path holding the tenant")->capture_default_str();
  verify->add_option("--subject-claim", s.subject_claim, "claim path holding the subject")->capture_default_str();
  verify->add_option("--default-tenant", s.default_tenant, "tenant for tokens without the tenant claim");
  verify->add_option("--ca-file", s.ca_file, "PEM bundle trusted for the provider's TLS (default: system store)");
  verify->add_option("--leeway", args->leeway_s, "clock skew allowed, seconds (at most 300)")->capture_default_str();
  verify->add_option("--timeout-ms", args->timeout_ms, "HTTP timeout for discovery and JWKS")->capture_default_str();
  verify->callback([args, &exit_code] {
    if (auto r = RunVerify(*args); !r) {
      std::fprintf(stderr, "citadel: auth verify-token: %s\n", r.error().message.c_str());
      exit_code = 1;
    }
  });
}

}  // namespace citadel::cli
