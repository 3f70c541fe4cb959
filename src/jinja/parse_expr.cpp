// Expression grammar, following Jinja's precedence (loosest first):
//   conditional > or > and > not > comparisons/in > + - > ~ > * / // % > ** > unary -/+ >
//   primary with postfix (.attr [sub] (call)) and then filters / `is` tests.
#include <algorithm>

#include "jinja/parser_impl.h"

namespace citadel::jinja {

using ast::ExprKind;
using ast::ExprPtr;

Result<ExprPtr> Parser::Make(ExprKind kind, int line, std::vector<ExprPtr> children, std::string name) {
  auto node = std::make_unique<ast::Expr>();
  node->kind = kind;
  node->line = line;
  node->name = std::move(name);
  int height = 0;
  for (const ExprPtr& child : children) {
    if (child) height = std::max(height, child->height);
  }
  node->height = height + 1;
  node->children = std::move(children);
  if (node->height > options_.max_nesting_depth) {
    return Err("line {}: expression nesting exceeds max_nesting_depth ({})", line, options_.max_nesting_depth);
  }
  return node;
}

namespace {

std::vector<ExprPtr> Children(ExprPtr a, ExprPtr b = nullptr) {
  std::vector<ExprPtr> out;
  out.push_back(std::move(a));
  if (b) out.push_back(std::move(b));
  return out;
}

// Height of a call/filter/test node after kwargs were attached.
Result<void> RecomputeHeight(ast::Expr& node, int max_depth) {
  int height = 0;
  for (const ExprPtr& child : node.children) {
    if (child) height = std::max(height, child->height);
  }
  for (const auto& kwarg : node.kwargs) height = std::max(height, kwarg.second->height);
  node.height = height + 1;
  if (node.height > max_depth) {
    return Err("line {}: expression nesting exceeds max_nesting_depth ({})", node.line, max_depth);
  }
  return Ok();
}

}  // namespace

Result<ExprPtr> Parser::ParseExpression(bool with_conditional) {
  DepthGuard guard(depth_);
  CITADEL_RETURN_IF_ERROR(CheckDepth());
  CITADEL_ASSIGN_OR_RETURN(ExprPtr expr, ParseOr());
  if (!with_conditional) return expr;
  while (IsName("if")) {
    const int line = Next().line;
    CITADEL_ASSIGN_OR_RETURN(ExprPtr condition, ParseOr());
    ExprPtr otherwise;
    if (SkipName("else")) {
      CITADEL_ASSIGN_OR_RETURN(otherwise, ParseExpression());
    }
    std::vector<ExprPtr> children;
    children.push_back(std::move(condition));
    children.push_back(std::move(expr));
    children.push_back(std::move(otherwise));
    CITADEL_ASSIGN_OR_RETURN(expr, Make(ExprKind::kConditional, line, std::move(children)));
  }
  return expr;
}

Result<ExprPtr> Parser::ParseOr() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr left, ParseAnd());
  while (IsName("or")) {
    const int line = Next().line;
    CITADEL_ASSIGN_OR_RETURN(ExprPtr right, ParseAnd());
    CITADEL_ASSIGN_OR_RETURN(left, Make(ExprKind::kOr, line, Children(std::move(left), std::move(right))));
  }
  return left;
}

Result<ExprPtr> Parser::ParseAnd() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr left, ParseNot());
  while (IsName("and")) {
    const int line = Next().line;
    CITADEL_ASSIGN_OR_RETURN(ExprPtr right, ParseNot());
    CITADEL_ASSIGN_OR_RETURN(left, Make(ExprKind::kAnd, line, Children(std::move(left), std::move(right))));
  }
  return left;
}

Result<ExprPtr> Parser::ParseNot() {
  if (IsName("not")) {
    const int line = Next().line;
    DepthGuard guard(depth_);
    CITADEL_RETURN_IF_ERROR(CheckDepth());
    CITADEL_ASSIGN_OR_RETURN(ExprPtr operand, ParseNot());
    return Make(ExprKind::kUnary, line, Children(std::move(operand)), "not");
  }
  return ParseCompare();
}

