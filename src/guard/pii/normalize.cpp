#include "guard/pii/normalize.h"

namespace citadel::guard::pii {
namespace {

// ASCII replacement for the 3-byte sequence at text[i], or 0 when it is not folded.
char FoldedAt(std::string_view text, size_t i) {
  if (i + 2 >= text.size()) return 0;
  const auto b0 = static_cast<unsigned char>(text[i]);
  const auto b1 = static_cast<unsigned char>(text[i + 1]);
  const auto b2 = static_cast<unsigned char>(text[i + 2]);
  if (b0 == 0xE3 && b1 == 0x80 && b2 == 0x80) return ' ';  // U+3000
  if (b0 != 0xEF || (b1 != 0xBC && b1 != 0xBD) || b2 < 0x80 || b2 > 0xBF) return 0;
  const uint32_t cp = ((b0 & 0x0Fu) << 12) | ((b1 & 0x3Fu) << 6) | (b2 & 0x3Fu);
  if (cp < 0xFF01 || cp > 0xFF5E) return 0;
  const char ascii = static_cast<char>(cp - 0xFF01 + 0x21);
  // Only what a detector can contain. Folding "，" or "：" would change nothing (both sides are
  // boundaries) but would force a copy of almost every Chinese text.
  const bool alnum = (ascii >= '0' && ascii <= '9') || (ascii >= 'A' && ascii <= 'Z') || (ascii >= 'a' && ascii <= 'z');
  return alnum || std::string_view("-+().@_").find(ascii) != std::string_view::npos ? ascii : 0;
}

}  // namespace

NormalizedText::NormalizedText(std::string_view original) : original_(original) {
  size_t i = 0;
  for (; i < original.size(); ++i) {
    const auto c = static_cast<unsigned char>(original[i]);
    if ((c == 0xEF || c == 0xE3) && FoldedAt(original, i) != 0) break;
  }
  if (i == original.size()) return;
  identity_ = false;
  normalized_.reserve(original.size());
  to_original_.reserve(original.size() + 1);
  normalized_.append(original.substr(0, i));
  for (size_t k = 0; k < i; ++k) to_original_.push_back(static_cast<uint32_t>(k));
  while (i < original.size()) {
    to_original_.push_back(static_cast<uint32_t>(i));
    if (const char folded = FoldedAt(original, i); folded != 0) {
      normalized_.push_back(folded);
      i += 3;
    } else {
      normalized_.push_back(original[i]);
      ++i;
    }
  }
  to_original_.push_back(static_cast<uint32_t>(original.size()));
}

}  // namespace citadel::guard::pii
