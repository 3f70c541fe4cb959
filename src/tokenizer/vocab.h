#pragma once
// The tokenizer section of a GGUF file as plain data: what every tokenizer algorithm reads.

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/result.h"

namespace citadel::gguf {
class GgufFile;
}

namespace citadel::tokenizer {

// tokenizer.ggml.token_type values.
enum class TokenType : int32_t {
  kUndefined = 0, kNormal = 1, kUnknown = 2, kControl = 3, kUserDefined = 4, kUnused = 5, kByte = 6,
};

enum class ModelKind { kSentencePiece, kByteLevelBpe };

inline constexpr int32_t kNoToken = -1;

// Hash that lets an unordered_map<std::string, …> be probed with a string_view without a copy.
struct StringHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct Vocab {
  ModelKind kind = ModelKind::kByteLevelBpe;
  std::string pre;  // tokenizer.ggml.pre ("default" when absent)
  std::vector<std::string> tokens;
  std::vector<float> scores;  // SentencePiece merge priorities; empty for BPE
  std::vector<TokenType> types;
  std::vector<std::string> merges;  // "left right", highest priority first (BPE)
  std::unordered_map<std::string, int32_t, StringHash, std::equal_to<>> token_to_id;

  int32_t bos = kNoToken, eos = kNoToken, eot = kNoToken, eom = kNoToken, unk = kNoToken, pad = kNoToken,
          sep = kNoToken;
  bool add_bos = false;
  bool add_eos = false;
  bool add_space_prefix = false;  // SentencePiece: prefix the text with a space
  bool ignore_merges = false;     // BPE: a whole pre-tokenized word that is a token is taken as is
  // Further tokens that end generation: found by their text (<|im_end|>, <|eot_id|>, </s>, ...) and
  // the fill-in-the-middle pad / repository / file-separator ids of the metadata.
  std::vector<int32_t> end_of_turn;
  // Special tokens whose surrounding ASCII whitespace is swallowed (as llama.cpp does for Phi-3).
  std::vector<uint8_t> rstrip;

  int32_t size() const { return static_cast<int32_t>(tokens.size()); }
  int32_t Find(std::string_view text) const {
    const auto it = token_to_id.find(text);
    return it == token_to_id.end() ? kNoToken : it->second;
  }
  // Whether merging text may produce this token. Control, unknown and unused tokens stand for
  // something other than their text (as in SentencePiece, which never matches them in text): only
  // the special-token pass, under the caller's control, may emit them.
  bool IsMergeable(int32_t id) const {
    const TokenType t = types[id];
    return t != TokenType::kControl && t != TokenType::kUnknown && t != TokenType::kUnused;
  }
  // Fills token_to_id (a later duplicate wins, as in llama.cpp) and defaults types/scores.
  void Index();
};

Result<Vocab> LoadVocab(const gguf::GgufFile& file);

}  // namespace citadel::tokenizer
