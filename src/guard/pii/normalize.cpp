#include "guard/pii/normalize.h"

#include <algorithm>
#include <cstring>

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

// Finds the bytes that can start a folded sequence (0xE3 or 0xEF) with memchr, remembering where
// each was last found so the text is passed over once: text that folds nothing — most text — goes
// by at memory speed.
class LeadBytes {
 public:
  explicit LeadBytes(std::string_view text) : text_(text) {}
  // The first lead byte at or after `from`, or the text's size.
  size_t Next(size_t from) {
    return std::min(Find(0xEF, from, next_ef_), Find(0xE3, from, next_e3_));
  }

 private:
  size_t Find(int byte, size_t from, size_t& cached) {
    if (cached != kUnknown && cached >= from) return cached;
    const void* hit = from < text_.size() ? std::memchr(text_.data() + from, byte, text_.size() - from) : nullptr;
    cached = hit != nullptr ? static_cast<size_t>(static_cast<const char*>(hit) - text_.data()) : text_.size();
    return cached;
  }
  static constexpr size_t kUnknown = static_cast<size_t>(-1);
  std::string_view text_;
  size_t next_ef_ = kUnknown, next_e3_ = kUnknown;
};

}  // namespace

NormalizedText::NormalizedText(std::string_view original) : original_(original) {
  size_t copied = 0;  // original bytes already in normalized_
  LeadBytes leads(original);
  for (size_t i = leads.Next(0); i < original.size(); i = leads.Next(i)) {
    const char folded = FoldedAt(original, i);
    if (folded == 0) {
      ++i;
      continue;
    }
    if (identity_) {
      identity_ = false;
      normalized_.reserve(original.size());
    }
    normalized_.append(original.substr(copied, i - copied));
    folds_.push_back(static_cast<uint32_t>(normalized_.size()));
    normalized_.push_back(folded);
    i += 3;
    copied = i;
  }
  if (!identity_) normalized_.append(original.substr(copied));
}

size_t NormalizedText::ToOriginal(size_t i) const {
  if (identity_) return i;
  // Each fold before normalized offset i shortened the text by two bytes.
  const auto before = std::lower_bound(folds_.begin(), folds_.end(), static_cast<uint32_t>(i)) - folds_.begin();
  return i + 2 * static_cast<size_t>(before);
}

}  // namespace citadel::guard::pii
