#pragma once
// The parsed template. Nodes are plain structs with a kind tag; the evaluator switches on it.
// Every expression records its height so the parser can refuse trees deep enough to overflow the
// stack when evaluated or destroyed.

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "jinja/value.h"

namespace citadel::jinja::ast {

enum class ExprKind : std::uint8_t {
  kLiteral,      // literal
  kName,         // name
  kList,         // children = items
  kTuple,        // children = items (a list at run time)
  kDict,         // children = key0, value0, key1, value1, ...
  kGetAttr,      // children[0] . name
  kGetItem,      // children[0] [ children[1] ]
  kSlice,        // children[0] [ children[1] : children[2] : children[3] ] (null = omitted)
  kCall,         // children[0] ( children[1..], kwargs )
  kFilter,       // children[0] | name ( children[1..], kwargs )
  kTest,         // children[0] is [not] name ( children[1..], kwargs )
  kUnary,        // op children[0]: "-", "+", "not"
  kBinary,       // children[0] op children[1]: + - * / // % ** ~ == != < <= > >= in "not in"
  kAnd,          // children[0] and children[1]
  kOr,           // children[0] or children[1]
  kConditional,  // children[1] if children[0] else children[2] (children[2] may be null)
};

struct Expr;
using ExprPtr = std::unique_ptr<Expr>;

struct Expr {
  ExprKind kind = ExprKind::kLiteral;
  int line = 0;
  int height = 1;
  Value literal;
  std::string name;  // identifier, attribute, filter/test name or operator
  bool negated = false;  // `is not`
  std::vector<ExprPtr> children;
  std::vector<std::pair<std::string, ExprPtr>> kwargs;
};

enum class StmtKind : std::uint8_t {
  kText,      // text
  kOutput,    // {{ expr }}
  kIf,        // branches (cond, body)...; else_body
  kFor,       // for targets in expr [if filter]: body; else_body
  kSet,       // set targets = expr, or set targets[0].attribute = expr
  kSetBlock,  // set targets[0] %} body {% endset
  kMacro,     // macro name(params) body
  kCallBlock, // call(params) expr: body (body is the caller)
  kBreak,
  kContinue,
  kFilterBlock,  // filter expr (input = the body's output)
};

struct Stmt;
using StmtPtr = std::unique_ptr<Stmt>;
using Body = std::vector<StmtPtr>;

struct Param {
  std::string name;
  ExprPtr default_value;  // null when required
};

struct Branch {
  ExprPtr condition;
  Body body;
};

struct Stmt {
  StmtKind kind = StmtKind::kText;
  int line = 0;
  std::string text;                  // kText; macro name for kMacro
  ExprPtr expr;                      // value / iterable / call / filter
  ExprPtr filter;                    // for-loop `if` condition
  std::vector<std::string> targets;  // set / for targets
  std::string attribute;             // `set ns.attribute = ...`
  std::vector<Branch> branches;      // kIf
  Body body;
  Body else_body;
  std::vector<Param> params;         // kMacro, kCallBlock
  bool uses_loop = true;             // kFor: whether `loop` is referenced (it is built lazily)
};

}  // namespace citadel::jinja::ast