Result<ExprPtr> Parser::ParseCompare() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr left, ParseMath1());
  while (true) {
    std::string op;
    const int line = Peek().line;
    if (Peek().kind == TokenKind::kOperator &&
        (Peek().text == "==" || Peek().text == "!=" || Peek().text == "<" || Peek().text == "<=" ||
         Peek().text == ">" || Peek().text == ">=")) {
      op = Next().text;
    } else if (IsName("in")) {
      Next();
      op = "in";
    } else if (IsName("not") && IsName("in", 1)) {
      Next();
      Next();
      op = "not in";
    } else {
      return left;
    }
    CITADEL_ASSIGN_OR_RETURN(ExprPtr right, ParseMath1());
    CITADEL_ASSIGN_OR_RETURN(left, Make(ExprKind::kBinary, line, Children(std::move(left), std::move(right)), op));
  }
}

Result<ExprPtr> Parser::ParseMath1() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr left, ParseConcat());
  while (IsOp("+") || IsOp("-")) {
    const Token& op = Next();
    CITADEL_ASSIGN_OR_RETURN(ExprPtr right, ParseConcat());
    CITADEL_ASSIGN_OR_RETURN(left, Make(ExprKind::kBinary, op.line, Children(std::move(left), std::move(right)), op.text));
  }
  return left;
}

Result<ExprPtr> Parser::ParseConcat() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr left, ParseMath2());
  while (IsOp("~")) {
    const int line = Next().line;
    CITADEL_ASSIGN_OR_RETURN(ExprPtr right, ParseMath2());
    CITADEL_ASSIGN_OR_RETURN(left, Make(ExprKind::kBinary, line, Children(std::move(left), std::move(right)), "~"));
  }
  return left;
}

Result<ExprPtr> Parser::ParseMath2() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr left, ParsePow());
  while (IsOp("*") || IsOp("/") || IsOp("//") || IsOp("%")) {
    const Token& op = Next();
    CITADEL_ASSIGN_OR_RETURN(ExprPtr right, ParsePow());
    CITADEL_ASSIGN_OR_RETURN(left, Make(ExprKind::kBinary, op.line, Children(std::move(left), std::move(right)), op.text));
  }
  return left;
}

Result<ExprPtr> Parser::ParsePow() {
  CITADEL_ASSIGN_OR_RETURN(ExprPtr left, ParseUnary(true));
  while (IsOp("**")) {
    const int line = Next().line;
    CITADEL_ASSIGN_OR_RETURN(ExprPtr right, ParseUnary(true));
    CITADEL_ASSIGN_OR_RETURN(left, Make(ExprKind::kBinary, line, Children(std::move(left), std::move(right)), "**"));
  }
  return left;
}

Result<ExprPtr> Parser::ParseUnary(bool with_filter) {
  ExprPtr node;
  if (IsOp("-") || IsOp("+")) {
    const Token& op = Next();
    DepthGuard guard(depth_);
    CITADEL_RETURN_IF_ERROR(CheckDepth());
    CITADEL_ASSIGN_OR_RETURN(ExprPtr operand, ParseUnary(false));
    CITADEL_ASSIGN_OR_RETURN(node, Make(ExprKind::kUnary, op.line, Children(std::move(operand)), op.text));
  } else {
    CITADEL_ASSIGN_OR_RETURN(node, ParsePrimary());
  }
  CITADEL_ASSIGN_OR_RETURN(node, ParsePostfix(std::move(node)));
  if (with_filter) return ParseFilterExpr(std::move(node));
  return node;
}

