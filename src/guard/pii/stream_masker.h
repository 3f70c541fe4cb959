#pragma once
// Masks model output as it streams. Feed() returns the text that is final: everything except the
// shortest tail that could still grow into (or decide the boundary of) a finding. The tail is cut
// at the last character no detector can span, and never exceeds the longest bounded match; an
// unterminated PEM block is held until its END line (up to kMaxHeldPrivateKey bytes). The
// concatenated output equals Mask() over the whole text.
//
// StreamRestorer does the inverse for placeholders, which may arrive split ("[PHO" + "NE_1]").

#include <string>
#include <string_view>

#include "core/result.h"
#include "guard/pii/placeholder_vault.h"
#include "guard/pii/policy.h"
#include "guard/pii/scanner.h"

namespace citadel::guard::pii {

inline constexpr size_t kMaxHeldPrivateKey = 64 * 1024;
// Custom regexes have no known extent; a stream holds this many bytes for them.
inline constexpr size_t kCustomRegexHold = 1024;

class StreamMasker {
 public:
  // scanner and vault must outlive the masker; the policy is copied.
  static Result<StreamMasker> Create(const Scanner& scanner, Policy policy, PlaceholderVault& vault);

  Result<std::string> Feed(std::string_view chunk);
  Result<std::string> Finish();
  size_t held() const { return pending_.size(); }

 private:
  StreamMasker(const Scanner& scanner, Policy policy, PlaceholderVault& vault, ScanScratch scratch);
  // Masks the first `cut` bytes of context_ + pending_ (those bytes past the context) and keeps the rest.
  Result<std::string> Emit(bool finish);

  const Scanner* scanner_;
  Policy policy_;
  PlaceholderVault* vault_;
  ScanScratch scratch_;
  std::string context_;  // the last few emitted bytes: boundaries look one character back
  std::string pending_;
};

class StreamRestorer {
 public:
  explicit StreamRestorer(const PlaceholderVault& vault) : vault_(&vault) {}
  std::string Feed(std::string_view chunk);
  std::string Finish();

 private:
  const PlaceholderVault* vault_;
  std::string pending_;
};

}  // namespace citadel::guard::pii
