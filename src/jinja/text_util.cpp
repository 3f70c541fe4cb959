#include "jinja/text_util.h"

#include "core/utf8.h"

#include <algorithm>

namespace citadel::jinja {
namespace {

std::size_t SequenceLength(unsigned char lead) {
  if (lead < 0x80) return 1;
  if ((lead & 0xE0) == 0xC0) return 2;
  if ((lead & 0xF0) == 0xE0) return 3;
  if ((lead & 0xF8) == 0xF0) return 4;
  return 1;
}

// Decodes the code point at pos; returns its byte length (1 for malformed input).
std::size_t Decode(std::string_view text, std::size_t pos, std::uint32_t* cp) {
  const auto lead = static_cast<unsigned char>(text[pos]);
  const std::size_t n = SequenceLength(lead);
  if (n == 1 || pos + n > text.size()) {
    *cp = lead;
    return 1;
  }
  std::uint32_t value = lead & (0x7F >> n);
  for (std::size_t i = 1; i < n; ++i) {
    const auto c = static_cast<unsigned char>(text[pos + i]);
    if ((c & 0xC0) != 0x80) {
      *cp = lead;
      return 1;
    }
    value = (value << 6) | (c & 0x3F);
  }
  *cp = value;
  return n;
}

bool IsPyWhitespace(std::uint32_t cp) {
  return cp == ' ' || (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x1F) || cp == 0x85 ||
         cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
         cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}


// Simple one-to-one case mappings for ASCII, Latin-1, Greek and basic Cyrillic; other code points
// are left as they are (and count as uncased).
std::uint32_t ToUpper(std::uint32_t cp) {
  if (cp >= 'a' && cp <= 'z') return cp - 32;
  if ((cp >= 0xE0 && cp <= 0xFE && cp != 0xF7) || (cp >= 0x3B1 && cp <= 0x3C9 && cp != 0x3C2)) return cp - 32;
  if (cp >= 0x430 && cp <= 0x44F) return cp - 32;
  if (cp >= 0x450 && cp <= 0x45F) return cp - 80;
  return cp;
}

std::uint32_t ToLower(std::uint32_t cp) {
  if (cp >= 'A' && cp <= 'Z') return cp + 32;
  if ((cp >= 0xC0 && cp <= 0xDE && cp != 0xD7) || (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2)) return cp + 32;
  if (cp >= 0x410 && cp <= 0x42F) return cp + 32;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 80;
  return cp;
}

bool IsCased(std::uint32_t cp) { return ToUpper(cp) != cp || ToLower(cp) != cp; }

void AppendCodepoint(std::string& out, std::uint32_t cp) { AppendUtf8(out, cp); }

enum class CaseMode { kUpper, kLower, kTitle, kCapitalize };

std::string MapCase(std::string_view text, CaseMode mode) {
  std::string out;
  out.reserve(text.size());
  bool previous_cased = false;
  bool first = true;
  for (std::size_t pos = 0; pos < text.size();) {
    std::uint32_t cp = 0;
    const std::size_t n = Decode(text, pos, &cp);
    const bool malformed = n == 1 && cp >= 0x80;
    std::uint32_t mapped = cp;
    switch (mode) {
      case CaseMode::kUpper: mapped = ToUpper(cp); break;
      case CaseMode::kLower: mapped = ToLower(cp); break;
      case CaseMode::kCapitalize: mapped = first ? ToUpper(cp) : ToLower(cp); break;
      case CaseMode::kTitle: {
        // Python: a cased character after a cased one is lowered; otherwise it is uppercased.
        mapped = previous_cased ? ToLower(cp) : ToUpper(cp);
        previous_cased = IsCased(cp);
        break;
      }
    }
    if (malformed) {
      out += text[pos];  // keep invalid bytes as they are
    } else {
      AppendCodepoint(out, mapped);
    }
    pos += n;
    first = false;
  }
  return out;
}

}  // namespace

std::vector<std::size_t> CodepointOffsets(std::string_view text) {
  std::vector<std::size_t> offsets;
  offsets.reserve(text.size() + 1);
  std::size_t pos = 0;
  while (pos < text.size()) {
    offsets.push_back(pos);
    std::uint32_t cp = 0;
    pos += Decode(text, pos, &cp);
  }
  offsets.push_back(text.size());
  return offsets;
}

std::size_t CodepointCount(std::string_view text) {
  std::size_t count = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::uint32_t cp = 0;
    pos += Decode(text, pos, &cp);
    ++count;
  }
  return count;
}

