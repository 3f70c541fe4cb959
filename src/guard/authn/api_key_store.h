#pragma once
// API keys in a SQLite file. A key is "ck_" + 40 base62 characters (about 238 bits): the first 8
// after the prefix form its public id (what `keys list`, logs and audit records show), the whole
// key is never stored — only HMAC-SHA256 under a secret kept in a separate 0600 file, so a copy of
// the database alone does not let anyone test guesses. Every authentication reads the database,
// so `keys revoke` from another process takes effect on the next request without a restart.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "guard/authn/identity.h"

namespace citadel::guard {

struct ApiKeyRecord {
  std::string id;  // "ck_" + 8 characters
  std::string tenant, role, name;
  std::vector<std::string> models;  // empty: the role decides
  int64_t created_at = 0, expires_at = 0, revoked_at = 0;  // Unix seconds; 0: never / not
  std::string replaced_by;  // the id that `keys rotate` issued in its place
};

struct ApiKeySpec {
  std::string tenant, role, name;
  std::vector<std::string> models;
  int64_t lifetime_seconds = 0;  // 0: no expiry
};

struct IssuedKey {
  std::string secret;  // shown once, never stored
  ApiKeyRecord record;
};

class ApiKeyStore {
 public:
  // Opens (or, with `create`, makes) the database and its hashing secret `<db>.secret`.
  static Result<std::unique_ptr<ApiKeyStore>> Open(const std::filesystem::path& db, bool create);
  ~ApiKeyStore();

  Result<IssuedKey> Create(const ApiKeySpec& spec, int64_t now);
  Result<std::vector<ApiKeyRecord>> List() const;
  Result<void> Revoke(std::string_view id, int64_t now);
  // Issues a new key with the same tenant, role, name and models, and revokes the old one after
  // `grace_seconds` (0: at once) so clients can switch over.
  Result<IssuedKey> Rotate(std::string_view id, int64_t now, int64_t grace_seconds);

  // Thread-safe. Errors carry code "invalid_api_key"; messages never contain the presented text.
  Result<Identity> Authenticate(std::string_view presented, int64_t now) const;

  // Whether `text` has the shape of a Citadel key (so it is not tried as a JWT).
  static bool LooksLikeKey(std::string_view text);

 private:
  struct Impl;
  explicit ApiKeyStore(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace citadel::guard
