#pragma once
// Secret keys kept on disk: 32 random bytes, hex-encoded, in a file of mode 0600 (the audit key,
// the API key store's hashing key). Reads wipe the text they held.

#include <string>
#include <string_view>

#include "core/crypto.h"
#include "core/result.h"

namespace citadel {

// Accepts 64 hex digits with surrounding whitespace.
Result<SecretKey> ParseKeyHex(std::string_view text);
Result<SecretKey> ReadKeyFile(const std::string& path);
// Creates `path` with mode 0600; refuses to overwrite an existing file.
Result<void> WriteNewKeyFile(const std::string& path);

}  // namespace citadel
