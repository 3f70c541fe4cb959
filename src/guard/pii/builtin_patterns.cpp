#include "guard/pii/builtin_patterns.h"

#include <array>

#include "guard/pii/validators.h"

namespace citadel::guard::pii {
namespace {

bool IsAlnum(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHex(char c) { return IsDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f'); }
bool IsIn(char c, std::string_view set) { return set.find(c) != std::string_view::npos; }

bool Id(std::string_view s, int today) { return IsValidChineseId(s, today); }
bool Mobile(std::string_view s, int) { return IsValidChineseMobile(s); }
bool Landline(std::string_view s, int) { return IsValidChineseLandline(s); }
bool Card(std::string_view s, int) { return IsValidPaymentCard(s); }
bool Email(std::string_view s, int) { return IsValidEmail(s); }
bool Ipv4(std::string_view s, int) { return IsValidIpv4(s); }
bool Ipv6(std::string_view s, int) { return IsValidIpv6(s); }
bool Ssn(std::string_view s, int) { return IsValidSsn(s); }
bool Iban(std::string_view s, int) { return IsValidIban(s); }
bool Jwt(std::string_view s, int) { return IsValidJwt(s); }

constexpr size_t kUnbounded = static_cast<size_t>(-1);

// Order is priority order among equally long overlaps: secrets first, then checksummed numbers.
constexpr std::array<BuiltinPattern, 21> kPatterns = {{
    {PiiType::kPrivateKey,
     R"(-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY-----(?:[A-Za-z0-9+/=\s:,.]|-[A-Za-z0-9])*-----END (?:[A-Z0-9]+ )*PRIVATE KEY-----)",
     Boundary::kNone, nullptr, kUnbounded, 0},
    {PiiType::kJwt, R"(eyJ[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]+\.[A-Za-z0-9_\-]*)", Boundary::kToken, Jwt, 16384, 1},
    {PiiType::kApiKey, R"(ck_[A-Za-z0-9]{40})", Boundary::kToken, nullptr, 43, 2},
    {PiiType::kAwsAccessKey, R"((?:AKIA|ASIA)[A-Z0-9]{16})", Boundary::kAlnum, nullptr, 20, 3, true},
    {PiiType::kIdCard, R"(\d{17}[\dXx])", Boundary::kAlnum, Id, 18, 4, true},
    // A Luhn-valid 15-digit number from province 34/37 is also a valid American Express number;
    // legacy IDs were withdrawn in 2004 while such cards are current, so the card wins the tie.
    {PiiType::kIdCard, R"(\d{15})", Boundary::kAlnum, Id, 15, 6, true},
    {PiiType::kBankCard, R"(\d{13,19})", Boundary::kAlnum, Card, 19, 5, true},
    {PiiType::kBankCard, R"(\d{4}(?:[ \-]\d{3,6}){2,4})", Boundary::kAlnum, Card, 32, 5, true},
    {PiiType::kIban, R"([A-Z]{2}\d{2}(?: ?[A-Z0-9]){11,30})", Boundary::kAlnum, Iban, 42, 6, true},
    {PiiType::kSsn, R"(\d{3}-\d{2}-\d{4})", Boundary::kAlnum, Ssn, 11, 7, true},
    {PiiType::kPhone, R"((?:\+86|0086|86)[ \-]?1[3-9]\d(?:\d{8}|[ \-]\d{4}[ \-]\d{4}))", Boundary::kAlnum, Mobile, 18, 8},
    {PiiType::kPhone, R"(1[3-9]\d(?:\d{8}|[ \-]\d{4}[ \-]\d{4}))", Boundary::kAlnum, Mobile, 13, 8, true},
    {PiiType::kLandline, R"(0\d{2,3}[ \-]\d{7,8})", Boundary::kAlnum, Landline, 13, 9, true},
    {PiiType::kLandline, R"(\(0\d{2,3}\) ?\d{7,8})", Boundary::kAlnum, Landline, 15, 9},
    {PiiType::kPassport, R"([EG]\d{8})", Boundary::kAlnum, nullptr, 9, 10, true},
    {PiiType::kPassport, R"(E[A-HJ-NP-Z]\d{7})", Boundary::kAlnum, nullptr, 9, 10, true},
    {PiiType::kHkMacauPermit, R"([CW]\d{8})", Boundary::kAlnum, nullptr, 9, 11, true},
    {PiiType::kHkMacauPermit, R"(C[A-HJ-NP-Z]\d{7})", Boundary::kAlnum, nullptr, 9, 11, true},
    {PiiType::kEmail, R"(@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24})",
     Boundary::kEmail, Email, 254, 12},
    {PiiType::kIpv6, R"([0-9A-Fa-f]{0,4}:[0-9A-Fa-f]{0,4}:[0-9A-Fa-f:]{1,35})", Boundary::kIpv6, Ipv6, 39, 13},
    {PiiType::kIpv4, R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})", Boundary::kIpv4, Ipv4, 15, 14, true},
}};

}  // namespace

std::span<const BuiltinPattern> BuiltinPatterns() { return kPatterns; }

bool BoundaryOk(std::string_view text, size_t start, size_t end, Boundary boundary) {
  const bool has_before = start > 0, has_after = end < text.size();
  const char before = has_before ? text[start - 1] : ' ';
  const char after = has_after ? text[end] : ' ';
  const char first = text[start], last = text[end - 1];
  switch (boundary) {
    case Boundary::kNone:
      return true;
    case Boundary::kAlnum:
      return !(IsAlnum(first) && IsAlnum(before)) && !(IsAlnum(last) && IsAlnum(after));
    case Boundary::kIpv4:
      if (IsAlnum(before) || before == '.' || IsAlnum(after)) return false;
      return !(after == '.' && end + 1 < text.size() && IsDigit(text[end + 1]));
    case Boundary::kIpv6:
      return !IsAlnum(before) && before != ':' && !IsAlnum(after) && after != ':' && !IsHex(after);
    case Boundary::kEmail:
      return !IsAlnum(before) && !IsIn(before, "._%+-") && !IsAlnum(after) && after != '-' &&
             !(after == '.' && end + 1 < text.size() && IsAlnum(text[end + 1]));
    case Boundary::kToken:
      return !IsAlnum(before) && !IsIn(before, "_-.") && !IsAlnum(after) && !IsIn(after, "_-") &&
             !(after == '.' && end + 1 < text.size() && IsAlnum(text[end + 1]));
  }
  return false;
}

}  // namespace citadel::guard::pii
