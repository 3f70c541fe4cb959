#pragma once
// A small byte-level BPE vocabulary (GPT-2 style) trained on a built-in text, so that generated
// models carry a complete, working tokenizer section without copying any real model's vocabulary.

#include <cstdint>
#include <string>
#include <vector>

#include "core/result.h"

namespace citadel::tools {

struct ByteBpeVocab {
  std::vector<std::string> tokens;  // GPT-2 byte-to-unicode encoded pieces
  std::vector<int32_t> token_types;  // 1 normal, 3 control, 5 unused
  std::vector<std::string> merges;   // "left right", highest priority first
  int32_t endoftext_id = -1;
  int32_t im_start_id = -1;
  int32_t im_end_id = -1;
};

// Exactly n_vocab tokens: 256 byte tokens, learned merges, unused padding if the text runs out of
// pairs, and the control tokens <|endoftext|>, <|im_start|>, <|im_end|> last.
Result<ByteBpeVocab> TrainByteBpeVocab(uint32_t n_vocab);

// The GPT-2 printable code point that stands for a byte in byte-level BPE pieces, UTF-8 encoded.
std::string ByteToPiece(uint8_t byte);

}  // namespace citadel::tools
