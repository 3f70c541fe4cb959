#include "jinja/evaluator.h"

#include <algorithm>

namespace citadel::jinja {

Evaluator::FrameGuard::FrameGuard(Evaluator& e, int parent)
    : e_(e), index_(static_cast<int>(e.frames_.size())), saved_current_(e.current_) {
  Frame frame;
  frame.parent = parent;
  e_.frames_.push_back(std::move(frame));
  e_.current_ = index_;
}

Evaluator::FrameGuard::~FrameGuard() {
  e_.frames_.pop_back();
  e_.current_ = saved_current_;
}

Evaluator::Evaluator(const RenderOptions& options) : options_(options), budget_(options.limits) {}

Result<std::string> Evaluator::Render(const ast::Body& body, const nlohmann::ordered_json& context) {
  frames_.clear();
  frames_.push_back(Frame{});  // globals
  InstallGlobals();
  Frame context_frame;
  context_frame.parent = 0;
  if (context.is_object()) {
    for (const auto& [key, item] : context.items()) context_frame.vars[key] = Value::FromJson(item);
  } else if (!context.is_null()) {
    return Err("render context must be a JSON object");
  }
  frames_.push_back(std::move(context_frame));
  current_ = 1;
  std::string output;
  out_ = &output;
  CITADEL_RETURN_IF_ERROR(ExecBody(body));
  out_ = nullptr;
  return output;
}

Result<void> Evaluator::Write(std::string_view text) {
  if (out_->size() + text.size() > options_.limits.max_output_bytes) {
    return Err("output exceeds max_output_bytes ({})", options_.limits.max_output_bytes);
  }
  out_->append(text);
  return Ok();
}

Result<std::string> Evaluator::Capture(const ast::Body& body) {
  std::string buffer;
  std::string* saved = out_;
  out_ = &buffer;
  auto flow = ExecBody(body);
  out_ = saved;
  if (!flow) return std::move(flow).error();
  return buffer;
}

Result<Evaluator::Flow> Evaluator::ExecBody(const ast::Body& body) {
  for (const ast::StmtPtr& stmt : body) {
    CITADEL_ASSIGN_OR_RETURN(Flow flow, Exec(*stmt));
    if (flow != Flow::kNormal) return flow;
  }
  return Flow::kNormal;
}

Result<Evaluator::Flow> Evaluator::Exec(const ast::Stmt& stmt) {
  DepthGuard guard(*this);
  CITADEL_RETURN_IF_ERROR(guard.Check(stmt.line));
  switch (stmt.kind) {
    case ast::StmtKind::kText:
      CITADEL_RETURN_IF_ERROR(Write(stmt.text));
      return Flow::kNormal;
    case ast::StmtKind::kOutput: {
      CITADEL_ASSIGN_OR_RETURN(Value v, Eval(*stmt.expr));
      if (v.is_string()) {
        CITADEL_RETURN_IF_ERROR(Write(v.AsString()));
      } else {
        CITADEL_RETURN_IF_ERROR(Write(v.Str()));
      }
      return Flow::kNormal;
    }
    case ast::StmtKind::kIf:
      for (const ast::Branch& branch : stmt.branches) {
        CITADEL_ASSIGN_OR_RETURN(Value condition, Eval(*branch.condition));
        if (condition.Truthy()) return ExecBody(branch.body);
      }
      return ExecBody(stmt.else_body);
    case ast::StmtKind::kFor: return ExecFor(stmt);
    case ast::StmtKind::kSet:
      CITADEL_RETURN_IF_ERROR(ExecSet(stmt));
      return Flow::kNormal;
    case ast::StmtKind::kSetBlock: {
      CITADEL_ASSIGN_OR_RETURN(std::string text, Capture(stmt.body));
      frames_[static_cast<std::size_t>(current_)].vars[stmt.targets[0]] = Value(std::move(text));
      return Flow::kNormal;
    }
    case ast::StmtKind::kMacro: {
      auto callable = std::make_shared<Callable>();
      callable->kind = Callable::Kind::kMacro;
      callable->macro = &stmt;
      callable->name = stmt.text;
      frames_[static_cast<std::size_t>(current_)].vars[stmt.text] = Value(std::shared_ptr<const Callable>(std::move(callable)));
      return Flow::kNormal;
    }
    case ast::StmtKind::kCallBlock:
      CITADEL_RETURN_IF_ERROR(ExecCallBlock(stmt));
      return Flow::kNormal;
    case ast::StmtKind::kFilterBlock: {
      CITADEL_ASSIGN_OR_RETURN(std::string text, Capture(stmt.body));
      const Value input(std::move(text));
      const Value* saved = filter_input_;
      filter_input_ = &input;
      auto result = Eval(*stmt.expr);
      filter_input_ = saved;
      if (!result) return std::move(result).error();
      CITADEL_RETURN_IF_ERROR(Write(result->Str()));
      return Flow::kNormal;
    }
    case ast::StmtKind::kBreak: return Flow::kBreak;
    case ast::StmtKind::kContinue: return Flow::kContinue;
  }
  return Flow::kNormal;
}

Result<void> Evaluator::Bind(const std::vector<std::string>& targets, const Value& item, int line) {
  auto& vars = frames_[static_cast<std::size_t>(current_)].vars;
  if (targets.size() == 1) {
    vars[targets[0]] = item;
    return Ok();
  }
  if (!item.is_list()) {
    return Err("line {}: cannot unpack non-sequence {} into {} names", line, item.TypeName(), targets.size());
  }
  if (item.AsList().size() != targets.size()) {
    return Err("line {}: expected {} values to unpack, got {}", line, targets.size(), item.AsList().size());
  }
  for (std::size_t i = 0; i < targets.size(); ++i) vars[targets[i]] = item.AsList()[i];
  return Ok();
}

Result<Evaluator::Flow> Evaluator::ExecFor(const ast::Stmt& stmt) {
  CITADEL_ASSIGN_OR_RETURN(Value iterable, Eval(*stmt.expr));
  auto iterated = Iterate(iterable, budget_);
  if (!iterated) return Err("line {}: {}", stmt.line, iterated.error().message);
  List items = std::move(iterated).value();
  FrameGuard scope(*this, current_);
  if (stmt.filter) {
    // Jinja filters before looping, so loop.length and loop.last see only the kept items.
    List kept;
    for (const Value& item : items) {
      CITADEL_RETURN_IF_ERROR(budget_.ChargeIteration());
      scope.frame().vars.clear();
      CITADEL_RETURN_IF_ERROR(Bind(stmt.targets, item, stmt.line));
      CITADEL_ASSIGN_OR_RETURN(Value keep, Eval(*stmt.filter));
      if (keep.Truthy()) kept.push_back(item);
    }
    items = std::move(kept);
  }
  if (items.empty()) {
    scope.frame().vars.clear();
    CITADEL_ASSIGN_OR_RETURN(Flow flow, ExecBody(stmt.else_body));
    (void)flow;
    return Flow::kNormal;
  }
  const auto n = static_cast<std::int64_t>(items.size());
  for (std::int64_t i = 0; i < n; ++i) {
    CITADEL_RETURN_IF_ERROR(budget_.ChargeIteration());
    const auto index = static_cast<std::size_t>(i);
    scope.frame().vars.clear();
    CITADEL_RETURN_IF_ERROR(Bind(stmt.targets, items[index], stmt.line));
    if (stmt.uses_loop) {
      Dict loop;
      loop.Set("index", Value(i + 1));
      loop.Set("index0", Value(i));
      loop.Set("revindex", Value(n - i));
      loop.Set("revindex0", Value(n - i - 1));
      loop.Set("first", Value(i == 0));
      loop.Set("last", Value(i == n - 1));
      loop.Set("length", Value(n));
      loop.Set("depth", Value(1));
      loop.Set("depth0", Value(0));
      if (i > 0) loop.Set("previtem", items[index - 1]);
      if (i + 1 < n) loop.Set("nextitem", items[index + 1]);
      scope.frame().vars["loop"] = Value(std::move(loop));
    }
    CITADEL_ASSIGN_OR_RETURN(Flow flow, ExecBody(stmt.body));
    if (flow == Flow::kBreak) break;
  }
  return Flow::kNormal;
}

Result<void> Evaluator::ExecSet(const ast::Stmt& stmt) {
  CITADEL_ASSIGN_OR_RETURN(Value v, Eval(*stmt.expr));
  if (stmt.attribute.empty()) return Bind(stmt.targets, v, stmt.line);
  const Value target = Lookup(stmt.targets[0]);
  if (!target.is_namespace()) {
    return Err("line {}: cannot assign attribute '{}' on '{}' ({}): only namespace() objects are mutable",
               stmt.line, stmt.attribute, stmt.targets[0], target.TypeName());
  }
  target.AsNamespace().attributes.Set(stmt.attribute, std::move(v));
  return Ok();
}

Result<void> Evaluator::ExecCallBlock(const ast::Stmt& stmt) {
  const ast::Expr& call = *stmt.expr;
  CITADEL_ASSIGN_OR_RETURN(Value callee, Eval(*call.children[0]));
  CITADEL_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(call, 1));
  if (!callee.is_callable() || callee.AsCallable().kind != Callable::Kind::kMacro) {
    return Err("line {}: call block needs a macro, got {}", stmt.line, callee.TypeName());
  }
  auto caller = std::make_shared<Callable>();
  caller->kind = Callable::Kind::kMacro;
  caller->macro = &stmt;
  caller->frame = current_;
  caller->name = "caller";
  const Value caller_value(std::shared_ptr<const Callable>(std::move(caller)));
  CITADEL_ASSIGN_OR_RETURN(Value result, CallMacro(callee.AsCallable(), args, &caller_value, stmt.line));
  return Write(result.Str());
}

