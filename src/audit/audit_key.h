#pragma once
// The operator's audit key: 32 random bytes kept hex-encoded in a 0600 file. One key file serves
// two purposes through derived subkeys, so a MAC can never be confused with a wrapping key.

#include <string>

#include "audit/crypto.h"
#include "core/result.h"

namespace citadel::audit {

struct AuditKeys {
  SecretKey mac;   // HMAC over record hashes, checkpoints, the head and the purge anchor
  SecretKey wrap;  // AES-256-GCM over each subject's data key

  static AuditKeys Derive(const SecretKey& master);
};

// Accepts 64 hex digits with surrounding whitespace.
Result<SecretKey> ParseKeyHex(std::string_view text);
Result<SecretKey> ReadKeyFile(const std::string& path);
// Creates `path` with mode 0600; refuses to overwrite an existing file.
Result<void> WriteNewKeyFile(const std::string& path);

}  // namespace citadel::audit
