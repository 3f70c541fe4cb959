#pragma once
// Generators of valid PII values for the tests. Check digits are computed here from the published
// algorithms, independently of src/guard/pii, so a validator bug cannot agree with itself.

#include <fmt/format.h>

#include <array>
#include <random>
#include <string>

namespace citadel::guard::pii::testgen {

inline int Uniform(std::mt19937_64& rng, int lo, int hi) { return std::uniform_int_distribution<int>(lo, hi)(rng); }

inline std::string Digits(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(static_cast<char>('0' + Uniform(rng, 0, 9)));
  return s;
}

inline char IdCheck(const std::string& first17) {
  static constexpr int kW[17] = {7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2};
  int sum = 0;
  for (int i = 0; i < 17; ++i) sum += (first17[static_cast<size_t>(i)] - '0') * kW[i];
  static constexpr char kMap[] = "10X98765432";  // GB 11643 table: remainder -> check character
  return kMap[sum % 11];
}

inline std::string Province(std::mt19937_64& rng) {
  static constexpr std::array<int, 12> kP = {11, 31, 32, 33, 37, 44, 51, 42, 61, 65, 21, 50};
  return std::to_string(kP[static_cast<size_t>(Uniform(rng, 0, 11))]);
}

inline std::string Birth(std::mt19937_64& rng, int year_lo, int year_hi) {
  return fmt::format("{:04}{:02}{:02}", Uniform(rng, year_lo, year_hi), Uniform(rng, 1, 12), Uniform(rng, 1, 28));
}

inline std::string ChineseId18(std::mt19937_64& rng) {
  std::string id = fmt::format("{}{}{}{}", Province(rng), Digits(rng, 4), Birth(rng, 1940, 2015), Digits(rng, 3));
  id.push_back(IdCheck(id));
  return id;
}

inline std::string ChineseId15(std::mt19937_64& rng) {
  return fmt::format("{}{}{}{}", Province(rng), Digits(rng, 4), Birth(rng, 1940, 1999).substr(2), Digits(rng, 3));
}

inline int LuhnSum(const std::string& digits) {  // sum with the last digit in "not doubled" position
  int sum = 0;
  bool twice = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (twice) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
    twice = !twice;
  }
  return sum;
}

inline std::string WithLuhn(const std::string& body) {
  std::string out = body;
  out.push_back('0');
  for (char c = '0'; c <= '9'; ++c) {
    out.back() = c;
    if (LuhnSum(out) % 10 == 0) break;
  }
  return out;
}

inline std::string Card(std::mt19937_64& rng) {
  switch (Uniform(rng, 0, 3)) {
    case 0: return WithLuhn(fmt::format("4{}", Digits(rng, 14)));
    case 1: return WithLuhn(fmt::format("{}{}", Uniform(rng, 51, 55), Digits(rng, 13)));
    case 2: return WithLuhn(fmt::format("62{}", Digits(rng, Uniform(rng, 0, 1) == 0 ? 13 : 16)));
    default: return WithLuhn(fmt::format("{}{}", Uniform(rng, 0, 1) == 0 ? 34 : 37, Digits(rng, 12)));
  }
}

inline std::string Mobile(std::mt19937_64& rng) {
  return fmt::format("1{}{}", Uniform(rng, 3, 9), Digits(rng, 9));
}

inline std::string Ssn(std::mt19937_64& rng) {
  int area = Uniform(rng, 1, 899);
  if (area == 666) area = 665;
  return fmt::format("{:03}-{:02}-{:04}", area, Uniform(rng, 1, 99), Uniform(rng, 1, 9999));
}

inline int Mod97(const std::string& s) {
  int rem = 0;
  for (char c : s) rem = c >= 'A' ? (rem * 100 + (c - 'A' + 10)) % 97 : (rem * 10 + (c - '0')) % 97;
  return rem;
}

inline std::string Iban(std::mt19937_64& rng) {
  std::string country, bban;
  switch (Uniform(rng, 0, 2)) {
    case 0: country = "DE"; bban = Digits(rng, 18); break;
    case 1: country = "GB"; bban = fmt::format("NWBK{}", Digits(rng, 14)); break;
    default: country = "NL"; bban = fmt::format("ABNA{}", Digits(rng, 10)); break;
  }
  const int check = 98 - Mod97(fmt::format("{}{}00", bban, country));
  return fmt::format("{}{:02}{}", country, check, bban);
}

inline std::string Ipv4(std::mt19937_64& rng) {
  return fmt::format("{}.{}.{}.{}", Uniform(rng, 1, 255), Uniform(rng, 0, 255), Uniform(rng, 0, 255), Uniform(rng, 1, 255));
}

inline std::string Alnum(std::mt19937_64& rng, int n, bool upper_only) {
  static constexpr char kChars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789abcdefghijklmnopqrstuvwxyz";
  std::string s;
  for (int i = 0; i < n; ++i) s.push_back(kChars[Uniform(rng, 0, upper_only ? 35 : 61)]);
  return s;
}

}  // namespace citadel::guard::pii::testgen
