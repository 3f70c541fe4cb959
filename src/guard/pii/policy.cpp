#include "guard/pii/policy.h"

#include <openssl/evp.h>
#include <fmt/ranges.h>
#include <openssl/hmac.h>

#include <array>
#include <set>

namespace citadel::guard::pii {

Result<Action> ParseAction(std::string_view name) {
  if (name == "allow") return Action::kAllow;
  if (name == "redact") return Action::kRedact;
  if (name == "placeholder") return Action::kPlaceholder;
  if (name == "hash") return Action::kHash;
  if (name == "block") return Action::kBlock;
  return Err("unknown PII action '{}' (allow, redact, placeholder, hash, block)", name);
}

Action Policy::For(std::string_view label) const {
  const auto it = by_label.find(label);
  return it == by_label.end() ? default_action : it->second;
}

std::string KeyedDigest(std::string_view key, std::string_view value) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> mac{};
  unsigned int length = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()), reinterpret_cast<const unsigned char*>(value.data()),
       value.size(), mac.data(), &length);
  return fmt::format("{:02x}{:02x}{:02x}{:02x}", mac[0], mac[1], mac[2], mac[3]);
}

Result<std::string> Mask(std::string_view text, std::span<const Finding> findings, const Policy& policy,
                         PlaceholderVault& vault) {
  std::set<std::string_view> blocked;
  for (const Finding& f : findings) {
    if (policy.For(f.label) == Action::kBlock) blocked.insert(f.label);
  }
  if (!blocked.empty()) return Err("blocked: text contains {}", fmt::join(blocked, ", "));
  std::string out;
  out.reserve(text.size());
  size_t at = 0;
  for (const Finding& f : findings) {
    out.append(text.substr(at, f.start - at));
    const std::string_view value = text.substr(f.start, f.end - f.start);
    switch (policy.For(f.label)) {
      case Action::kAllow: out.append(value); break;
      case Action::kRedact: out.append("***"); break;
      case Action::kPlaceholder: out.append(vault.PlaceholderFor(f.label, value)); break;
      case Action::kHash: out.append(fmt::format("[{}:{}]", f.label, KeyedDigest(policy.hash_key, value))); break;
      case Action::kBlock: break;  // refused above
    }
    at = f.end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace citadel::guard::pii
