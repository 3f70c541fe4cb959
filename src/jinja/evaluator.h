#pragma once
// Internal: walks the AST for one render. Owns the scope frames, the output buffer and the Budget;
// never outlives the render call.

#include <nlohmann/json.hpp>

#include <string>
#include <unordered_map>
#include <vector>

#include "jinja/ast.h"
#include "jinja/options.h"
#include "jinja/runtime.h"

namespace citadel::jinja {

class Evaluator {
 public:
  explicit Evaluator(const RenderOptions& options);

  Result<std::string> Render(const ast::Body& body, const nlohmann::ordered_json& context);

 private:
  enum class Flow { kNormal, kBreak, kContinue };

  // A scope: `set` writes to the current frame; lookups follow parent links. Frame 0 holds the
  // globals, frame 1 the render context and template-level variables.
  struct Frame {
    std::unordered_map<std::string, Value> vars;
    int parent = -1;
  };

  // Enters one level of render-time nesting; Check() reports exceeding max_recursion_depth.
  class DepthGuard {
   public:
    explicit DepthGuard(Evaluator& e) : e_(e) { ++e_.depth_; }
    ~DepthGuard() { --e_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Result<void> Check(int line) const;
   private:
    Evaluator& e_;
  };

  // Pushes a frame for its lifetime and makes it current.
  class FrameGuard {
   public:
    FrameGuard(Evaluator& e, int parent);
    ~FrameGuard();
    FrameGuard(const FrameGuard&) = delete;
    FrameGuard& operator=(const FrameGuard&) = delete;
    Frame& frame() const { return e_.frames_[static_cast<std::size_t>(index_)]; }
   private:
    Evaluator& e_;
    int index_;
    int saved_current_;
  };

  // Statements (eval_stmt.cpp).
  Result<Flow> ExecBody(const ast::Body& body);
  Result<Flow> Exec(const ast::Stmt& stmt);
  Result<Flow> ExecFor(const ast::Stmt& stmt);
  Result<void> ExecSet(const ast::Stmt& stmt);
  Result<void> ExecCallBlock(const ast::Stmt& stmt);
  Result<std::string> Capture(const ast::Body& body);
  Result<void> Write(std::string_view text);
  Result<void> Bind(const std::vector<std::string>& targets, const Value& item, int line);
  Result<Value> CallMacro(const Callable& macro, const CallArgs& args, const Value* caller, int line);

  // Expressions (eval_expr.cpp).
  Result<Value> Eval(const ast::Expr& expr);
  Result<Value> EvalNode(const ast::Expr& expr);
  Result<Value> EvalCall(const ast::Expr& expr);
  Result<CallArgs> EvalArgs(const ast::Expr& expr, std::size_t first);
  Result<Value> Invoke(const Value& callee, const CallArgs& args, int line);
  Value Lookup(const std::string& name) const;

  // Global functions (builtins.cpp).
  void InstallGlobals();
  Result<Value> CallBuiltin(Builtin builtin, const CallArgs& args);

  RenderOptions options_;
  Budget budget_;
  std::vector<Frame> frames_;
  int current_ = 1;
  int depth_ = 0;
  std::string* out_ = nullptr;           // where Write goes: the render or a capture buffer
  const Value* filter_input_ = nullptr;  // input of the innermost {% filter %} block
};

}  // namespace citadel::jinja
