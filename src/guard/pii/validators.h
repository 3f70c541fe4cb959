#pragma once
// Checks that turn a pattern candidate into a finding. Each takes the candidate text exactly as
// matched (ASCII after normalization, separators included) and says whether it is a real value.

#include <string_view>

namespace citadel::guard::pii {

// 18-digit GB 11643 number (mod-11 check digit, X allowed) or 15-digit legacy number; both need a
// known province code and a real birth date (18-digit: 1900 < year, not after `today_yyyymmdd`).
bool IsValidChineseId(std::string_view text, int today_yyyymmdd);
char ChineseIdCheckDigit(std::string_view first17);  // '0'..'9' or 'X'

// 11 digits 1[3-9]..., optional +86/0086/86 prefix, separators only as 3-4-4 and used consistently.
bool IsValidChineseMobile(std::string_view text);
// 0 + area code (010, 02x: 8-digit local; 0[3-9]xx: 7 or 8 digits), '-', ' ' or (area) separators.
bool IsValidChineseLandline(std::string_view text);

bool LuhnValid(std::string_view digits);
// 13-19 digits, one separator kind at most, Luhn, and an issuer prefix/length pair that exists.
bool IsValidPaymentCard(std::string_view text);

bool IsValidEmail(std::string_view text);
bool IsValidIpv4(std::string_view text);
bool IsValidIpv6(std::string_view text);
bool IsValidSsn(std::string_view text);  // AAA-GG-SSSS
// Country code + 2 check digits + BBAN, optional single spaces in groups of 4; mod 97 == 1 and the
// country's registered length.
bool IsValidIban(std::string_view text);
// header.payload.signature in base64url; the header must decode to a JSON object with "alg".
bool IsValidJwt(std::string_view text);

bool IsValidDate(int year, int month, int day);

}  // namespace citadel::guard::pii
