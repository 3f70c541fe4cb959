#include "guard/authn/jwks_cache.h"

#include <nlohmann/json.hpp>

#include "guard/authn/auth_error.h"

namespace citadel::guard {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) { return s.substr(0, prefix.size()) == prefix; }

}  // namespace

int64_t SystemUnixSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

Result<std::string> DiscoverJwksUri(const std::string& issuer, const Fetcher& fetch) {
  std::string_view base = issuer;
  if (!base.empty() && base.back() == '/') base.remove_suffix(1);
  const std::string url = fmt::format("{}/.well-known/openid-configuration", base);
  auto body = fetch(url);
  if (!body) return std::move(body).error().Wrap("OIDC discovery");
  const nlohmann::json doc = nlohmann::json::parse(*body, nullptr, /*allow_exceptions=*/false);
  if (!doc.is_object()) return Err("OIDC discovery document is not a JSON object");
  const auto iss = doc.find("issuer");
  if (iss == doc.end() || !iss->is_string() || iss->get_ref<const std::string&>() != issuer) {
    return Err("OIDC discovery document names another issuer than '{}'", issuer);
  }
  const auto uri = doc.find("jwks_uri");
  if (uri == doc.end() || !uri->is_string()) return Err("OIDC discovery document has no jwks_uri");
  const std::string& jwks_uri = uri->get_ref<const std::string&>();
  const bool https = StartsWith(jwks_uri, "https://");
  if (!https && !(StartsWith(jwks_uri, "http://") && StartsWith(issuer, "http://"))) {
    return Err("OIDC jwks_uri must be https (or http when the issuer itself is http)");
  }
  return jwks_uri;
}

JwksCache::JwksCache(JwksCacheOptions options, Fetcher fetch, UnixClock now)
    : options_(std::move(options)), fetch_(std::move(fetch)), now_(now ? std::move(now) : UnixClock(SystemUnixSeconds)),
      jwks_uri_(options_.jwks_uri) {}

std::shared_ptr<const KeySet> JwksCache::Snapshot() const {
  std::lock_guard lock(mu_);
  return keys_;
}

Result<void> JwksCache::FetchLocked() {
  const int64_t now = now_();
  last_attempt_ = now;
  const bool discovered = options_.jwks_uri.empty();
  if (jwks_uri_.empty()) {
    auto uri = DiscoverJwksUri(options_.issuer, fetch_);
    if (!uri) return std::move(uri).error();
    jwks_uri_ = std::move(uri).value();
  }
  auto body = fetch_(jwks_uri_);
  auto set = body ? ParseJwks(*body) : Result<KeySet>(std::move(body).error());
  if (!set) {
    // The provider may have moved its JWKS; discover again next time.
    if (discovered) jwks_uri_.clear();
    return std::move(set).error().Wrap("JWKS");
  }
  auto fresh = std::make_shared<const KeySet>(std::move(set).value());
  std::lock_guard lock(mu_);
  keys_ = std::move(fresh);
  next_refresh_ = now + options_.refresh_interval.count();
  return Ok();
}

Result<std::shared_ptr<const KeySet>> JwksCache::Keys() {
  {
    std::lock_guard lock(mu_);
    if (keys_ && now_() < next_refresh_) return keys_;
  }
  std::unique_lock refresh(refresh_mu_, std::defer_lock);
  if (std::shared_ptr<const KeySet> stale = Snapshot()) {
    // Requests keep flowing on the stale set while one thread refreshes.
    if (!refresh.try_lock()) return stale;
  } else {
    refresh.lock();
  }
  std::shared_ptr<const KeySet> current = Snapshot();
  const int64_t now = now_();
  {
    std::lock_guard lock(mu_);
    if (keys_ && now < next_refresh_) return keys_;  // another thread refreshed meanwhile
  }
  // After a failure, wait the unknown-kid interval before trying again rather than on every request.
  if (now - last_attempt_ >= options_.unknown_kid_min_interval.count()) {
    if (auto fetched = FetchLocked(); !fetched) last_error_ = std::move(fetched).error();
    current = Snapshot();
  }
  if (!current) {
    return Error{fmt::format("no signing keys loaded: {}", last_error_.message),
                 std::string(authn_error::kJwksUnavailable)};
  }
  return current;
}

std::shared_ptr<const KeySet> JwksCache::RefreshForUnknownKid(const std::shared_ptr<const KeySet>& seen) {
  std::lock_guard refresh(refresh_mu_);
  std::shared_ptr<const KeySet> current = Snapshot();
  if (current != seen) return current;  // replaced while we waited: look there first
  if (now_() - last_attempt_ < options_.unknown_kid_min_interval.count()) return current;
  if (auto fetched = FetchLocked(); !fetched) last_error_ = std::move(fetched).error();
  return Snapshot();
}

}  // namespace citadel::guard
