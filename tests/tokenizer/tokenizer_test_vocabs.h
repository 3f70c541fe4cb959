#pragma once
// Tiny vocabularies built in memory for the tokenizer unit tests.

#include <string>
#include <vector>

#include "tokenizer/byte_level.h"
#include "tokenizer/vocab.h"

namespace citadel::tokenizer::testing {

// SentencePiece-style: <unk> <s> </s>, 256 byte tokens, then scored pieces.
inline Vocab SpmVocab() {
  Vocab v;
  v.kind = ModelKind::kSentencePiece;
  auto add = [&v](std::string text, float score, TokenType type) {
    v.tokens.push_back(std::move(text));
    v.scores.push_back(score);
    v.types.push_back(type);
  };
  add("<unk>", 0, TokenType::kUnknown);
  add("<s>", 0, TokenType::kControl);
  add("</s>", 0, TokenType::kControl);
  for (int b = 0; b < 256; ++b) {
    char buf[8];
    std::snprintf(buf, sizeof buf, "<0x%02X>", b);
    add(buf, 0, TokenType::kByte);
  }
  const std::string s = "\xE2\x96\x81";  // U+2581
  for (auto [text, score] : std::vector<std::pair<std::string, float>>{
           {s, -1}, {"a", -2}, {"b", -2}, {"c", -2}, {"ab", -3}, {"bc", -1}, {"abc", -5}, {s + "a", -4},
           {s + "ab", -6}, {"h", -2}, {"i", -2}, {"hi", -1}, {s + "hi", -0.5f}}) {
    add(text, score, TokenType::kNormal);
  }
  v.unk = 0;
  v.bos = 1;
  v.eos = 2;
  v.add_bos = true;
  v.add_space_prefix = true;
  v.Index();
  return v;
}

// Byte-level BPE with the gpt-2 pre-tokenizer: every byte, a few merges, two special tokens.
inline Vocab BpeVocab(std::string pre = "gpt-2") {
  Vocab v;
  v.kind = ModelKind::kByteLevelBpe;
  v.pre = std::move(pre);
  ByteLevelAlphabet alphabet;
  for (int b = 0; b < 256; ++b) v.tokens.emplace_back(alphabet.Encode(static_cast<uint8_t>(b)));
  const std::string g = "\xC4\xA0";  // 'Ġ', the byte-level space
  v.merges = {"h e", "l l", "he ll", "hell o", g + " w", g + "w o", g + "wo r", g + "wor l", g + "worl d"};
  for (const auto& m : v.merges) {
    const auto space = m.find(' ');
    v.tokens.push_back(m.substr(0, space) + m.substr(space + 1));
  }
  v.tokens.push_back("<|im_start|>");
  v.tokens.push_back("<|im_end|>");
  v.tokens.push_back("<tool>");
  v.Index();
  v.types[v.Find("<|im_start|>")] = TokenType::kControl;
  v.types[v.Find("<|im_end|>")] = TokenType::kControl;
  v.types[v.Find("<tool>")] = TokenType::kUserDefined;
  v.eos = v.Find("<|im_end|>");
  return v;
}

}  // namespace citadel::tokenizer::testing
