#pragma once
// GPT-2's byte-level alphabet: every byte is written as a printable code point so that BPE pieces
// are text. Bytes that are printable Latin-1 keep their value; the others are shifted past 255.

#include <array>
#include <cstdint>
#include <string>
#include <string_view>

namespace citadel::tokenizer {

class ByteLevelAlphabet {
 public:
  ByteLevelAlphabet();

  // UTF-8 of the code point standing for `byte`.
  std::string_view Encode(uint8_t byte) const { return {encoded_[byte].data(), lengths_[byte]}; }
  // Appends the original bytes of a byte-level piece; false if it holds a code point outside the
  // alphabet (then nothing sensible can be decoded and the caller falls back to the raw text).
  bool Decode(std::string_view piece, std::string& out) const;

 private:
  std::array<std::array<char, 2>, 256> encoded_{};
  std::array<uint8_t, 256> lengths_{};
  std::array<int16_t, 324> byte_of_code_point_{};  // -1 where no byte maps
};

}  // namespace citadel::tokenizer
