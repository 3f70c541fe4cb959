#pragma once
// Splits template source into text and tag tokens, applying Jinja's whitespace control
// (`{%-`, `-%}`, `+`) and the trim_blocks / lstrip_blocks settings, and handling {% raw %} and
// {# comments #} so the parser never sees them.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace citadel::jinja {

enum class TokenKind : std::uint8_t {
  kText,        // literal template text
  kVarBegin,    // {{
  kVarEnd,      // }}
  kBlockBegin,  // {%
  kBlockEnd,    // %}
  kName,
  kString,      // text holds the unescaped value
  kInt,
  kFloat,
  kOperator,    // text holds the operator, e.g. "**", "(", "|"
  kEnd,
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  int line = 1;
  std::int64_t int_value = 0;
  double float_value = 0.0;
};

struct LexOptions {
  bool trim_blocks = true;    // drop the first newline after a block tag or comment
  bool lstrip_blocks = true;  // drop spaces/tabs before a block tag or comment that starts a line
};

// Returns the tokens, ending with one kEnd token.
Result<std::vector<Token>> Lex(std::string_view source, const LexOptions& options);

}  // namespace citadel::jinja