Result<Value> Evaluator::CallMacro(const Callable& macro, const CallArgs& args, const Value* caller, int line) {
  DepthGuard guard(*this);
  CITADEL_RETURN_IF_ERROR(guard.Check(line));
  const ast::Stmt& def = *macro.macro;
  if (args.positional.size() > def.params.size()) {
    return Err("line {}: macro '{}' takes not more than {} argument(s)", line, macro.name, def.params.size());
  }
  for (const auto& [name, value] : args.kwargs) {
    const bool known = std::any_of(def.params.begin(), def.params.end(),
                                   [&](const ast::Param& p) { return p.name == name; });
    if (!known) return Err("line {}: macro '{}' has no argument '{}'", line, macro.name, name);
  }
  // A call block's caller() sees the variables around the call block; a macro sees template-level
  // variables (frame 1), as Jinja macros do.
  int parent = 1;
  if (def.kind == ast::StmtKind::kCallBlock && macro.frame < static_cast<int>(frames_.size())) parent = macro.frame;
  FrameGuard scope(*this, parent);
  for (std::size_t i = 0; i < def.params.size(); ++i) {
    const ast::Param& param = def.params[i];
    const Value* given = args.Get(i, param.name);
    if (given != nullptr) {
      scope.frame().vars[param.name] = *given;
    } else if (param.default_value) {
      CITADEL_ASSIGN_OR_RETURN(Value v, Eval(*param.default_value));
      scope.frame().vars[param.name] = std::move(v);
    } else {
      scope.frame().vars[param.name] = Value::Undefined(param.name);
    }
  }
  if (caller != nullptr) scope.frame().vars["caller"] = *caller;
  CITADEL_ASSIGN_OR_RETURN(std::string text, Capture(def.body));
  return Value(std::move(text));
}

}  // namespace citadel::jinja
