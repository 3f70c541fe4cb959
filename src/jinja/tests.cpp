// Jinja tests (`x is defined`, `n is divisibleby 3`, ...), with Python's type rules.
#include <algorithm>
#include <array>
#include <cmath>

#include "jinja/runtime.h"

namespace citadel::jinja {
namespace {

constexpr std::array<std::string_view, 34> kTests = {
    "defined", "undefined", "none", "string", "number", "integer", "float", "mapping", "iterable",
    "sequence", "boolean", "true", "false", "odd", "even", "divisibleby", "equalto", "eq", "==",
    "ne", "!=", "lt", "<", "le", "<=", "gt", ">", "ge", ">=", "in", "sameas", "callable", "lower",
    "upper"};

Result<const Value*> OneArg(std::string_view test, const CallArgs& args) {
  const Value* arg = args.Get(0, "other");
  if (arg == nullptr) arg = args.Get(0, "value");
  if (arg == nullptr) return Err("test '{}' needs an argument", test);
  return arg;
}

}  // namespace

bool IsKnownTest(std::string_view name) {
  return std::find(kTests.begin(), kTests.end(), name) != kTests.end();
}

Result<bool> ApplyTest(std::string_view name, const Value& v, const CallArgs& args) {
  using Kind = Value::Kind;
  if (name == "defined") return !v.is_undefined();
  if (name == "undefined") return v.is_undefined();
  if (name == "none") return v.is_none();
  if (name == "string") return v.is_string();
  if (name == "number") return v.is_number();  // bool is an int subclass in Python
  if (name == "integer") return v.is_int();
  if (name == "float") return v.is_float();
  if (name == "mapping") return v.is_dict();
  if (name == "boolean") return v.is_bool();
  if (name == "true") return v.is_bool() && v.AsBool();
  if (name == "false") return v.is_bool() && !v.AsBool();
  if (name == "callable") return v.is_callable();
  // iter() accepts Jinja's Undefined (it iterates as empty); len()+[] (sequence) does not.
  if (name == "iterable") return v.kind() == Kind::kString || v.is_list() || v.is_dict() || v.is_undefined();
  if (name == "sequence") return v.kind() == Kind::kString || v.is_list() || v.is_dict();
  if (name == "lower" || name == "upper") {
    if (!v.is_string()) return false;
    const std::string& s = v.AsString();
    bool cased = false;
    for (const char c : s) {
      if (c >= 'a' && c <= 'z') {
        if (name == "upper") return false;
        cased = true;
      } else if (c >= 'A' && c <= 'Z') {
        if (name == "lower") return false;
        cased = true;
      }
    }
    return cased;
  }
  if (name == "odd" || name == "even") {
    if (!v.is_int() && !v.is_bool()) return Err("test '{}' needs an integer, got {}", name, v.TypeName());
    const bool odd = (v.AsInt() % 2) != 0;
    return name == "odd" ? odd : !odd;
  }
  if (name == "divisibleby") {
    CITADEL_ASSIGN_OR_RETURN(const Value* d, OneArg(name, args));
    if (v.is_number() && d->is_number()) {
      if ((v.is_int() || v.is_bool()) && (d->is_int() || d->is_bool())) {
        if (d->AsInt() == 0) return Err("divisibleby: division by zero");
        if (d->AsInt() == -1) return true;
        return v.AsInt() % d->AsInt() == 0;
      }
      if (d->AsFloat() == 0.0) return Err("divisibleby: division by zero");
      return std::fmod(v.AsFloat(), d->AsFloat()) == 0.0;
    }
    return Err("divisibleby needs numbers");
  }
  if (name == "equalto" || name == "eq" || name == "==") {
    CITADEL_ASSIGN_OR_RETURN(const Value* other, OneArg(name, args));
    return Equal(v, *other);
  }
  if (name == "ne" || name == "!=") {
    CITADEL_ASSIGN_OR_RETURN(const Value* other, OneArg(name, args));
    return !Equal(v, *other);
  }
  if (name == "lt" || name == "<" || name == "ge" || name == ">=") {
    CITADEL_ASSIGN_OR_RETURN(const Value* other, OneArg(name, args));
    CITADEL_ASSIGN_OR_RETURN(bool less, Less(v, *other));
    return (name == "lt" || name == "<") ? less : !less;
  }
  if (name == "gt" || name == ">" || name == "le" || name == "<=") {
    CITADEL_ASSIGN_OR_RETURN(const Value* other, OneArg(name, args));
    CITADEL_ASSIGN_OR_RETURN(bool greater, Less(*other, v));
    return (name == "gt" || name == ">") ? greater : !greater;
  }
  if (name == "in") {
    CITADEL_ASSIGN_OR_RETURN(const Value* container, OneArg(name, args));
    return Contains(*container, v);
  }
  if (name == "sameas") {
    CITADEL_ASSIGN_OR_RETURN(const Value* other, OneArg(name, args));
    // Identity: singletons compare by value, containers by identity of their storage.
    if (v.kind() != other->kind()) return false;
    if (v.is_none() || v.is_bool() || v.is_undefined()) return Equal(v, *other);
    if (v.is_list()) return &v.AsList() == &other->AsList();
    if (v.is_dict()) return &v.AsDict() == &other->AsDict();
    return Equal(v, *other);
  }
  return Err("unknown test '{}'", name);
}

}  // namespace citadel::jinja
