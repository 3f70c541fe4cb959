#include "tokenizer/byte_level.h"

namespace citadel::tokenizer {
namespace {

bool Printable(uint32_t b) { return (b >= 33 && b <= 126) || (b >= 161 && b <= 172) || b >= 174; }

}  // namespace

ByteLevelAlphabet::ByteLevelAlphabet() {
  byte_of_code_point_.fill(-1);
  uint32_t shifted = 0;
  for (uint32_t b = 0; b < 256; ++b) {
    const uint32_t cp = Printable(b) ? b : 256 + shifted++;
    byte_of_code_point_[cp] = static_cast<int16_t>(b);
    if (cp < 0x80) {
      encoded_[b][0] = static_cast<char>(cp);
      lengths_[b] = 1;
    } else {
      encoded_[b][0] = static_cast<char>(0xC0 | (cp >> 6));
      encoded_[b][1] = static_cast<char>(0x80 | (cp & 0x3F));
      lengths_[b] = 2;
    }
  }
}

bool ByteLevelAlphabet::Decode(std::string_view piece, std::string& out) const {
  size_t i = 0;
  while (i < piece.size()) {
    const auto c = static_cast<uint8_t>(piece[i]);
    uint32_t cp;
    if (c < 0x80) {
      cp = c;
      i += 1;
    } else if ((c & 0xE0) == 0xC0 && i + 1 < piece.size()) {
      cp = ((c & 0x1Fu) << 6) | (static_cast<uint8_t>(piece[i + 1]) & 0x3Fu);
      i += 2;
    } else {
      return false;
    }
    if (cp >= byte_of_code_point_.size() || byte_of_code_point_[cp] < 0) return false;
    out.push_back(static_cast<char>(byte_of_code_point_[cp]));
  }
  return true;
}

}  // namespace citadel::tokenizer
