#include "jinja/parser.h"

#include <algorithm>
#include <array>

#include "jinja/parser_impl.h"

namespace citadel::jinja {
namespace {

// Jinja tags we deliberately do not run: file access (include/import/extends/from), template
// inheritance, and extensions HF does not enable.
constexpr std::array<std::string_view, 14> kUnsupportedTags = {
    "include", "import", "from", "extends", "block", "with", "autoescape", "do",
    "trans", "pluralize", "recursive", "print", "endblock", "endwith"};

}  // namespace

Result<ast::Body> ParseTemplate(std::string_view source, const ParseOptions& options) {
  if (source.size() > options.max_template_bytes) {
    return Err("template of {} bytes exceeds max_template_bytes ({})", source.size(),
               options.max_template_bytes);
  }
  LexOptions lex_options;
  lex_options.trim_blocks = options.trim_blocks;
  lex_options.lstrip_blocks = options.lstrip_blocks;
  CITADEL_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(source, lex_options));
  Parser parser(std::move(tokens), options);
  return parser.ParseTemplate();
}

Result<ast::Body> Parser::ParseTemplate() {
  std::string found;
  return ParseBody({}, &found);
}

std::string Parser::Describe(const Token& token) const {
  switch (token.kind) {
    case TokenKind::kText: return "text";
    case TokenKind::kVarBegin: return "'{{'";
    case TokenKind::kVarEnd: return "'}}'";
    case TokenKind::kBlockBegin: return "'{%'";
    case TokenKind::kBlockEnd: return "'%}'";
    case TokenKind::kName: return "'" + token.text + "'";
    case TokenKind::kString: return "string literal";
    case TokenKind::kInt:
    case TokenKind::kFloat: return "number " + token.text;
    case TokenKind::kOperator: return "'" + token.text + "'";
    case TokenKind::kEnd: return "end of template";
  }
  return "token";
}

Result<void> Parser::ExpectOp(std::string_view op) {
  if (SkipOp(op)) return Ok();
  return Err("line {}: expected '{}', got {}", Peek().line, op, Describe(Peek()));
}

Result<std::string> Parser::ExpectName() {
  if (Peek().kind != TokenKind::kName) {
    return Err("line {}: expected a name, got {}", Peek().line, Describe(Peek()));
  }
  return Next().text;
}

Result<void> Parser::ExpectBlockEnd(std::string_view tag) {
  if (Peek().kind == TokenKind::kBlockEnd) {
    Next();
    return Ok();
  }
  return Err("line {}: expected end of '{}' tag, got {}", Peek().line, tag, Describe(Peek()));
}

Result<void> Parser::CheckDepth() const {
  if (depth_ > options_.max_nesting_depth) {
    return Err("line {}: nesting exceeds max_nesting_depth ({})", Peek().line, options_.max_nesting_depth);
  }
  return Ok();
}

Result<ast::Body> Parser::ParseBody(std::initializer_list<std::string_view> terminators, std::string* found) {
  DepthGuard guard(depth_);
  CITADEL_RETURN_IF_ERROR(CheckDepth());
  ast::Body body;
  while (true) {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kText: {
        auto stmt = std::make_unique<ast::Stmt>();
        stmt->kind = ast::StmtKind::kText;
        stmt->line = token.line;
        stmt->text = Next().text;
        body.push_back(std::move(stmt));
        break;
      }
      case TokenKind::kVarBegin: {
        auto stmt = std::make_unique<ast::Stmt>();
        stmt->kind = ast::StmtKind::kOutput;
        stmt->line = Next().line;
        CITADEL_ASSIGN_OR_RETURN(stmt->expr, ParseExpression());
        if (Peek().kind != TokenKind::kVarEnd) {
          return Err("line {}: expected '}}}}', got {}", Peek().line, Describe(Peek()));
        }
        Next();
        body.push_back(std::move(stmt));
        break;
      }
      case TokenKind::kBlockBegin: {
        const Token& name = Peek(1);
        if (name.kind == TokenKind::kName &&
            std::find(terminators.begin(), terminators.end(), name.text) != terminators.end()) {
          Next();
          *found = Next().text;
          return body;
        }
        CITADEL_ASSIGN_OR_RETURN(ast::StmtPtr stmt, ParseStatement());
        if (stmt) body.push_back(std::move(stmt));
        break;
      }
      case TokenKind::kEnd:
        if (terminators.size() != 0) {
          return Err("line {}: unexpected end of template, expected '{}'", token.line, *(terminators.end() - 1));
        }
        return body;
      default:
        return Err("line {}: unexpected {}", token.line, Describe(token));
    }
  }
}

