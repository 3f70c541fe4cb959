#include "guard/pii/validators.h"

#include <arpa/inet.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <array>
#include <string>

#include "core/base64url.h"

namespace citadel::guard::pii {
namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
int DigitsToInt(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}
bool AllDigits(std::string_view s) { return !s.empty() && std::all_of(s.begin(), s.end(), IsDigit); }

// Removes one kind of separator; fails when two kinds are mixed, so "138-1234 5678" is rejected.
bool StripSeparators(std::string_view text, std::string_view allowed, std::string& out) {
  char used = 0;
  out.clear();
  for (char c : text) {
    if (allowed.find(c) != std::string_view::npos) {
      if (used != 0 && used != c) return false;
      used = c;
    } else {
      out.push_back(c);
    }
  }
  return true;
}

// Province-level codes of GB/T 2260 that appear as the first two digits of an identity number.
bool KnownProvince(int code) {
  static constexpr std::array<int, 34> kCodes = {11, 12, 13, 14, 15, 21, 22, 23, 31, 32, 33, 34,
                                                 35, 36, 37, 41, 42, 43, 44, 45, 46, 50, 51, 52,
                                                 53, 54, 61, 62, 63, 64, 65, 71, 81, 82};
  return std::find(kCodes.begin(), kCodes.end(), code) != kCodes.end();
}

}  // namespace

bool IsValidDate(int year, int month, int day) {
  static constexpr std::array<int, 12> kDays = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month < 1 || month > 12 || day < 1 || day > kDays[month - 1]) return false;
  const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return !(month == 2 && day == 29 && !leap);
}

char ChineseIdCheckDigit(std::string_view first17) {
  static constexpr std::array<int, 17> kWeights = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (size_t i = 0; i < 17; ++i) sum += (first17[i] - '0') * kWeights[i];
  const int check = (12 - sum % 11) % 11;
  return check == 10 ? 'X' : static_cast<char>('0' + check);
}

bool IsValidChineseId(std::string_view text, int today_yyyymmdd) {
  if (text.size() == 15) {
    if (!AllDigits(text) || !KnownProvince(DigitsToInt(text.substr(0, 2)))) return false;
    return IsValidDate(1900 + DigitsToInt(text.substr(6, 2)), DigitsToInt(text.substr(8, 2)),
                       DigitsToInt(text.substr(10, 2)));
  }
  if (text.size() != 18 || !AllDigits(text.substr(0, 17))) return false;
  if (!KnownProvince(DigitsToInt(text.substr(0, 2)))) return false;
  const int birth = DigitsToInt(text.substr(6, 8));
  const int year = birth / 10000;
  if (year <= 1900 || birth > today_yyyymmdd || !IsValidDate(year, birth / 100 % 100, birth % 100)) {
    return false;
  }
  const char last = text[17] == 'x' ? 'X' : text[17];
  return ChineseIdCheckDigit(text) == last;
}

bool IsValidChineseMobile(std::string_view text) {
  for (std::string_view prefix : {"+86", "0086", "86"}) {
    if (text.size() > 11 && text.substr(0, prefix.size()) == prefix) {
      text.remove_prefix(prefix.size());
      while (!text.empty() && (text.front() == ' ' || text.front() == '-')) text.remove_prefix(1);
      break;
    }
  }
  if (text.size() == 13) {
    // Separated form: exactly 3-4-4 with one separator kind.
    if (text[3] != text[8] || (text[3] != ' ' && text[3] != '-')) return false;
  } else if (text.size() != 11) {
    return false;
  }
  std::string digits;
  if (!StripSeparators(text, " -", digits) || digits.size() != 11 || !AllDigits(digits)) return false;
  return digits[0] == '1' && digits[1] >= '3' && digits[1] <= '9';
}

bool IsValidChineseLandline(std::string_view text) {
  std::string area, local;
  if (!text.empty() && text.front() == '(') {
    const size_t close = text.find(')');
    if (close == std::string_view::npos) return false;
    area = std::string(text.substr(1, close - 1));
    text.remove_prefix(close + 1);
    if (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    local = std::string(text);
  } else {
    const size_t sep = text.find_first_of(" -");
    if (sep == std::string_view::npos) return false;  // bare digit runs are too ambiguous
    area = std::string(text.substr(0, sep));
    local = std::string(text.substr(sep + 1));
  }
  if (!AllDigits(area) || !AllDigits(local) || area[0] != '0') return false;
  if (local[0] == '0' || local[0] == '1') return false;
  if (area.size() == 3 && (area[1] == '1' || area[1] == '2')) return local.size() == 8;
  if (area.size() == 4 && area[1] >= '3') return local.size() == 7 || local.size() == 8;
  return false;
}

bool LuhnValid(std::string_view digits) {
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice && (d *= 2) > 9) d -= 9;
    sum += d;
    twice = !twice;
  }
  return sum % 10 == 0;
}