Result<ExprPtr> Parser::ParsePrimary() {
  const Token& token = Peek();
  const int line = token.line;
  switch (token.kind) {
    case TokenKind::kName: {
      const std::string& name = token.text;
      Value literal;
      bool is_literal = true;
      if (name == "true" || name == "True") {
        literal = Value(true);
      } else if (name == "false" || name == "False") {
        literal = Value(false);
      } else if (name == "none" || name == "None") {
        literal = Value::None();
      } else {
        is_literal = false;
      }
      std::string text = Next().text;
      if (text == "loop") ++loop_name_uses_;
      if (is_literal) {
        CITADEL_ASSIGN_OR_RETURN(ExprPtr node, Make(ExprKind::kLiteral, line, {}));
        node->literal = std::move(literal);
        return node;
      }
      return Make(ExprKind::kName, line, {}, std::move(text));
    }
    case TokenKind::kString: {
      std::string text = Next().text;
      while (Peek().kind == TokenKind::kString) text += Next().text;  // "a" "b" concatenates
      CITADEL_ASSIGN_OR_RETURN(ExprPtr node, Make(ExprKind::kLiteral, line, {}));
      node->literal = Value(std::move(text));
      return node;
    }
    case TokenKind::kInt:
    case TokenKind::kFloat: {
      CITADEL_ASSIGN_OR_RETURN(ExprPtr node, Make(ExprKind::kLiteral, line, {}));
      node->literal = token.kind == TokenKind::kInt ? Value(token.int_value) : Value(token.float_value);
      Next();
      return node;
    }
    case TokenKind::kOperator: {
      if (token.text == "(") {
        Next();
        if (SkipOp(")")) return Make(ExprKind::kTuple, line, {});
        CITADEL_ASSIGN_OR_RETURN(ExprPtr first, ParseExpression());
        if (SkipOp(")")) return first;
        std::vector<ExprPtr> items;
        items.push_back(std::move(first));
        while (SkipOp(",")) {
          if (IsOp(")")) break;
          CITADEL_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
          items.push_back(std::move(item));
        }
        CITADEL_RETURN_IF_ERROR(ExpectOp(")"));
        return Make(ExprKind::kTuple, line, std::move(items));
      }
      if (token.text == "[") {
        Next();
        std::vector<ExprPtr> items;
        while (!IsOp("]")) {
          CITADEL_ASSIGN_OR_RETURN(ExprPtr item, ParseExpression());
          items.push_back(std::move(item));
          if (!SkipOp(",")) break;
        }
        CITADEL_RETURN_IF_ERROR(ExpectOp("]"));
        return Make(ExprKind::kList, line, std::move(items));
      }
      if (token.text == "{") {
        Next();
        std::vector<ExprPtr> items;
        while (!IsOp("}")) {
          CITADEL_ASSIGN_OR_RETURN(ExprPtr key, ParseExpression());
          CITADEL_RETURN_IF_ERROR(ExpectOp(":"));
          CITADEL_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
          items.push_back(std::move(key));
          items.push_back(std::move(value));
          if (!SkipOp(",")) break;
        }
        CITADEL_RETURN_IF_ERROR(ExpectOp("}"));
        return Make(ExprKind::kDict, line, std::move(items));
      }
      break;
    }
    default: break;
  }
  return Err("line {}: unexpected {} in expression", line, Describe(token));
}

