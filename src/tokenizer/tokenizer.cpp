#include "tokenizer/tokenizer.h"

#include <algorithm>
#include <optional>

#include "core/utf8.h"
#include "gguf/gguf_file.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/merge_algorithms.h"
#include "tokenizer/pre_tokenizer.h"

namespace citadel::tokenizer {
namespace {

constexpr std::string_view kSpmSpace = "\xE2\x96\x81";      // U+2581, SentencePiece's space
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// A piece of the input: raw text still to be tokenized, or a special token already recognized.
struct Fragment {
  int32_t token;  // kNoToken for raw text
  size_t offset;
  size_t length;
};

bool IsAsciiSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r'; }

// Byte-level models see invalid UTF-8 as U+FFFD, one per offending byte (as llama.cpp does).
std::string_view SanitizeUtf8(std::string_view text, std::string& storage) {
  size_t i = 0;
  while (i < text.size()) {
    const size_t len = ValidUtf8SequenceLength(text, i);
    if (len == 0) break;
    i += len;
  }
  if (i == text.size()) return text;
  storage.assign(text.substr(0, i));
  while (i < text.size()) {
    const size_t len = ValidUtf8SequenceLength(text, i);
    if (len == 0) {
      storage += kReplacement;
      ++i;
    } else {
      storage.append(text.substr(i, len));
      i += len;
    }
  }
  return storage;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  return -1;
}

// The byte of a "<0xXX>" token, or -1 when the text has another form.
int ParseByteToken(std::string_view text) {
  if (text.size() != 6 || !text.starts_with("<0x") || text.back() != '>') return -1;
  const int high = HexDigit(text[3]), low = HexDigit(text[4]);
  return high < 0 || low < 0 ? -1 : high * 16 + low;
}

}  // namespace

struct Tokenizer::Impl {
  Vocab vocab;
  std::optional<PreTokenizer> pre;
  ByteLevelAlphabet alphabet;
  internal::BpeEncoder::MergeTable merges;
  std::vector<int32_t> byte_tokens;     // BPE: token of each byte's code point; SPM: <0xXX> tokens
  bool spm_split_at_word_starts = false;
  std::vector<int32_t> special_tokens;  // recognized in raw text, longest first
  std::vector<uint8_t> end_of_generation;

