#pragma once
// The operator's audit key: 32 random bytes kept hex-encoded in a 0600 file. One key file serves
// two purposes through derived subkeys, so a MAC can never be confused with a wrapping key.

#include <string>

#include "core/crypto.h"
#include "core/key_file.h"
#include "core/result.h"

namespace citadel::audit {

struct AuditKeys {
  SecretKey mac;   // HMAC over record hashes, checkpoints, the head and the purge anchor
  SecretKey wrap;  // AES-256-GCM over each subject's data key

  static AuditKeys Derive(const SecretKey& master);
};

}  // namespace citadel::audit