Result<ExprPtr> Parser::ParsePostfix(ExprPtr node) {
  while (true) {
    const int line = Peek().line;
    if (SkipOp(".")) {
      if (Peek().kind == TokenKind::kInt) {  // `x.0` is `x[0]`
        CITADEL_ASSIGN_OR_RETURN(ExprPtr index, Make(ExprKind::kLiteral, line, {}));
        index->literal = Value(Next().int_value);
        CITADEL_ASSIGN_OR_RETURN(node, Make(ExprKind::kGetItem, line, Children(std::move(node), std::move(index))));
        continue;
      }
      CITADEL_ASSIGN_OR_RETURN(std::string attribute, ExpectName());
      CITADEL_ASSIGN_OR_RETURN(node, Make(ExprKind::kGetAttr, line, Children(std::move(node)), std::move(attribute)));
    } else if (IsOp("[")) {
      Next();
      CITADEL_ASSIGN_OR_RETURN(node, ParseSubscript(std::move(node), line));
    } else if (IsOp("(")) {
      CITADEL_ASSIGN_OR_RETURN(node, Make(ExprKind::kCall, line, Children(std::move(node))));
      CITADEL_RETURN_IF_ERROR(ParseCallArgs(*node));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::ParseSubscript(ExprPtr node, int line) {
  DepthGuard guard(depth_);
  CITADEL_RETURN_IF_ERROR(CheckDepth());
  std::vector<ExprPtr> parts;  // start, stop, step
  bool is_slice = false;
  ExprPtr current;
  if (!IsOp(":")) {
    CITADEL_ASSIGN_OR_RETURN(current, ParseExpression());
  }
  while (SkipOp(":")) {
    is_slice = true;
    parts.push_back(std::move(current));
    current = nullptr;
    if (!IsOp(":") && !IsOp("]")) {
      CITADEL_ASSIGN_OR_RETURN(current, ParseExpression());
    }
    if (parts.size() == 2) break;
  }
  parts.push_back(std::move(current));
  CITADEL_RETURN_IF_ERROR(ExpectOp("]"));
  if (!is_slice) {
    if (!parts[0]) return Err("line {}: empty subscript", line);
    return Make(ExprKind::kGetItem, line, Children(std::move(node), std::move(parts[0])));
  }
  while (parts.size() < 3) parts.push_back(nullptr);
  std::vector<ExprPtr> children;
  children.push_back(std::move(node));
  for (ExprPtr& part : parts) children.push_back(std::move(part));
  return Make(ExprKind::kSlice, line, std::move(children));
}

Result<void> Parser::ParseCallArgs(ast::Expr& node) {
  DepthGuard guard(depth_);
  CITADEL_RETURN_IF_ERROR(CheckDepth());
  CITADEL_RETURN_IF_ERROR(ExpectOp("("));
  while (!IsOp(")")) {
    if (IsOp("*") || IsOp("**")) return Err("line {}: unsupported construct '*args' in call", Peek().line);
    if (Peek().kind == TokenKind::kName && IsOp("=", 1)) {
      std::string name = Next().text;
      Next();
      CITADEL_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
      node.kwargs.emplace_back(std::move(name), std::move(value));
    } else {
      if (!node.kwargs.empty()) return Err("line {}: positional argument after keyword argument", Peek().line);
      CITADEL_ASSIGN_OR_RETURN(ExprPtr value, ParseExpression());
      node.children.push_back(std::move(value));
    }
    if (!SkipOp(",")) break;
  }
  CITADEL_RETURN_IF_ERROR(ExpectOp(")"));
  return RecomputeHeight(node, options_.max_nesting_depth);
}

Result<ExprPtr> Parser::ParseFilterExpr(ExprPtr node) {
  while (true) {
    if (SkipOp("|")) {
      CITADEL_ASSIGN_OR_RETURN(node, ParseFilter(std::move(node)));
    } else if (IsName("is")) {
      CITADEL_ASSIGN_OR_RETURN(node, ParseTest(std::move(node)));
    } else if (IsOp("(")) {
      CITADEL_ASSIGN_OR_RETURN(node, Make(ExprKind::kCall, Peek().line, Children(std::move(node))));
      CITADEL_RETURN_IF_ERROR(ParseCallArgs(*node));
    } else {
      return node;
    }
  }
}

Result<ExprPtr> Parser::ParseFilter(ExprPtr input) {
  const int line = Peek().line;
  CITADEL_ASSIGN_OR_RETURN(std::string name, ExpectName());
  std::vector<ExprPtr> children;
  children.push_back(std::move(input));  // may be null inside {% filter %}
  CITADEL_ASSIGN_OR_RETURN(ExprPtr node, Make(ExprKind::kFilter, line, std::move(children), std::move(name)));
  if (IsOp("(")) CITADEL_RETURN_IF_ERROR(ParseCallArgs(*node));
  return node;
}

Result<ExprPtr> Parser::ParseTest(ExprPtr subject) {
  const int line = Next().line;  // 'is'
  const bool negated = SkipName("not");
  CITADEL_ASSIGN_OR_RETURN(std::string name, ExpectName());
  CITADEL_ASSIGN_OR_RETURN(ExprPtr node, Make(ExprKind::kTest, line, Children(std::move(subject)), std::move(name)));
  node->negated = negated;
  if (IsOp("(")) {
    CITADEL_RETURN_IF_ERROR(ParseCallArgs(*node));
    return node;
  }
  // A single argument may follow without parentheses: `x is divisibleby 3`, `x is sameas none`.
  const Token& next = Peek();
  const bool starts_primary =
      (next.kind == TokenKind::kName && next.text != "else" && next.text != "or" && next.text != "and" &&
       next.text != "if" && next.text != "in" && next.text != "not" && next.text != "is") ||
      next.kind == TokenKind::kString || next.kind == TokenKind::kInt || next.kind == TokenKind::kFloat ||
      (next.kind == TokenKind::kOperator && (next.text == "[" || next.text == "{"));
  if (starts_primary) {
    DepthGuard guard(depth_);
    CITADEL_RETURN_IF_ERROR(CheckDepth());
    CITADEL_ASSIGN_OR_RETURN(ExprPtr arg, ParsePrimary());
    CITADEL_ASSIGN_OR_RETURN(arg, ParsePostfix(std::move(arg)));
    node->children.push_back(std::move(arg));
    CITADEL_RETURN_IF_ERROR(RecomputeHeight(*node, options_.max_nesting_depth));
  }
  return node;
}

}  // namespace citadel::jinja
