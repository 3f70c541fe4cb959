#pragma once
// What happens to each kind of finding: allow (leave it), redact (***), placeholder ([PHONE_1],
// reversible through the conversation's PlaceholderVault), hash ([EMAIL:3f2a9c1b], keyed
// HMAC-SHA256 so equal values stay linkable without being readable) or block (the whole text is
// refused with an error naming the types found, never the values).

#include <map>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "guard/pii/placeholder_vault.h"
#include "guard/pii/scanner.h"

namespace citadel::guard::pii {

enum class Action : uint8_t { kAllow, kRedact, kPlaceholder, kHash, kBlock };

Result<Action> ParseAction(std::string_view name);  // "allow", "redact", "placeholder", "hash", "block"

struct Policy {
  Action default_action = Action::kRedact;
  std::map<std::string, Action, std::less<>> by_label;  // finding label ("PHONE", "CUSTOMER") -> action
  std::string hash_key;                                 // HMAC key for Action::kHash

  Action For(std::string_view label) const;
};

// First 8 hex digits of HMAC-SHA256(key, value).
std::string KeyedDigest(std::string_view key, std::string_view value);

// Applies `policy` to `findings` (from scanning exactly `text`). Error when a blocked type occurs.
Result<std::string> Mask(std::string_view text, std::span<const Finding> findings, const Policy& policy,
                         PlaceholderVault& vault);

}  // namespace citadel::guard::pii