  void Partition(std::string_view text, bool parse_special, std::vector<Fragment>& fragments) const;
  void AppendTokenBytes(int32_t id, bool render_special, std::string& out) const;
};

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::Tokenizer(Tokenizer&&) noexcept = default;
Tokenizer& Tokenizer::operator=(Tokenizer&&) noexcept = default;
Tokenizer::~Tokenizer() = default;

Result<Tokenizer> Tokenizer::FromGguf(const gguf::GgufFile& file) {
  CITADEL_ASSIGN_OR_RETURN(Vocab vocab, LoadVocab(file));
  return FromVocab(std::move(vocab));
}

Result<Tokenizer> Tokenizer::FromVocab(Vocab vocab) {
  auto impl = std::make_unique<Impl>();
  if (vocab.token_to_id.empty() || vocab.types.size() != vocab.tokens.size()) vocab.Index();
  impl->vocab = std::move(vocab);
  Vocab& v = impl->vocab;
  const int32_t n = v.size();

  if (v.kind == ModelKind::kSentencePiece) {
    if (v.scores.size() != v.tokens.size()) return Err("SentencePiece vocabulary without one score per token");
    impl->byte_tokens = internal::SpmByteTokens(v);
    impl->spm_split_at_word_starts = internal::SpmCanSplitAtWordStarts(v);
  } else {
    CITADEL_ASSIGN_OR_RETURN(auto pre, PreTokenizer::ForName(v.pre));
    impl->pre.emplace(std::move(pre));
    impl->byte_tokens.resize(256);
    for (int b = 0; b < 256; ++b) {
      impl->byte_tokens[b] = v.Find(impl->alphabet.Encode(static_cast<uint8_t>(b)));
      if (impl->byte_tokens[b] == kNoToken) {
        return Err("byte-level vocabulary has no token for byte 0x{:02X}", b);
      }
    }
    impl->merges.reserve(v.merges.size());
    for (size_t rank = 0; rank < v.merges.size(); ++rank) {
      const std::string_view merge = v.merges[rank];
      const size_t space = merge.find(' ', 1);
      if (space == std::string_view::npos) return Err("merge #{} '{}' has no separating space", rank, merge);
      const std::string_view left = merge.substr(0, space), right = merge.substr(space + 1);
      const int32_t l = v.Find(left), r = v.Find(right);
      const int32_t merged = v.Find(std::string(left) + std::string(right));
      if (l == kNoToken || r == kNoToken || merged == kNoToken) continue;  // unusable, as in llama.cpp
      if (!v.IsMergeable(merged)) continue;
      impl->merges.emplace(internal::PairKey(l, r), internal::BpeEncoder::Merge{static_cast<int32_t>(rank), merged});
    }
  }

  for (int32_t id = 0; id < n; ++id) {
    const auto t = v.types[id];
    if (t == TokenType::kControl || t == TokenType::kUserDefined || t == TokenType::kUnknown) {
      if (!v.tokens[id].empty()) impl->special_tokens.push_back(id);
    }
  }
  std::stable_sort(impl->special_tokens.begin(), impl->special_tokens.end(),
                   [&v](int32_t a, int32_t b) { return v.tokens[a].size() > v.tokens[b].size(); });

  impl->end_of_generation.assign(n, 0);
  for (int32_t id : {v.eos, v.eot, v.eom}) {
    if (id != kNoToken) impl->end_of_generation[id] = 1;
  }
  for (int32_t id : v.end_of_turn) impl->end_of_generation[id] = 1;
  return Tokenizer(std::move(impl));
}

// Splits raw text around special tokens, longest token first, as llama.cpp does.
void Tokenizer::Impl::Partition(std::string_view text, bool parse_special, std::vector<Fragment>& fragments) const {
  fragments.clear();
  if (text.empty()) return;  // nothing to tokenize: no space prefix either
  fragments.push_back(Fragment{kNoToken, 0, text.size()});
  std::vector<Fragment> next;
  for (const int32_t id : special_tokens) {
    const auto type = vocab.types[id];
    // User-defined tokens are always recognized; control and unknown ones only when allowed.
    if (!parse_special && (type == TokenType::kControl || type == TokenType::kUnknown)) continue;
    const std::string_view special = vocab.tokens[id];
    if (text.find(special) == std::string_view::npos) continue;
    next.clear();
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        next.push_back(f);
        continue;
      }
      size_t offset = f.offset;
      size_t end = f.offset + f.length;
      while (offset < end) {
        const size_t match = text.substr(0, end).find(special, offset);
        if (match == std::string_view::npos) break;
        if (match > offset) next.push_back(Fragment{kNoToken, offset, match - offset});
        next.push_back(Fragment{id, match, special.size()});
        offset = match + special.size();
        if (vocab.rstrip[id]) {
          while (offset < end && IsAsciiSpace(text[offset])) ++offset;
        }
      }
      if (offset < end) next.push_back(Fragment{kNoToken, offset, end - offset});
    }
    fragments.swap(next);
  }
}

