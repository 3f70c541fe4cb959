#pragma once
// The identity provider's signing keys, shared by every request thread. Readers take a
// shared_ptr snapshot under a short lock and verify without holding it; one thread at a time
// fetches. A failed fetch keeps the previous set. The JWKS is fetched again when the refresh
// interval has passed and when a token names a kid the set lacks, the latter at most once per
// `unknown_kid_min_interval` so a flood of made-up kids cannot hammer the provider.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "core/result.h"
#include "guard/authn/jwk.h"

namespace citadel::guard {

// GET `url` and return the body of a 200 answer; the real one is guard/authn/http_fetch.h.
using Fetcher = std::function<Result<std::string>(const std::string& url)>;
// Unix seconds; tests pass a fake.
using UnixClock = std::function<int64_t()>;

int64_t SystemUnixSeconds();

struct JwksCacheOptions {
  std::string issuer;
  // Empty: discovered from <issuer>/.well-known/openid-configuration.
  std::string jwks_uri;
  std::chrono::seconds refresh_interval{3600};
  std::chrono::seconds unknown_kid_min_interval{10};
};

// Reads <issuer>/.well-known/openid-configuration, checks that its "issuer" is exactly `issuer`
// and returns its "jwks_uri" (which may not drop from https to http).
Result<std::string> DiscoverJwksUri(const std::string& issuer, const Fetcher& fetch);

class JwksCache {
 public:
  JwksCache(JwksCacheOptions options, Fetcher fetch, UnixClock now);
  JwksCache(const JwksCache&) = delete;
  JwksCache& operator=(const JwksCache&) = delete;

  // The current key set, fetched first when none is loaded yet or the refresh interval has passed
  // (a stale set is still returned when the fetch fails or another thread is already fetching).
  // Fails with jwks_unavailable only while no set was ever loaded.
  Result<std::shared_ptr<const KeySet>> Keys();

  // For a kid missing from `seen`: fetches again unless another thread replaced `seen` meanwhile
  // or a fetch was tried within the minimum interval; returns the set current afterwards.
  std::shared_ptr<const KeySet> RefreshForUnknownKid(const std::shared_ptr<const KeySet>& seen);

 private:
  std::shared_ptr<const KeySet> Snapshot() const;
  // Caller holds refresh_mu_. Installs the new set on success; returns why not otherwise.
  Result<void> FetchLocked();

  const JwksCacheOptions options_;
  const Fetcher fetch_;
  const UnixClock now_;

  mutable std::mutex mu_;  // guards keys_ and next_refresh_, held only to copy or swap them
  std::shared_ptr<const KeySet> keys_;
  int64_t next_refresh_ = 0;

  std::mutex refresh_mu_;  // one fetch at a time; guards the members below
  std::string jwks_uri_;   // discovered or configured
  int64_t last_attempt_ = INT64_MIN / 2;
  Error last_error_;
};

}  // namespace citadel::guard