bool IsValidPaymentCard(std::string_view text) {
  std::string d;
  if (!StripSeparators(text, " -", d) || !AllDigits(d) || d.size() < 13 || d.size() > 19) return false;
  if (!LuhnValid(d)) return false;
  const size_t n = d.size();
  const int p2 = DigitsToInt(d.substr(0, 2));
  const int p4 = DigitsToInt(d.substr(0, 4));
  if (d[0] == '4') return n == 13 || n == 16 || n == 19;                     // Visa
  if ((p2 >= 51 && p2 <= 55) || (p4 >= 2221 && p4 <= 2720)) return n == 16;  // Mastercard
  if (p2 == 34 || p2 == 37) return n == 15;                                  // American Express
  if (p2 == 62) return n >= 16 && n <= 19;                                   // UnionPay
  if (p4 >= 3528 && p4 <= 3589) return n >= 16 && n <= 19;                   // JCB
  if (p4 == 6011 || p2 == 65 || (p4 >= 6440 && p4 <= 6499)) return n >= 16 && n <= 19;  // Discover
  if (p2 == 36 || (p4 >= 3000 && p4 <= 3059) || p2 == 38 || p2 == 39) return n >= 14 && n <= 19;  // Diners
  return false;
}

bool IsValidEmail(std::string_view text) {
  const size_t at = text.find('@');
  if (at == 0 || at == std::string_view::npos || at > 64 || text.size() > 254) return false;
  const std::string_view local = text.substr(0, at), domain = text.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) return false;
  if (domain.find("..") != std::string_view::npos || domain.front() == '-') return false;
  const size_t dot = domain.rfind('.');
  return dot != std::string_view::npos && domain.size() - dot - 1 >= 2;
}

bool IsValidIpv4(std::string_view text) {
  int parts = 0;
  size_t i = 0;
  while (i <= text.size()) {
    const size_t dot = std::min(text.find('.', i), text.size());
    const std::string_view octet = text.substr(i, dot - i);
    if (octet.empty() || octet.size() > 3 || !AllDigits(octet) || DigitsToInt(octet) > 255) return false;
    if (octet.size() > 1 && octet[0] == '0') return false;  // "010" reads as octal in some stacks
    ++parts;
    i = dot + 1;
  }
  return parts == 4;
}

bool IsValidIpv6(std::string_view text) {
  if (text.size() > 39 || std::count(text.begin(), text.end(), ':') < 2) return false;
  // "a::b" style tokens appear in code (std::map is not hex, but "be::ef" is); require a decimal digit.
  if (std::none_of(text.begin(), text.end(), IsDigit)) return false;
  std::array<unsigned char, 16> buf{};
  return inet_pton(AF_INET6, std::string(text).c_str(), buf.data()) == 1;
}

bool IsValidSsn(std::string_view text) {
  if (text.size() != 11 || text[3] != '-' || text[6] != '-') return false;
  const std::string_view area = text.substr(0, 3), group = text.substr(4, 2), serial = text.substr(7, 4);
  if (!AllDigits(area) || !AllDigits(group) || !AllDigits(serial)) return false;
  const int a = DigitsToInt(area);
  return a != 0 && a != 666 && a < 900 && DigitsToInt(group) != 0 && DigitsToInt(serial) != 0;
}

bool IsValidIban(std::string_view text) {
  struct Country { std::string_view code; size_t length; };
  static constexpr std::array<Country, 36> kLengths = {{
      {"AD", 24}, {"AE", 23}, {"AT", 20}, {"BE", 16}, {"BG", 22}, {"CH", 21}, {"CY", 28}, {"CZ", 24},
      {"DE", 22}, {"DK", 18}, {"EE", 20}, {"ES", 24}, {"FI", 18}, {"FR", 27}, {"GB", 22}, {"GR", 27},
      {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IS", 26}, {"IT", 27}, {"LI", 21}, {"LT", 20}, {"LU", 20},
      {"LV", 21}, {"MC", 27}, {"MT", 31}, {"NL", 18}, {"NO", 15}, {"PL", 28}, {"PT", 25}, {"RO", 24},
      {"SA", 24}, {"SE", 24}, {"SI", 19}, {"SK", 24},
  }};
  std::string s;
  if (!StripSeparators(text, " ", s) || s.size() < 15) return false;
  const auto it = std::find_if(kLengths.begin(), kLengths.end(),
                               [&](const Country& c) { return c.code == std::string_view(s).substr(0, 2); });
  if (it == kLengths.end() || it->length != s.size()) return false;
  if (text.find(' ') != std::string_view::npos) {
    // Spaced form groups by four: a space at every fifth position and nowhere else.
    for (size_t i = 0; i < text.size(); ++i) {
      if ((text[i] == ' ') != (i % 5 == 4)) return false;
    }
  }
  int rem = 0;
  const std::string rotated = s.substr(4) + s.substr(0, 4);
  for (char c : rotated) {
    if (IsDigit(c)) {
      rem = (rem * 10 + (c - '0')) % 97;
    } else if (IsUpper(c)) {
      rem = (rem * 100 + (c - 'A' + 10)) % 97;
    } else {
      return false;
    }
  }
  return rem == 1;
}

bool IsValidJwt(std::string_view text) {
  const size_t dot1 = text.find('.');
  if (dot1 == std::string_view::npos || text.find('.', dot1 + 1) == std::string_view::npos) return false;
  const Result<std::string> header = DecodeBase64Url(text.substr(0, dot1));
  if (!header) return false;
  const auto json = nlohmann::json::parse(*header, nullptr, /*allow_exceptions=*/false);
  return json.is_object() && json.contains("alg");
}

}  // namespace citadel::guard::pii
