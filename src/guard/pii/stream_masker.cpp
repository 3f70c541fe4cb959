#include "guard/pii/stream_masker.h"

#include <algorithm>

#include "guard/pii/normalize.h"

namespace citadel::guard::pii {
namespace {

constexpr size_t kContextBytes = 8;
constexpr size_t kFullWidthBytes = 3;  // a folded character is up to 3 original bytes
constexpr size_t kLongestSpacedMatch = 42;  // spaced IBAN; phones, grouped cards and landlines are shorter
constexpr size_t kLongestTokenMatch = 16384;  // JWT
constexpr size_t kLongestPlainToken = 254;    // e-mail; every other whitespace-free match but a JWT is shorter

bool IsAlnum(unsigned char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }
bool InSet(unsigned char c, std::string_view set) { return set.find(static_cast<char>(c)) != std::string_view::npos; }

// Characters of the detectors whose matches may contain spaces (phones, grouped cards, IBAN, landlines).
bool SpacedChar(unsigned char c) { return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || InSet(c, " +-()"); }
// Characters of the detectors whose matches never contain whitespace (tokens, e-mail, IPs, IDs).
bool TokenChar(unsigned char c) { return IsAlnum(c) || InSet(c, "._%+-@:"); }

// Start of a trailing incomplete UTF-8 sequence, or text.size(): such bytes may still fold to ASCII.
size_t IncompleteTail(std::string_view text) {
  for (size_t back = 1; back <= std::min<size_t>(3, text.size()); ++back) {
    const auto c = static_cast<unsigned char>(text[text.size() - back]);
    if ((c & 0xC0) == 0x80) continue;
    const size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    return need > back ? text.size() - back : text.size();
  }
  return text.size();
}

// Earliest normalized offset at which a match still open at the end of `text` could start.
size_t OpenMatchStart(std::string_view text, const Scanner& scanner) {
  const size_t n = IncompleteTail(text);
  size_t spaced = n, token = n;
  while (spaced > 0 && SpacedChar(static_cast<unsigned char>(text[spaced - 1])) && n - spaced < kLongestSpacedMatch) --spaced;
  while (token > 0 && TokenChar(static_cast<unsigned char>(text[token - 1])) && n - token < kLongestTokenMatch) --token;
  if (n - token > kLongestPlainToken) {
    // Only a JWT can be this long: hold from its "eyJ" if there is one, else the e-mail bound. This
    // keeps a long run (base64, digits) streamed token by token from being rescanned each time.
    const size_t jwt = text.substr(token, n - token).find("eyJ");
    token = std::min(jwt == std::string_view::npos ? n : token + jwt, n - kLongestPlainToken);
  }
  size_t start = std::min(spaced, token);
  const size_t begin = text.rfind("-----BEGIN");
  const size_t end = begin == std::string_view::npos ? begin : text.find("-----END", begin);
  const bool closed = end != std::string_view::npos && text.find("PRIVATE KEY-----", end) != std::string_view::npos;
  if (begin != std::string_view::npos && !closed && text.size() - begin <= kMaxHeldPrivateKey) {
    start = std::min(start, begin);
  }
  size_t hold = scanner.longest_phrase();
  if (scanner.has_custom_regex()) hold = std::max(hold, kCustomRegexHold);
  return std::min(start, text.size() - std::min(text.size(), hold));
}

// Moves `cut` back to a character start so no UTF-8 sequence is split.
size_t CharStart(std::string_view text, size_t cut) {
  while (cut > 0 && cut < text.size() && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return cut;
}

}  // namespace

Result<StreamMasker> StreamMasker::Create(const Scanner& scanner, Policy policy, PlaceholderVault& vault) {
  CITADEL_ASSIGN_OR_RETURN(ScanScratch scratch, scanner.NewScratch());
  return StreamMasker(scanner, std::move(policy), vault, std::move(scratch));
}

StreamMasker::StreamMasker(const Scanner& scanner, Policy policy, PlaceholderVault& vault, ScanScratch scratch)
    : scanner_(&scanner), policy_(std::move(policy)), vault_(&vault), scratch_(std::move(scratch)) {}

Result<std::string> StreamMasker::Feed(std::string_view chunk) {
  pending_.append(chunk);
  return Emit(false);
}

Result<std::string> StreamMasker::Finish() { return Emit(true); }

Result<std::string> StreamMasker::Emit(bool finish) {
  std::string text = context_;
  text.append(pending_);
  CITADEL_ASSIGN_OR_RETURN(std::vector<Finding> findings, scanner_->Scan(text, scratch_));
  size_t cut = text.size();
  if (!finish) {
    const NormalizedText normalized(text);
    cut = std::max(context_.size(), CharStart(text, normalized.ToOriginal(OpenMatchStart(normalized.text(), *scanner_))));
    // A finding across the cut may still grow or lose its boundary: hold it whole.
    for (auto it = findings.rbegin(); it != findings.rend(); ++it) {
      if (it->start < cut && it->end > cut) cut = std::max(context_.size(), it->start);
    }
  }
  std::vector<Finding> emitted;
  for (const Finding& f : findings) {
    if (f.start >= context_.size() && f.end <= cut) emitted.push_back(f);
  }
  CITADEL_ASSIGN_OR_RETURN(std::string masked, Mask(std::string_view(text).substr(0, cut), emitted, policy_, *vault_));
  masked.erase(0, context_.size());
  const size_t keep_from = CharStart(text, cut > kContextBytes ? cut - kContextBytes : 0);
  context_ = text.substr(keep_from, cut - keep_from);
  pending_ = text.substr(cut);
  return masked;
}

std::string StreamRestorer::Feed(std::string_view chunk) {
  pending_.append(chunk);
  // Hold from the last '[' that has no ']' after it, while it is short enough to be a placeholder.
  const size_t open = pending_.rfind('[');
  size_t cut = pending_.size();
  if (open != std::string::npos && pending_.find(']', open) == std::string::npos &&
      pending_.size() - open < vault_->longest_placeholder()) {
    cut = open;
  }
  std::string out = vault_->Restore(std::string_view(pending_).substr(0, cut));
  pending_.erase(0, cut);
  return out;
}

std::string StreamRestorer::Finish() {
  std::string out = vault_->Restore(pending_);
  pending_.clear();
  return out;
}

}  // namespace citadel::guard::pii