Result<std::vector<int32_t>> Tokenizer::Encode(std::string_view text, const EncodeOptions& options) const {
  const Vocab& v = impl_->vocab;
  std::vector<int32_t> out;
  out.reserve(text.size() / 3 + 4);
  if (options.add_special && v.add_bos) out.push_back(v.bos);

  std::vector<Fragment> fragments;
  impl_->Partition(text, options.parse_special, fragments);

  if (v.kind == ModelKind::kSentencePiece) {
    internal::SpmEncoder spm(v, impl_->byte_tokens, impl_->spm_split_at_word_starts);
    std::string escaped;
    bool previous_special = true;  // a space prefix goes on the first raw piece and after specials
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        out.push_back(f.token);
        previous_special = true;
        continue;
      }
      escaped.clear();
      if (v.add_space_prefix && previous_special) escaped += kSpmSpace;
      for (char c : text.substr(f.offset, f.length)) {
        if (c == ' ') {
          escaped += kSpmSpace;
        } else {
          escaped += c;
        }
      }
      spm.Encode(escaped, out);
      previous_special = false;
    }
  } else {
    internal::BpeEncoder bpe(v, impl_->merges, impl_->byte_tokens, impl_->alphabet);
    std::string sanitized;
    std::vector<std::string_view> words;
    for (const Fragment& f : fragments) {
      if (f.token != kNoToken) {
        out.push_back(f.token);
        continue;
      }
      const std::string_view raw = SanitizeUtf8(text.substr(f.offset, f.length), sanitized);
      words.clear();
      CITADEL_RETURN_IF_ERROR(impl_->pre->Split(raw, words));
      for (const std::string_view word : words) bpe.Encode(word, out);
    }
  }
  if (options.add_special && v.add_eos) out.push_back(v.eos);
  return out;
}

// Appends rather than returns, so that Decode builds its text without a string per token.
void Tokenizer::Impl::AppendTokenBytes(int32_t id, bool render_special, std::string& out) const {
  if (id < 0 || id >= vocab.size()) {
    out += kReplacement;
    return;
  }
  const std::string& text = vocab.tokens[id];
  switch (vocab.types[id]) {
    case TokenType::kControl:
    case TokenType::kUnused:
      if (render_special) out += text;
      return;
    case TokenType::kUnknown:
      out += render_special ? std::string_view(text) : kReplacement;
      return;
    case TokenType::kUserDefined:
      out += text;
      return;
    case TokenType::kByte:
      if (const int byte = ParseByteToken(text); byte >= 0) {
        out += static_cast<char>(byte);
      } else {
        out += text;
      }
      return;
    case TokenType::kNormal:
    case TokenType::kUndefined:
      break;
  }
  if (vocab.kind == ModelKind::kSentencePiece) {
    for (size_t i = 0; i < text.size();) {
      if (text.compare(i, kSpmSpace.size(), kSpmSpace) == 0) {
        out += ' ';
        i += kSpmSpace.size();
      } else {
        out += text[i++];
      }
    }
    return;
  }
  const size_t before = out.size();
  if (!alphabet.Decode(text, out)) {
    out.resize(before);  // not byte-level text after all: show it as stored
    out += text;
  }
}

std::string Tokenizer::TokenBytes(int32_t id, bool render_special) const {
  std::string out;
  impl_->AppendTokenBytes(id, render_special, out);
  return out;
}

std::string Tokenizer::Decode(std::span<const int32_t> ids, const DecodeOptions& options) const {
  std::string out;
  out.reserve(ids.size() * 4);
  // Only the space that Encode itself prefixed is dropped: the first character decoded.
  bool strip = options.strip_leading_space && impl_->vocab.add_space_prefix;
  for (const int32_t id : ids) {
    const size_t before = out.size();
    impl_->AppendTokenBytes(id, options.render_special, out);
    if (strip && out.size() > before) {
      if (out[before] == ' ') out.erase(before, 1);
      strip = false;
    }
  }
  return out;
}

const Vocab& Tokenizer::vocab() const { return impl_->vocab; }
int32_t Tokenizer::vocab_size() const { return impl_->vocab.size(); }
std::string_view Tokenizer::Piece(int32_t id) const {
  return id >= 0 && id < impl_->vocab.size() ? std::string_view(impl_->vocab.tokens[id]) : std::string_view();
}
int32_t Tokenizer::bos() const { return impl_->vocab.bos; }
int32_t Tokenizer::eos() const { return impl_->vocab.eos; }
bool Tokenizer::IsControl(int32_t id) const {
  return id >= 0 && id < impl_->vocab.size() && impl_->vocab.types[id] == TokenType::kControl;
}
bool Tokenizer::IsEndOfGeneration(int32_t id) const {
  return id >= 0 && id < impl_->vocab.size() && impl_->end_of_generation[id] != 0;
}

}  // namespace citadel::tokenizer
