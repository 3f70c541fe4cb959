#pragma once
// Full-width digits, letters and the separators detectors use ("－＋（）．＠＿", U+FF01..U+FF5E) and
// the ideographic space U+3000 are folded to ASCII before matching, so "１３８１２３４５６７８" is found like its ASCII twin.
// Findings are reported and masked in the caller's original bytes: each fold shortens the text by
// two bytes, so the folds' positions alone map offsets back.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace citadel::guard::pii {

class NormalizedText {
 public:
  explicit NormalizedText(std::string_view original);

  std::string_view text() const { return identity_ ? original_ : std::string_view(normalized_); }
  // Original byte offset of normalized offset `i` (0 <= i <= text().size()).
  size_t ToOriginal(size_t i) const;

 private:
  std::string_view original_;
  bool identity_ = true;  // nothing to fold: no copy, no map
  std::string normalized_;
  std::vector<uint32_t> folds_;  // normalized offsets of folded characters, ascending
};

}  // namespace citadel::guard::pii
