#include "jinja/evaluator.h"

namespace citadel::jinja {
namespace {

// Errors get the line of the innermost expression that failed, once.
Error AtLine(int line, Error error) {
  if (error.message.rfind("line ", 0) == 0) return error;
  return Error{fmt::format("line {}: {}", line, error.message)};
}

}  // namespace

Result<void> Evaluator::DepthGuard::Check(int line) const {
  if (e_.depth_ > e_.options_.limits.max_recursion_depth) {
    return Err("line {}: render exceeded max_recursion_depth ({})", line, e_.options_.limits.max_recursion_depth);
  }
  return Ok();
}

Value Evaluator::Lookup(const std::string& name) const {
  for (int i = current_; i >= 0; i = frames_[static_cast<std::size_t>(i)].parent) {
    const auto& vars = frames_[static_cast<std::size_t>(i)].vars;
    if (auto it = vars.find(name); it != vars.end()) return it->second;
  }
  return Value::Undefined(name);
}

Result<Value> Evaluator::Eval(const ast::Expr& expr) {
  DepthGuard guard(*this);
  CITADEL_RETURN_IF_ERROR(guard.Check(expr.line));
  auto result = EvalNode(expr);
  if (!result) return AtLine(expr.line, std::move(result).error());
  return result;
}

Result<CallArgs> Evaluator::EvalArgs(const ast::Expr& expr, std::size_t first) {
  CallArgs args;
  for (std::size_t i = first; i < expr.children.size(); ++i) {
    CITADEL_ASSIGN_OR_RETURN(Value v, Eval(*expr.children[i]));
    args.positional.push_back(std::move(v));
  }
  for (const auto& [name, value_expr] : expr.kwargs) {
    CITADEL_ASSIGN_OR_RETURN(Value v, Eval(*value_expr));
    args.kwargs.emplace_back(name, std::move(v));
  }
  return args;
}

Result<Value> Evaluator::EvalNode(const ast::Expr& expr) {
  using ast::ExprKind;
  switch (expr.kind) {
    case ExprKind::kLiteral: return expr.literal;
    case ExprKind::kName: return Lookup(expr.name);
    case ExprKind::kList:
    case ExprKind::kTuple: {
      CITADEL_RETURN_IF_ERROR(budget_.ChargeElements(expr.children.size()));
      List items;
      items.reserve(expr.children.size());
      for (const auto& child : expr.children) {
        CITADEL_ASSIGN_OR_RETURN(Value v, Eval(*child));
        items.push_back(std::move(v));
      }
      return Value(std::move(items));
    }
    case ExprKind::kDict: {
      CITADEL_RETURN_IF_ERROR(budget_.ChargeElements(expr.children.size()));
      Dict dict;
      for (std::size_t i = 0; i + 1 < expr.children.size(); i += 2) {
        CITADEL_ASSIGN_OR_RETURN(Value key, Eval(*expr.children[i]));
        CITADEL_ASSIGN_OR_RETURN(Value v, Eval(*expr.children[i + 1]));
        CITADEL_RETURN_IF_ERROR(dict.TrySet(std::move(key), std::move(v)));
      }
      return Value(std::move(dict));
    }
    case ExprKind::kGetAttr: {
      CITADEL_ASSIGN_OR_RETURN(Value object, Eval(*expr.children[0]));
      return GetAttr(object, expr.name);
    }
    case ExprKind::kGetItem: {
      CITADEL_ASSIGN_OR_RETURN(Value object, Eval(*expr.children[0]));
      CITADEL_ASSIGN_OR_RETURN(Value key, Eval(*expr.children[1]));
      return GetItem(object, key);
    }
    case ExprKind::kSlice: {
      CITADEL_ASSIGN_OR_RETURN(Value object, Eval(*expr.children[0]));
      Value bounds[3];
      for (std::size_t i = 0; i < 3; ++i) {
        if (expr.children[i + 1]) {
          CITADEL_ASSIGN_OR_RETURN(bounds[i], Eval(*expr.children[i + 1]));
        }
      }
      return Slice(object, bounds[0], bounds[1], bounds[2], budget_);
    }
    case ExprKind::kCall: return EvalCall(expr);
    case ExprKind::kFilter: {
      Value input;
      if (expr.children[0]) {
        CITADEL_ASSIGN_OR_RETURN(input, Eval(*expr.children[0]));
      } else if (filter_input_ != nullptr) {
        input = *filter_input_;
      }
      CITADEL_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr, 1));
      return ApplyFilter(expr.name, input, args, budget_);
    }
    case ExprKind::kTest: {
      if (!IsKnownTest(expr.name)) return Err("unknown test '{}'", expr.name);
      CITADEL_ASSIGN_OR_RETURN(Value subject, Eval(*expr.children[0]));
      CITADEL_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr, 1));
      CITADEL_ASSIGN_OR_RETURN(bool passed, ApplyTest(expr.name, subject, args));
      return Value(passed != expr.negated);
    }
    case ExprKind::kUnary: {
      CITADEL_ASSIGN_OR_RETURN(Value operand, Eval(*expr.children[0]));
      if (expr.name == "not") return Value(!operand.Truthy());
      if (!operand.is_number()) return Err("bad operand type for unary {}: '{}'", expr.name, operand.TypeName());
      if (expr.name == "+") return operand.is_float() ? operand : Value(operand.AsInt());
      if (operand.is_float()) return Value(-operand.AsFloat());
      if (operand.AsInt() == INT64_MIN) return Err("integer overflow in unary -");
      return Value(-operand.AsInt());
    }
    case ExprKind::kBinary: {
      CITADEL_ASSIGN_OR_RETURN(Value left, Eval(*expr.children[0]));
      CITADEL_ASSIGN_OR_RETURN(Value right, Eval(*expr.children[1]));
      return BinaryOp(expr.name, left, right, budget_);
    }
    case ExprKind::kAnd:
    case ExprKind::kOr: {
      // Python returns the deciding operand, not a bool.
      CITADEL_ASSIGN_OR_RETURN(Value left, Eval(*expr.children[0]));
      if (left.Truthy() == (expr.kind == ExprKind::kOr)) return left;
      return Eval(*expr.children[1]);
    }
    case ExprKind::kConditional: {
      CITADEL_ASSIGN_OR_RETURN(Value condition, Eval(*expr.children[0]));
      if (condition.Truthy()) return Eval(*expr.children[1]);
      if (expr.children[2]) return Eval(*expr.children[2]);
      return Value::Undefined("");
    }
  }
  return Err("unknown expression kind");
}

