#pragma once
// An identity provider without a network: serves documents by URL to the verifier's injected
// fetcher, counts fetches, can be made to fail, and owns the fake clock.

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "guard/authn/jwt_verifier.h"

namespace citadel::guard::testing {

inline constexpr char kIssuer[] = "https://idp.example/realms/citadel";
inline constexpr char kJwksUri[] = "https://idp.example/realms/citadel/certs";
inline constexpr int64_t kNow = 1'700'000'000;

struct FakeIdp {
  std::mutex mu;
  std::map<std::string, std::string> docs;
  std::map<std::string, int> fetches;
  bool failing = false;
  std::atomic<int64_t> now{kNow};

  void Serve(const std::string& url, std::string body) {
    std::lock_guard lock(mu);
    docs[url] = std::move(body);
  }
  int Fetches(const std::string& url) {
    std::lock_guard lock(mu);
    return fetches[url];
  }
  int TotalFetches() {
    std::lock_guard lock(mu);
    int n = 0;
    for (const auto& [url, count] : fetches) n += count;
    return n;
  }
  Fetcher AsFetcher() {
    return [this](const std::string& url) -> Result<std::string> {
      std::lock_guard lock(mu);
      ++fetches[url];
      if (failing) return Err("connection refused");
      const auto it = docs.find(url);
      if (it == docs.end()) return Err("HTTP status 404");
      return it->second;
    };
  }
  UnixClock AsClock() {
    return [this] { return now.load(); };
  }
};

inline OidcSettings BaseSettings() {
  OidcSettings s;
  s.issuer = kIssuer;
  s.jwks_uri = kJwksUri;
  s.audiences = {"citadel", "citadel-admin"};
  s.roles_claims = {"roles", "realm_access.roles", "resource_access.citadel-api.roles", "groups",
                    "https://citadel\\.example/roles"};
  return s;
}

inline std::unique_ptr<JwtVerifier> MakeVerifier(FakeIdp& idp, const OidcSettings& settings = BaseSettings()) {
  auto verifier = JwtVerifier::Create(settings, idp.AsFetcher(), idp.AsClock());
  EXPECT_TRUE(verifier.has_value()) << (verifier ? "" : verifier.error().message);
  return std::move(verifier).value();
}

}  // namespace citadel::guard::testing