Result<ast::StmtPtr> Parser::ParseStatement() {
  const int line = Next().line;  // '{%'
  if (Peek().kind != TokenKind::kName) {
    return Err("line {}: expected a tag name, got {}", line, Describe(Peek()));
  }
  const std::string tag = Next().text;
  if (tag == "if") return ParseIf(line);
  if (tag == "for") return ParseFor(line);
  if (tag == "set") return ParseSet(line);
  if (tag == "macro") return ParseMacro(line);
  if (tag == "call") return ParseCallBlock(line);
  if (tag == "filter") return ParseFilterBlock(line);
  if (tag == "break" || tag == "continue") {
    if (loop_depth_ == 0) return Err("line {}: '{}' outside of a loop", line, tag);
    CITADEL_RETURN_IF_ERROR(ExpectBlockEnd(tag));
    auto stmt = std::make_unique<ast::Stmt>();
    stmt->kind = tag == "break" ? ast::StmtKind::kBreak : ast::StmtKind::kContinue;
    stmt->line = line;
    return stmt;
  }
  if (tag == "generation") {
    // Hugging Face's AssistantTracker marks assistant spans; for rendering it is a plain block.
    CITADEL_RETURN_IF_ERROR(ExpectBlockEnd(tag));
    std::string found;
    CITADEL_ASSIGN_OR_RETURN(ast::Body body, ParseBody({"endgeneration"}, &found));
    CITADEL_RETURN_IF_ERROR(ExpectBlockEnd(found));
    auto stmt = std::make_unique<ast::Stmt>();
    stmt->kind = ast::StmtKind::kIf;
    stmt->line = line;
    ast::Branch branch;
    branch.condition = std::make_unique<ast::Expr>();
    branch.condition->literal = Value(true);
    branch.body = std::move(body);
    stmt->branches.push_back(std::move(branch));
    return stmt;
  }
  if (std::find(kUnsupportedTags.begin(), kUnsupportedTags.end(), tag) != kUnsupportedTags.end()) {
    return Err("line {}: unsupported tag '{}'", line, tag);
  }
  if (tag.rfind("end", 0) == 0 || tag == "elif" || tag == "else") {
    return Err("line {}: unexpected '{}' without a matching opening tag", line, tag);
  }
  return Err("line {}: unknown tag '{}'", line, tag);
}

Result<ast::StmtPtr> Parser::ParseIf(int line) {
  auto stmt = std::make_unique<ast::Stmt>();
  stmt->kind = ast::StmtKind::kIf;
  stmt->line = line;
  std::string found = "if";
  while (found == "if" || found == "elif") {
    ast::Branch branch;
    CITADEL_ASSIGN_OR_RETURN(branch.condition, ParseExpression());
    CITADEL_RETURN_IF_ERROR(ExpectBlockEnd(found));
    CITADEL_ASSIGN_OR_RETURN(branch.body, ParseBody({"elif", "else", "endif"}, &found));
    stmt->branches.push_back(std::move(branch));
  }
  if (found == "else") {
    CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("else"));
    CITADEL_ASSIGN_OR_RETURN(stmt->else_body, ParseBody({"endif"}, &found));
  }
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("endif"));
  return stmt;
}

Result<ast::StmtPtr> Parser::ParseFor(int line) {
  auto stmt = std::make_unique<ast::Stmt>();
  stmt->kind = ast::StmtKind::kFor;
  stmt->line = line;
  const int loop_uses_before = loop_name_uses_;
  const bool parenthesized = SkipOp("(");
  do {
    CITADEL_ASSIGN_OR_RETURN(std::string target, ExpectName());
    stmt->targets.push_back(std::move(target));
  } while (SkipOp(","));
  if (parenthesized) CITADEL_RETURN_IF_ERROR(ExpectOp(")"));
  if (!SkipName("in")) return Err("line {}: expected 'in' in for loop, got {}", Peek().line, Describe(Peek()));
  CITADEL_ASSIGN_OR_RETURN(stmt->expr, ParseExpression(/*with_conditional=*/false));
  if (SkipName("if")) {
    CITADEL_ASSIGN_OR_RETURN(stmt->filter, ParseExpression(/*with_conditional=*/false));
  }
  if (IsName("recursive")) return Err("line {}: unsupported construct 'recursive' loop", line);
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("for"));
  std::string found;
  ++loop_depth_;
  auto body = ParseBody({"else", "endfor"}, &found);
  --loop_depth_;
  if (!body) return std::move(body).error();
  stmt->body = std::move(body).value();
  if (found == "else") {
    CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("else"));
    CITADEL_ASSIGN_OR_RETURN(stmt->else_body, ParseBody({"endfor"}, &found));
  }
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("endfor"));
  stmt->uses_loop = loop_name_uses_ != loop_uses_before;
  return stmt;
}

