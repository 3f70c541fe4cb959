#pragma once
// Splits text into the words a byte-level BPE merges within, using the regular expressions the
// model's tokenizer was trained with (selected by tokenizer.ggml.pre). The expressions run on
// PCRE2 with Unicode properties, JIT-compiled once; matching is thread-safe.

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace citadel::tokenizer {

class PreTokenizer {
 public:
  // Errors for a name Citadel does not know, listing the known ones.
  static Result<PreTokenizer> ForName(std::string_view pre);
  static Result<PreTokenizer> FromExpressions(const std::vector<std::string>& expressions);

  PreTokenizer(PreTokenizer&&) noexcept;
  PreTokenizer& operator=(PreTokenizer&&) noexcept;
  ~PreTokenizer();

  // Appends the words of `text` (valid UTF-8) to `words`, in order and covering all of it: each
  // expression splits every piece the previous one produced into matches and the gaps between.
  Result<void> Split(std::string_view text, std::vector<std::string_view>& words) const;

  static std::vector<std::string_view> KnownNames();

 private:
  struct Compiled;
  explicit PreTokenizer(std::vector<std::unique_ptr<Compiled>> expressions);
  std::vector<std::unique_ptr<Compiled>> expressions_;
};

}  // namespace citadel::tokenizer
