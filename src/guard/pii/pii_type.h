#pragma once
// The kinds of sensitive data the scanner knows, and their stable upper-case names
// (used in placeholders such as [PHONE_1], in findings JSON and in policy configuration).

#include <cstdint>
#include <optional>
#include <string_view>

namespace citadel::guard::pii {

enum class PiiType : uint8_t {
  kIdCard,          // Chinese resident identity card, 18-digit (GB 11643) or 15-digit legacy
  kPhone,           // Chinese mobile number
  kLandline,        // Chinese fixed-line number with area code
  kBankCard,        // payment card number (Luhn + issuer prefix)
  kEmail,
  kIpv4,
  kIpv6,
  kPassport,        // Chinese passport
  kHkMacauPermit,   // Exit-Entry Permit for Travelling to and from Hong Kong and Macao
  kSsn,             // US Social Security Number
  kIban,
  kPrivateKey,      // PEM private key block
  kAwsAccessKey,
  kJwt,
  kApiKey,          // Citadel API key
  kCustom,          // a configured regex or dictionary detector; the finding carries its name
};

inline constexpr int kBuiltinTypeCount = static_cast<int>(PiiType::kCustom);

std::string_view TypeName(PiiType type);
std::optional<PiiType> TypeFromName(std::string_view name);

}  // namespace citadel::guard::pii