Result<Value> Evaluator::EvalCall(const ast::Expr& expr) {
  const ast::Expr& callee_expr = *expr.children[0];
  if (callee_expr.kind == ast::ExprKind::kGetAttr) {
    // `obj.method(...)`: Python looks up methods before dict keys.
    CITADEL_ASSIGN_OR_RETURN(Value object, Eval(*callee_expr.children[0]));
    CITADEL_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr, 1));
    bool found = false;
    auto result = CallMethod(object, callee_expr.name, args, budget_, &found);
    if (found) return result;
    Value callee = GetAttr(object, callee_expr.name);
    if (callee.is_undefined() && !object.is_undefined() && !object.is_dict() && !object.is_namespace()) {
      return Err("'{}' object has no attribute '{}'", object.TypeName(), callee_expr.name);
    }
    return Invoke(callee, args, expr.line);
  }
  CITADEL_ASSIGN_OR_RETURN(Value callee, Eval(callee_expr));
  CITADEL_ASSIGN_OR_RETURN(CallArgs args, EvalArgs(expr, 1));
  return Invoke(callee, args, expr.line);
}

Result<Value> Evaluator::Invoke(const Value& callee, const CallArgs& args, int line) {
  if (callee.is_undefined()) {
    return Err("'{}' is undefined and cannot be called",
               callee.UndefinedName().empty() ? "value" : callee.UndefinedName());
  }
  if (!callee.is_callable()) return Err("'{}' object is not callable", callee.TypeName());
  const Callable& callable = callee.AsCallable();
  if (callable.kind == Callable::Kind::kBuiltin) return CallBuiltin(callable.builtin, args);
  return CallMacro(callable, args, nullptr, line);
}

}  // namespace citadel::jinja