bool IsPyWhitespaceAt(std::string_view text, std::size_t pos, std::size_t* length) {
  std::uint32_t cp = 0;
  *length = Decode(text, pos, &cp);
  return IsPyWhitespace(cp);
}

std::string PyStrip(std::string_view text, const std::string* chars, bool left, bool right) {
  // Code points to strip, as (start, length) units of `text`.
  std::vector<std::uint32_t> set;
  if (chars != nullptr) {
    for (std::size_t pos = 0; pos < chars->size();) {
      std::uint32_t cp = 0;
      pos += Decode(*chars, pos, &cp);
      set.push_back(cp);
    }
  }
  auto strippable = [&](std::uint32_t cp) {
    return chars == nullptr ? IsPyWhitespace(cp) : std::find(set.begin(), set.end(), cp) != set.end();
  };
  const std::vector<std::size_t> offsets = CodepointOffsets(text);
  std::size_t first = 0;
  std::size_t last = offsets.size() - 1;  // number of code points
  auto cp_at = [&](std::size_t i) {
    std::uint32_t cp = 0;
    Decode(text, offsets[i], &cp);
    return cp;
  };
  if (left) {
    while (first < last && strippable(cp_at(first))) ++first;
  }
  if (right) {
    while (last > first && strippable(cp_at(last - 1))) --last;
  }
  return std::string(text.substr(offsets[first], offsets[last] - offsets[first]));
}

std::vector<std::string> PySplit(std::string_view text, const std::string* sep, std::int64_t maxsplit) {
  std::vector<std::string> parts;
  if (sep != nullptr) {
    std::size_t start = 0;
    while (maxsplit < 0 || static_cast<std::int64_t>(parts.size()) < maxsplit) {
      const std::size_t hit = text.find(*sep, start);
      if (hit == std::string_view::npos) break;
      parts.emplace_back(text.substr(start, hit - start));
      start = hit + sep->size();
    }
    parts.emplace_back(text.substr(start));
    return parts;
  }
  std::size_t pos = 0;
  std::size_t len = 0;
  auto skip_space = [&] {
    while (pos < text.size() && IsPyWhitespaceAt(text, pos, &len)) pos += len;
  };
  skip_space();
  while (pos < text.size()) {
    if (maxsplit >= 0 && static_cast<std::int64_t>(parts.size()) >= maxsplit) {
      std::string rest(text.substr(pos));
      parts.push_back(PyStrip(rest, nullptr, false, true));
      return parts;
    }
    const std::size_t start = pos;
    while (pos < text.size() && !IsPyWhitespaceAt(text, pos, &len)) pos += len;
    parts.emplace_back(text.substr(start, pos - start));
    skip_space();
  }
  return parts;
}

std::string PyReplace(std::string_view text, std::string_view old, std::string_view replacement,
                      std::int64_t count) {
  std::string out;
  if (old.empty()) {
    // Python inserts the replacement before every code point and at the end.
    const std::vector<std::size_t> offsets = CodepointOffsets(text);
    std::int64_t done = 0;
    for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
      if (count < 0 || done < count) {
        out += replacement;
        ++done;
      }
      out += text.substr(offsets[i], offsets[i + 1] - offsets[i]);
    }
    if (count < 0 || done < count) out += replacement;
    return out;
  }
  std::size_t start = 0;
  std::int64_t done = 0;
  while (count < 0 || done < count) {
    const std::size_t hit = text.find(old, start);
    if (hit == std::string_view::npos) break;
    out += text.substr(start, hit - start);
    out += replacement;
    start = hit + old.size();
    ++done;
  }
  out += text.substr(start);
  return out;
}

std::string PyUpper(std::string_view text) { return MapCase(text, CaseMode::kUpper); }

std::string PyLower(std::string_view text) { return MapCase(text, CaseMode::kLower); }

std::string PyTitle(std::string_view text) { return MapCase(text, CaseMode::kTitle); }

std::string PyCapitalize(std::string_view text) { return MapCase(text, CaseMode::kCapitalize); }

}  // namespace citadel::jinja
