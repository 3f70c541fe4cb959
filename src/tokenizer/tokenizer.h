#pragma once
// Text <-> token ids with the tokenizer a GGUF model carries: SentencePiece-style BPE
// (tokenizer.ggml.model = llama) or byte-level BPE (gpt2) with the model's pre-tokenizer.
// Exact to llama.cpp on its own tokenizer test vectors. Immutable after construction, so one
// Tokenizer serves every request thread.

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "tokenizer/vocab.h"

namespace citadel::gguf {
class GgufFile;
}

namespace citadel::tokenizer {

struct EncodeOptions {
  bool add_special = true;     // BOS / EOS as the vocabulary asks
  // Recognize control-token text such as "<|im_start|>". Only for text Citadel wrote itself
  // (rendered chat templates): user content must be encoded with this off, so that it can never
  // smuggle in a control token.
  bool parse_special = false;
};

struct DecodeOptions {
  bool render_special = false;  // print control tokens as their text instead of nothing
  // SentencePiece models prefix the text with a space on encode; drop it from the first token.
  bool strip_leading_space = true;
};

class Tokenizer {
 public:
  static Result<Tokenizer> FromGguf(const gguf::GgufFile& file);
  static Result<Tokenizer> FromVocab(Vocab vocab);

  Tokenizer(Tokenizer&&) noexcept;
  Tokenizer& operator=(Tokenizer&&) noexcept;
  ~Tokenizer();

  // Errors only if the regular-expression engine fails (resource limits), never for any input
  // text: invalid UTF-8 is encoded as U+FFFD by byte-level models and as bytes by SentencePiece.
  Result<std::vector<int32_t>> Encode(std::string_view text, const EncodeOptions& options = {}) const;
  std::string Decode(std::span<const int32_t> ids, const DecodeOptions& options = {}) const;
  // The bytes one token stands for (what a streaming decoder concatenates).
  std::string TokenBytes(int32_t id, bool render_special = false) const;

  const Vocab& vocab() const;
  int32_t vocab_size() const;
  std::string_view Piece(int32_t id) const;  // the token's text as stored in the vocabulary
  int32_t bos() const;
  int32_t eos() const;
  bool IsControl(int32_t id) const;
  // EOS, EOT, EOM and the end-of-turn tokens of common chat formats.
  bool IsEndOfGeneration(int32_t id) const;

 private:
  struct Impl;
  explicit Tokenizer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

}  // namespace citadel::tokenizer
