#pragma once
// Per-subject data keys for content encryption (crypto-shredding). Each subject gets a random
// AES-256 key, stored only wrapped by the audit key; erasing a subject destroys its wrapped keys,
// after which its content is ciphertext nobody can open, while the hash chain, which covers only
// digests of that ciphertext, still verifies.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "core/crypto.h"
#include "core/sqlite.h"

namespace citadel::audit {

class SubjectKeys {
 public:
  explicit SubjectKeys(const SecretKey& wrap_key) : wrap_key_(wrap_key) {}

  // The subject's live key and its id, created inside the caller's transaction when there is none.
  // Read from the table every time, never cached: another process (`citadel audit erase`) may
  // destroy a key while this one runs, and content must never be sealed under an erased key.
  Result<std::pair<int64_t, SecretKey>> ActiveKey(Database& db, const std::string& subject, int64_t now_ms) const;
  // nullopt once the key was erased.
  Result<std::optional<SecretKey>> KeyById(Database& db, int64_t id) const;
  // Overwrites every wrapped key of the subject; returns how many were live.
  Result<int64_t> Destroy(Database& db, const std::string& subject, int64_t now_ms) const;

 private:
  Result<SecretKey> Unwrap(const std::string& subject, ByteSpan wrapped) const;

  SecretKey wrap_key_;
};

}  // namespace citadel::audit