Result<ast::StmtPtr> Parser::ParseSet(int line) {
  auto stmt = std::make_unique<ast::Stmt>();
  stmt->kind = ast::StmtKind::kSet;
  stmt->line = line;
  CITADEL_ASSIGN_OR_RETURN(std::string target, ExpectName());
  stmt->targets.push_back(std::move(target));
  if (SkipOp(".")) {
    CITADEL_ASSIGN_OR_RETURN(stmt->attribute, ExpectName());
  } else {
    while (SkipOp(",")) {
      CITADEL_ASSIGN_OR_RETURN(std::string more, ExpectName());
      stmt->targets.push_back(std::move(more));
    }
  }
  if (SkipOp("=")) {
    CITADEL_ASSIGN_OR_RETURN(stmt->expr, ParseExpression());
    if (IsOp(",")) {  // `set a = 1, 2` builds a tuple
      std::vector<ast::ExprPtr> items;
      items.push_back(std::move(stmt->expr));
      while (SkipOp(",")) {
        if (Peek().kind == TokenKind::kBlockEnd) break;
        CITADEL_ASSIGN_OR_RETURN(ast::ExprPtr item, ParseExpression());
        items.push_back(std::move(item));
      }
      CITADEL_ASSIGN_OR_RETURN(stmt->expr, Make(ast::ExprKind::kTuple, line, std::move(items)));
    }
    CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("set"));
    return stmt;
  }
  if (stmt->targets.size() != 1 || !stmt->attribute.empty()) {
    return Err("line {}: block set needs a single plain name", line);
  }
  if (IsOp("|")) return Err("line {}: unsupported construct 'filtered block set'", line);
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("set"));
  stmt->kind = ast::StmtKind::kSetBlock;
  std::string found;
  CITADEL_ASSIGN_OR_RETURN(stmt->body, ParseBody({"endset"}, &found));
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("endset"));
  return stmt;
}

Result<std::vector<ast::Param>> Parser::ParseParams() {
  std::vector<ast::Param> params;
  CITADEL_RETURN_IF_ERROR(ExpectOp("("));
  while (!IsOp(")")) {
    ast::Param param;
    CITADEL_ASSIGN_OR_RETURN(param.name, ExpectName());
    if (SkipOp("=")) {
      CITADEL_ASSIGN_OR_RETURN(param.default_value, ParseExpression());
    }
    params.push_back(std::move(param));
    if (!SkipOp(",")) break;
  }
  CITADEL_RETURN_IF_ERROR(ExpectOp(")"));
  return params;
}

Result<ast::StmtPtr> Parser::ParseMacro(int line) {
  auto stmt = std::make_unique<ast::Stmt>();
  stmt->kind = ast::StmtKind::kMacro;
  stmt->line = line;
  CITADEL_ASSIGN_OR_RETURN(stmt->text, ExpectName());
  CITADEL_ASSIGN_OR_RETURN(stmt->params, ParseParams());
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("macro"));
  std::string found;
  // A macro body is its own scope: break/continue inside cannot reach an enclosing loop.
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;
  auto body = ParseBody({"endmacro"}, &found);
  loop_depth_ = saved_loops;
  if (!body) return std::move(body).error();
  stmt->body = std::move(body).value();
  if (Peek().kind == TokenKind::kName) Next();  // `{% endmacro name %}`
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("endmacro"));
  return stmt;
}

Result<ast::StmtPtr> Parser::ParseCallBlock(int line) {
  auto stmt = std::make_unique<ast::Stmt>();
  stmt->kind = ast::StmtKind::kCallBlock;
  stmt->line = line;
  stmt->text = "caller";
  if (IsOp("(")) {
    CITADEL_ASSIGN_OR_RETURN(stmt->params, ParseParams());
  }
  CITADEL_ASSIGN_OR_RETURN(stmt->expr, ParseExpression());
  if (stmt->expr->kind != ast::ExprKind::kCall) return Err("line {}: call block needs a macro call", line);
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("call"));
  std::string found;
  const int saved_loops = loop_depth_;
  loop_depth_ = 0;
  auto body = ParseBody({"endcall"}, &found);
  loop_depth_ = saved_loops;
  if (!body) return std::move(body).error();
  stmt->body = std::move(body).value();
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("endcall"));
  return stmt;
}

Result<ast::StmtPtr> Parser::ParseFilterBlock(int line) {
  auto stmt = std::make_unique<ast::Stmt>();
  stmt->kind = ast::StmtKind::kFilterBlock;
  stmt->line = line;
  // The filter chain applies to a missing input (children[0] == null), which the evaluator fills
  // with the block's output.
  ast::ExprPtr node;
  do {
    CITADEL_ASSIGN_OR_RETURN(node, ParseFilter(std::move(node)));
  } while (SkipOp("|"));
  stmt->expr = std::move(node);
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("filter"));
  std::string found;
  CITADEL_ASSIGN_OR_RETURN(stmt->body, ParseBody({"endfilter"}, &found));
  CITADEL_RETURN_IF_ERROR(ExpectBlockEnd("endfilter"));
  return stmt;
}

}  // namespace citadel::jinja
