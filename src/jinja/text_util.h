#pragma once
// Internal: Python str semantics over UTF-8 (Python strings index by code point).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace citadel::jinja {

// Byte offsets of each code point's start, plus a final entry equal to text.size(). Malformed
// bytes count as one code point each, so every byte belongs to exactly one unit.
std::vector<std::size_t> CodepointOffsets(std::string_view text);
std::size_t CodepointCount(std::string_view text);
// Python's str.isspace() for one code point starting at text[pos]; sets *length.
bool IsPyWhitespaceAt(std::string_view text, std::size_t pos, std::size_t* length);

// str.strip / lstrip / rstrip; `chars` null means whitespace.
std::string PyStrip(std::string_view text, const std::string* chars, bool left, bool right);
// str.split(sep=None, maxsplit=-1); sep null means runs of whitespace.
std::vector<std::string> PySplit(std::string_view text, const std::string* sep, std::int64_t maxsplit);
std::string PyReplace(std::string_view text, std::string_view old, std::string_view replacement,
                      std::int64_t count);
// Case mapping covers ASCII, Latin-1, Greek and basic Cyrillic; other scripts pass through.
std::string PyUpper(std::string_view text);
std::string PyLower(std::string_view text);
std::string PyTitle(std::string_view text);
std::string PyCapitalize(std::string_view text);

}  // namespace citadel::jinja
