#include "jinja/lexer.h"

#include "core/utf8.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

namespace citadel::jinja {
namespace {

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }
bool IsInlineSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool IsNameStart(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsNameChar(char c) { return IsNameStart(c) || IsDigit(c); }


enum class TagKind { kVar, kBlock, kComment };

class Lexer {
 public:
  Lexer(std::string_view source, const LexOptions& options) : src_(source), options_(options) {}

  Result<std::vector<Token>> Run() {
    while (pos_ < src_.size()) {
      const std::size_t tag = FindTagStart(pos_);
      std::string_view text = src_.substr(pos_, tag - pos_);
      if (strip_next_text_) {
        const std::size_t skip = CountLeading(text, IsSpace);
        Advance(skip);
        text.remove_prefix(skip);
        strip_next_text_ = false;
      }
      const std::size_t text_begin = pos_;
      if (tag == src_.size()) {
        Emit(TokenKind::kText, std::string(text));
        Advance(text.size());
        break;
      }
      const TagKind kind = KindAt(tag);
      const char modifier = tag + 2 < src_.size() ? src_[tag + 2] : '\0';
      if (modifier == '-') {
        while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
      } else if (modifier != '+' && options_.lstrip_blocks && kind != TagKind::kVar) {
        // Drop indentation before a tag that is alone at the start of its line.
        const std::size_t newline = text.rfind('\n');
        const std::size_t line_begin = newline == std::string_view::npos ? 0 : newline + 1;
        const bool at_line_start = line_begin > 0 || text_begin == 0 || src_[text_begin - 1] == '\n';
        const std::string_view tail = text.substr(line_begin);
        if (at_line_start && std::all_of(tail.begin(), tail.end(), IsInlineSpace)) {
          text = text.substr(0, line_begin);
        }
      }
      Emit(TokenKind::kText, std::string(text));
      Advance(tag - pos_);
      Result<void> status = kind == TagKind::kComment ? LexComment()
                            : kind == TagKind::kVar  ? LexTag(TagKind::kVar)
                                                     : LexBlockOrRaw();
      if (!status) return std::move(status).error();
    }
    Token end;
    end.kind = TokenKind::kEnd;
    end.line = line_;
    tokens_.push_back(std::move(end));
    return std::move(tokens_);
  }

 private:
  template <class Pred>
  static std::size_t CountLeading(std::string_view text, Pred pred) {
    std::size_t n = 0;
    while (n < text.size() && pred(text[n])) ++n;
    return n;
  }

  std::size_t FindTagStart(std::size_t from) const {
    for (std::size_t i = src_.find('{', from); i != std::string_view::npos; i = src_.find('{', i + 1)) {
      if (i + 1 < src_.size() && (src_[i + 1] == '{' || src_[i + 1] == '%' || src_[i + 1] == '#')) {
        return i;
      }
    }
    return src_.size();
  }

  TagKind KindAt(std::size_t tag) const {
    return src_[tag + 1] == '{' ? TagKind::kVar : src_[tag + 1] == '%' ? TagKind::kBlock : TagKind::kComment;
  }

  void Advance(std::size_t n) {
    line_ += static_cast<int>(std::count(src_.begin() + static_cast<std::ptrdiff_t>(pos_),
                                         src_.begin() + static_cast<std::ptrdiff_t>(pos_ + n), '\n'));
    pos_ += n;
  }

  void Emit(TokenKind kind, std::string text) {
    if (kind == TokenKind::kText && text.empty()) return;
    Token token;
    token.kind = kind;
    token.text = std::move(text);
    token.line = line_;
    tokens_.push_back(std::move(token));
  }

  // After a block tag or comment closes: `-` strips all following whitespace, `+` keeps it, and
  // otherwise trim_blocks drops one newline.
  void AfterBlockClose(char modifier) {
    if (modifier == '-') {
      strip_next_text_ = true;
    } else if (modifier != '+' && options_.trim_blocks && pos_ < src_.size() && src_[pos_] == '\n') {
      Advance(1);
    }
  }

  Result<void> LexComment() {
    const int start_line = line_;
    const std::size_t close = src_.find("#}", pos_ + 2);
    if (close == std::string_view::npos) return Err("line {}: unterminated comment", start_line);
    const char modifier = close > pos_ + 2 ? src_[close - 1] : '\0';
    Advance(close + 2 - pos_);
    AfterBlockClose(modifier);
    return Ok();
  }

  // Checks for `{% raw %}` (with optional modifiers) at pos_; fills the raw body on success.
  Result<void> LexBlockOrRaw() {
    std::size_t p = pos_ + 2;
    if (p < src_.size() && (src_[p] == '-' || src_[p] == '+')) ++p;
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    if (src_.substr(p, 3) != "raw" || (p + 3 < src_.size() && IsNameChar(src_[p + 3]))) {
      return LexTag(TagKind::kBlock);
    }
    p += 3;
    while (p < src_.size() && IsSpace(src_[p])) ++p;
    bool strip_body_start = false;
    if (src_.substr(p, 3) == "-%}") {
      strip_body_start = true;
      p += 3;
    } else if (src_.substr(p, 2) == "%}") {
      p += 2;
    } else {
      return Err("line {}: malformed raw tag", line_);
    }
    const int start_line = line_;
    Advance(p - pos_);
    // Find `{%[-+]? endraw [-+]?%}`.
    for (std::size_t i = src_.find("{%", pos_); i != std::string_view::npos; i = src_.find("{%", i + 2)) {
      std::size_t q = i + 2;
      const char open_mod = q < src_.size() && (src_[q] == '-' || src_[q] == '+') ? src_[q] : '\0';
      if (open_mod != '\0') ++q;
      while (q < src_.size() && IsSpace(src_[q])) ++q;
      if (src_.substr(q, 6) != "endraw") continue;
      q += 6;
      while (q < src_.size() && IsSpace(src_[q])) ++q;
      char close_mod = '\0';
      if (q < src_.size() && (src_[q] == '-' || src_[q] == '+')) close_mod = src_[q++];
      if (src_.substr(q, 2) != "%}") continue;
      std::string_view body = src_.substr(pos_, i - pos_);
      if (strip_body_start) body.remove_prefix(CountLeading(body, IsSpace));
      if (open_mod == '-') {
        while (!body.empty() && IsSpace(body.back())) body.remove_suffix(1);
      }
      Emit(TokenKind::kText, std::string(body));
      Advance(q + 2 - pos_);
      AfterBlockClose(close_mod);
      return Ok();
    }
    return Err("line {}: unterminated raw block (missing endraw)", start_line);
  }

  Result<void> LexTag(TagKind kind) {
    const int start_line = line_;
    Emit(kind == TagKind::kVar ? TokenKind::kVarBegin : TokenKind::kBlockBegin, "");
    Advance(2);
    if (pos_ < src_.size() && (src_[pos_] == '-' || src_[pos_] == '+')) Advance(1);
    const char close_char = kind == TagKind::kVar ? '}' : '%';
    std::vector<char> brackets;
    while (true) {
      while (pos_ < src_.size() && IsSpace(src_[pos_])) Advance(1);
      if (pos_ >= src_.size()) {
        return Err("line {}: unterminated {} tag", start_line, kind == TagKind::kVar ? "'{{'" : "'{%'");
      }
      if (brackets.empty()) {
        char modifier = '\0';
        std::size_t p = pos_;
        if (src_[p] == '-' || (src_[p] == '+' && kind == TagKind::kBlock)) modifier = src_[p++];
        if (p + 1 < src_.size() && src_[p] == close_char && src_[p + 1] == '}') {
          Advance(p + 2 - pos_);
          Emit(kind == TagKind::kVar ? TokenKind::kVarEnd : TokenKind::kBlockEnd, "");
          if (kind == TagKind::kVar) {
            strip_next_text_ = modifier == '-';
          } else {
            AfterBlockClose(modifier);
          }
          return Ok();
        }
      }
      CITADEL_RETURN_IF_ERROR(LexToken(brackets));
    }
  }

  Result<void> LexToken(std::vector<char>& brackets) {
    const char c = src_[pos_];
    Token token;
    token.line = line_;
    if (IsNameStart(c)) {
      const std::size_t n = CountLeading(src_.substr(pos_), IsNameChar);
      token.kind = TokenKind::kName;
      token.text = std::string(src_.substr(pos_, n));
      Advance(n);
    } else if (IsDigit(c)) {
      CITADEL_RETURN_IF_ERROR(LexNumber(token));
    } else if (c == '\'' || c == '"') {
      CITADEL_RETURN_IF_ERROR(LexString(token));
    } else {
      static constexpr std::array<std::string_view, 25> kOps = {
          "**", "//", "==", "!=", "<=", ">=", "+", "-", "*", "/", "%", "~", "<",
          ">",  "=",  ".",  ",",  ":",  "|",  "(", ")", "[", "]", "{", "}"};
      const auto it = std::find_if(kOps.begin(), kOps.end(),
                                   [&](std::string_view op) { return src_.substr(pos_, op.size()) == op; });
      if (it == kOps.end()) {
        return Err("line {}: unexpected character '{}'", line_, std::string(1, c));
      }
      token.kind = TokenKind::kOperator;
      token.text = std::string(*it);
      if (*it == "(" || *it == "[" || *it == "{") {
        brackets.push_back((*it)[0]);
      } else if (*it == ")" || *it == "]" || *it == "}") {
        const char open = *it == ")" ? '(' : *it == "]" ? '[' : '{';
        if (brackets.empty() || brackets.back() != open) {
          return Err("line {}: unbalanced '{}'", line_, std::string(*it));
        }
        brackets.pop_back();
      }
      Advance(it->size());
    }
    tokens_.push_back(std::move(token));
    return Ok();
  }

  Result<void> LexNumber(Token& token) {
    std::size_t p = pos_;
    std::string digits;
    auto take_digits = [&] {
      while (p < src_.size() && (IsDigit(src_[p]) || (src_[p] == '_' && p + 1 < src_.size() && IsDigit(src_[p + 1])))) {
        if (src_[p] != '_') digits += src_[p];
        ++p;
      }
    };
    take_digits();
    bool is_float = false;
    if (p + 1 < src_.size() && src_[p] == '.' && IsDigit(src_[p + 1])) {
      is_float = true;
      digits += '.';
      ++p;
      take_digits();
    }
    if (p < src_.size() && (src_[p] == 'e' || src_[p] == 'E')) {
      std::size_t q = p + 1;
      if (q < src_.size() && (src_[q] == '+' || src_[q] == '-')) ++q;
      if (q < src_.size() && IsDigit(src_[q])) {
        is_float = true;
        digits += 'e';
        digits.append(src_.substr(p + 1, q - p - 1));
        p = q;
        take_digits();
      }
    }
    if (is_float) {
      token.kind = TokenKind::kFloat;
      token.float_value = std::strtod(digits.c_str(), nullptr);
    } else {
      token.kind = TokenKind::kInt;
      errno = 0;
      const unsigned long long v = std::strtoull(digits.c_str(), nullptr, 10);
      if (errno == ERANGE || v > static_cast<unsigned long long>(INT64_MAX)) {
        return Err("line {}: integer literal {} out of range", line_, digits);
      }
      token.int_value = static_cast<std::int64_t>(v);
    }
    token.text = std::move(digits);
    Advance(p - pos_);
    return Ok();
  }

  Result<void> LexString(Token& token) {
    const char quote = src_[pos_];
    const int start_line = line_;
    std::size_t p = pos_ + 1;
    std::string out;
    while (true) {
      if (p >= src_.size()) return Err("line {}: unterminated string literal", start_line);
      const char c = src_[p];
      if (c == quote) break;
      if (c != '\\' || p + 1 >= src_.size()) {
        out += c;
        ++p;
        continue;
      }
      const char e = src_[p + 1];
      p += 2;
      switch (e) {
        case 'n': out += '\n'; break;
        case 't': out += '\t'; break;
        case 'r': out += '\r'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'v': out += '\v'; break;
        case 'a': out += '\a'; break;
        case '0': out += '\0'; break;
        case '\\': out += '\\'; break;
        case '\'': out += '\''; break;
        case '"': out += '"'; break;
        case '\n': break;  // line continuation
        case 'x':
        case 'u':
        case 'U': {
          const std::size_t width = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          const std::string hex(src_.substr(p, width));
          if (hex.size() != width || !std::all_of(hex.begin(), hex.end(), [](char h) { return std::isxdigit(static_cast<unsigned char>(h)); })) {
            return Err("line {}: invalid \\{} escape in string literal", line_, std::string(1, e));
          }
          const auto cp = static_cast<std::uint32_t>(std::strtoul(hex.c_str(), nullptr, 16));
          if (cp > 0x10FFFF) return Err("line {}: invalid code point in string literal", line_);
          AppendUtf8(out, cp);
          p += width;
          break;
        }
        default:  // Python keeps unknown escapes verbatim
          out += '\\';
          out += e;
      }
    }
    token.kind = TokenKind::kString;
    token.text = std::move(out);
    Advance(p + 1 - pos_);
    return Ok();
  }

  std::string_view src_;
  LexOptions options_;
  std::size_t pos_ = 0;
  int line_ = 1;
  bool strip_next_text_ = false;  // the previous tag ended with '-'
  std::vector<Token> tokens_;
};

}  // namespace

Result<std::vector<Token>> Lex(std::string_view source, const LexOptions& options) {
  return Lexer(source, options).Run();
}

}  // namespace citadel::jinja
