#pragma once
// Internal: the recursive-descent parser shared by parser.cpp (statements) and parse_expr.cpp
// (expressions).

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "jinja/ast.h"
#include "jinja/lexer.h"
#include "jinja/parser.h"

namespace citadel::jinja {

class Parser {
 public:
  Parser(std::vector<Token> tokens, const ParseOptions& options)
      : tokens_(std::move(tokens)), options_(options) {}

  Result<ast::Body> ParseTemplate();

  // Expressions (parse_expr.cpp).
  Result<ast::ExprPtr> ParseExpression(bool with_conditional = true);

 private:
  // Counts one level of nesting for the lifetime of a recursive call.
  class DepthGuard {
   public:
    explicit DepthGuard(int& depth) : depth_(depth) { ++depth_; }
    ~DepthGuard() { --depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
   private:
    int& depth_;
  };

  const Token& Peek(std::size_t ahead = 0) const {
    const std::size_t i = pos_ + ahead;
    return i < tokens_.size() ? tokens_[i] : tokens_.back();
  }
  const Token& Next() { const Token& t = Peek(); if (pos_ + 1 < tokens_.size()) ++pos_; return t; }
  bool IsOp(std::string_view op, std::size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kOperator && Peek(ahead).text == op;
  }
  bool IsName(std::string_view name, std::size_t ahead = 0) const {
    return Peek(ahead).kind == TokenKind::kName && Peek(ahead).text == name;
  }
  bool SkipOp(std::string_view op) { if (!IsOp(op)) return false; Next(); return true; }
  bool SkipName(std::string_view name) { if (!IsName(name)) return false; Next(); return true; }
  Result<void> ExpectOp(std::string_view op);
  Result<std::string> ExpectName();
  Result<void> ExpectBlockEnd(std::string_view tag);
  Result<void> CheckDepth() const;
  std::string Describe(const Token& token) const;

  // Builds a node, computing its height and enforcing max_nesting_depth.
  Result<ast::ExprPtr> Make(ast::ExprKind kind, int line, std::vector<ast::ExprPtr> children,
                            std::string name = {});

  // Statements (parser.cpp).
  Result<ast::Body> ParseBody(std::initializer_list<std::string_view> terminators, std::string* found);
  Result<ast::StmtPtr> ParseStatement();
  Result<ast::StmtPtr> ParseIf(int line);
  Result<ast::StmtPtr> ParseFor(int line);
  Result<ast::StmtPtr> ParseSet(int line);
  Result<ast::StmtPtr> ParseMacro(int line);
  Result<ast::StmtPtr> ParseCallBlock(int line);
  Result<ast::StmtPtr> ParseFilterBlock(int line);
  Result<std::vector<ast::Param>> ParseParams();

  // Expression levels, loosest first (parse_expr.cpp).
  Result<ast::ExprPtr> ParseOr();
  Result<ast::ExprPtr> ParseAnd();
  Result<ast::ExprPtr> ParseNot();
  Result<ast::ExprPtr> ParseCompare();
  Result<ast::ExprPtr> ParseMath1();
  Result<ast::ExprPtr> ParseConcat();
  Result<ast::ExprPtr> ParseMath2();
  Result<ast::ExprPtr> ParsePow();
  Result<ast::ExprPtr> ParseUnary(bool with_filter);
  Result<ast::ExprPtr> ParsePrimary();
  Result<ast::ExprPtr> ParsePostfix(ast::ExprPtr node);
  Result<ast::ExprPtr> ParseFilterExpr(ast::ExprPtr node);
  Result<ast::ExprPtr> ParseSubscript(ast::ExprPtr node, int line);
  // Parses `( args )` after the callee/filter/test; appends to node->children and node->kwargs.
  Result<void> ParseCallArgs(ast::Expr& node);
  Result<ast::ExprPtr> ParseFilter(ast::ExprPtr input);
  Result<ast::ExprPtr> ParseTest(ast::ExprPtr subject);

  std::vector<Token> tokens_;
  ParseOptions options_;
  std::size_t pos_ = 0;
  int depth_ = 0;       // current nesting (blocks, brackets, unary chains)
  int loop_depth_ = 0;  // enclosing for-loops, for break/continue
  int loop_name_uses_ = 0;  // `loop` names parsed so far; tells a for-loop whether to build it
};

}  // namespace citadel::jinja
