// Python semantics for Jinja's operators, subscripts and iteration, with every value that can grow
// charged to the render's Budget first.
#include <algorithm>
#include <cmath>

#include "jinja/runtime.h"
#include "jinja/text_util.h"

namespace citadel::jinja {
namespace {

constexpr std::int64_t kWorkPerElement = 16;

bool BothInts(const Value& a, const Value& b) {
  return (a.is_int() || a.is_bool()) && (b.is_int() || b.is_bool());
}

Error TypeError(std::string_view op, const Value& a, const Value& b) {
  return Err("unsupported operand type(s) for {}: '{}' and '{}'", op, a.TypeName(), b.TypeName());
}

Result<Value> Arithmetic(std::string_view op, const Value& a, const Value& b) {
  if (BothInts(a, b)) {
    const std::int64_t x = a.AsInt();
    const std::int64_t y = b.AsInt();
    std::int64_t r = 0;
    if (op == "+") {
      if (__builtin_add_overflow(x, y, &r)) return Err("integer overflow in {} + {}", x, y);
      return Value(r);
    }
    if (op == "-") {
      if (__builtin_sub_overflow(x, y, &r)) return Err("integer overflow in {} - {}", x, y);
      return Value(r);
    }
    if (op == "*") {
      if (__builtin_mul_overflow(x, y, &r)) return Err("integer overflow in {} * {}", x, y);
      return Value(r);
    }
    if (op == "//" || op == "%") {
      if (y == 0) return Err("integer division or modulo by zero");
      if (x == INT64_MIN && y == -1) return Err("integer overflow in {} {} {}", x, op, y);
      std::int64_t q = x / y;
      std::int64_t m = x % y;
      if (m != 0 && ((m < 0) != (y < 0))) {  // Python floors toward negative infinity
        --q;
        m += y;
      }
      return op == "//" ? Value(q) : Value(m);
    }
    if (op == "**") {
      if (y < 0) return Value(std::pow(static_cast<double>(x), static_cast<double>(y)));
      std::int64_t result = 1;
      std::int64_t base = x;
      std::int64_t e = y;
      while (e > 0) {
        if ((e & 1) && __builtin_mul_overflow(result, base, &result)) return Err("integer overflow in {} ** {}", x, y);
        e >>= 1;
        if (e > 0 && __builtin_mul_overflow(base, base, &base)) return Err("integer overflow in {} ** {}", x, y);
      }
      return Value(result);
    }
  }
  const double x = a.AsFloat();
  const double y = b.AsFloat();
  if (op == "+") return Value(x + y);
  if (op == "-") return Value(x - y);
  if (op == "*") return Value(x * y);
  if (op == "/") {
    if (y == 0.0) return Err("division by zero");
    return Value(x / y);
  }
  if (op == "//") {
    if (y == 0.0) return Err("float floor division by zero");
    return Value(std::floor(x / y));
  }
  if (op == "%") {
    if (y == 0.0) return Err("float modulo by zero");
    double m = std::fmod(x, y);
    if (m != 0.0 && ((m < 0) != (y < 0))) m += y;
    return Value(m);
  }
  if (op == "**") return Value(std::pow(x, y));
  return Err("unknown operator '{}'", op);
}

Result<Value> Repeat(const Value& sequence, std::int64_t times, Budget& budget) {
  times = std::max<std::int64_t>(times, 0);
  if (sequence.is_string()) {
    const std::string& text = sequence.AsString();
    const auto total = static_cast<double>(text.size()) * static_cast<double>(times);
    if (total > static_cast<double>(budget.limits().max_output_bytes)) {
      return Err("string of {} bytes exceeds max_output_bytes ({})", total, budget.limits().max_output_bytes);
    }
    CITADEL_RETURN_IF_ERROR(budget.ChargeString(static_cast<std::size_t>(total)));
    std::string out;
    out.reserve(static_cast<std::size_t>(total));
    for (std::int64_t i = 0; i < times; ++i) out += text;
    return Value(std::move(out));
  }
  const List& list = sequence.AsList();
  const double total = static_cast<double>(list.size()) * static_cast<double>(times);
  if (total * kWorkPerElement > static_cast<double>(budget.limits().max_work)) {
    return Err("list of {} items exceeds max_work ({})", total, budget.limits().max_work);
  }
  CITADEL_RETURN_IF_ERROR(budget.ChargeElements(static_cast<std::size_t>(total)));
  List out;
  out.reserve(static_cast<std::size_t>(total));
  for (std::int64_t i = 0; i < times; ++i) out.insert(out.end(), list.begin(), list.end());
  return Value(std::move(out));
}

// Python's slice.indices(): clamps start/stop for a sequence of length n.
Result<void> SliceIndices(std::int64_t n, const Value& start_v, const Value& stop_v, const Value& step_v,
                          std::int64_t* start, std::int64_t* stop, std::int64_t* step) {
  auto as_index = [](const Value& v, std::int64_t* out) -> Result<bool> {
    if (v.is_undefined() || v.is_none()) return false;
    if (!v.is_int() && !v.is_bool()) return Err("slice indices must be integers or None, not {}", v.TypeName());
    *out = v.AsInt();
    return true;
  };
  *step = 1;
  CITADEL_ASSIGN_OR_RETURN(bool has_step, as_index(step_v, step));
  (void)has_step;
  if (*step == 0) return Err("slice step cannot be zero");
  const bool forward = *step > 0;
  const std::int64_t lower = forward ? 0 : -1;
  const std::int64_t upper = forward ? n : n - 1;
  auto clamp = [&](std::int64_t i) {
    if (i < 0) return std::max(i + n, lower);
    return std::min(i, upper);
  };
  std::int64_t value = 0;
  CITADEL_ASSIGN_OR_RETURN(bool has_start, as_index(start_v, &value));
  *start = has_start ? clamp(value) : (forward ? lower : upper);
  CITADEL_ASSIGN_OR_RETURN(bool has_stop, as_index(stop_v, &value));
  *stop = has_stop ? clamp(value) : (forward ? upper : lower);
  return Ok();
}

}  // namespace

Result<void> Budget::ChargeWork(std::int64_t units) {
  work_ += units;
  if (work_ > limits_.max_work) return Err("render exceeded max_work ({})", limits_.max_work);
  return Ok();
}

Result<void> Budget::ChargeIteration() {
  if (++iterations_ > limits_.max_loop_iterations) {
    return Err("render exceeded max_loop_iterations ({})", limits_.max_loop_iterations);
  }
  return Ok();
}

Result<void> Budget::ChargeString(std::size_t bytes) {
  if (bytes > limits_.max_output_bytes) {
    return Err("string of {} bytes exceeds max_output_bytes ({})", bytes, limits_.max_output_bytes);
  }
  return ChargeWork(static_cast<std::int64_t>(bytes));
}

Result<void> Budget::ChargeElements(std::size_t n) {
  return ChargeWork(static_cast<std::int64_t>(n) * kWorkPerElement);
}

const Value* CallArgs::Get(std::size_t index, std::string_view name) const {
  if (index < positional.size()) return &positional[index];
  for (const auto& [key, value] : kwargs) {
    if (key == name) return &value;
  }
  return nullptr;
}

Result<void> CallArgs::Check(std::string_view what, std::initializer_list<std::string_view> names) const {
  if (positional.size() > names.size()) {
    return Err("{} takes at most {} argument(s), {} given", what, names.size(), positional.size());
  }
  for (const auto& kwarg : kwargs) {
    if (std::find(names.begin(), names.end(), kwarg.first) == names.end()) {
      return Err("{} got an unexpected keyword argument '{}'", what, kwarg.first);
    }
  }
  return Ok();
}

Result<Value> BinaryOp(std::string_view op, const Value& a, const Value& b, Budget& budget) {
  if (op == "~") {
    std::string out = a.Str();
    std::string right = b.Str();
    CITADEL_RETURN_IF_ERROR(budget.ChargeString(out.size() + right.size()));
    out += right;
    return Value(std::move(out));
  }
  if (op == "==") return Value(Equal(a, b));
  if (op == "!=") return Value(!Equal(a, b));
  if (op == "<" || op == ">" || op == "<=" || op == ">=") {
    const bool swap = op == ">" || op == "<=";
    CITADEL_ASSIGN_OR_RETURN(bool less, swap ? Less(b, a) : Less(a, b));
    return Value(op == "<" || op == ">" ? less : !less);
  }
  if (op == "in" || op == "not in") {
    CITADEL_ASSIGN_OR_RETURN(bool found, Contains(b, a));
    return Value(op == "in" ? found : !found);
  }
  if (a.is_undefined() || b.is_undefined()) {
    const Value& u = a.is_undefined() ? a : b;
    return Err("'{}' is undefined", u.UndefinedName().empty() ? "value" : u.UndefinedName());
  }
  if (a.is_number() && b.is_number()) return Arithmetic(op, a, b);
  if (op == "+") {
    if (a.is_string() && b.is_string()) {
      CITADEL_RETURN_IF_ERROR(budget.ChargeString(a.AsString().size() + b.AsString().size()));
      return Value(a.AsString() + b.AsString());
    }
    if (a.is_list() && b.is_list()) {
      CITADEL_RETURN_IF_ERROR(budget.ChargeElements(a.AsList().size() + b.AsList().size()));
      List out = a.AsList();
      out.insert(out.end(), b.AsList().begin(), b.AsList().end());
      return Value(std::move(out));
    }
  }
  if (op == "*") {
    if ((a.is_string() || a.is_list()) && (b.is_int() || b.is_bool())) return Repeat(a, b.AsInt(), budget);
    if ((b.is_string() || b.is_list()) && (a.is_int() || a.is_bool())) return Repeat(b, a.AsInt(), budget);
  }
  return TypeError(op, a, b);
}

bool Equal(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (BothInts(a, b)) return a.AsInt() == b.AsInt();
    return a.AsFloat() == b.AsFloat();
  }
  if (a.kind() != b.kind()) return false;
  switch (a.kind()) {
    case Value::Kind::kUndefined:
    case Value::Kind::kNone: return true;
    case Value::Kind::kString: return a.AsString() == b.AsString();
    case Value::Kind::kList: {
      const List& x = a.AsList();
      const List& y = b.AsList();
      if (x.size() != y.size()) return false;
      for (std::size_t i = 0; i < x.size(); ++i) {
        if (!Equal(x[i], y[i])) return false;
      }
      return true;
    }
    case Value::Kind::kDict: {
      const Dict& x = a.AsDict();
      const Dict& y = b.AsDict();
      if (x.size() != y.size()) return false;
      for (const auto& [key, value] : x.entries()) {
        const Value* other = y.Find(key);
        if (other == nullptr || !Equal(value, *other)) return false;
      }
      return true;
    }
    case Value::Kind::kCallable: return &a.AsCallable() == &b.AsCallable();
    case Value::Kind::kNamespace: return &a.AsNamespace() == &b.AsNamespace();
    default: return false;
  }
}

Result<bool> Less(const Value& a, const Value& b) {
  if (a.is_number() && b.is_number()) {
    if (BothInts(a, b)) return a.AsInt() < b.AsInt();
    return a.AsFloat() < b.AsFloat();
  }
  if (a.is_string() && b.is_string()) return a.AsString() < b.AsString();  // UTF-8 keeps code point order
  if (a.is_list() && b.is_list()) {
    const List& x = a.AsList();
    const List& y = b.AsList();
    for (std::size_t i = 0; i < x.size() && i < y.size(); ++i) {
      if (Equal(x[i], y[i])) continue;
      return Less(x[i], y[i]);
    }
    return x.size() < y.size();
  }
  return Err("'<' not supported between instances of '{}' and '{}'", a.TypeName(), b.TypeName());
}

Result<bool> Contains(const Value& container, const Value& item) {
  switch (container.kind()) {
    case Value::Kind::kString:
      if (!item.is_string()) return Err("'in <string>' requires string as left operand, not {}", item.TypeName());
      return container.AsString().find(item.AsString()) != std::string::npos;
    case Value::Kind::kList:
      return std::any_of(container.AsList().begin(), container.AsList().end(),
                         [&](const Value& v) { return Equal(v, item); });
    case Value::Kind::kDict: return container.AsDict().Find(item) != nullptr;
    case Value::Kind::kUndefined: return false;
    default: return Err("argument of type '{}' is not iterable", container.TypeName());
  }
}

Result<Value> GetItem(const Value& container, const Value& key) {
  switch (container.kind()) {
    case Value::Kind::kList:
    case Value::Kind::kString: {
      if (!key.is_int() && !key.is_bool()) {
        if (container.is_list()) return Err("list indices must be integers, not {}", key.TypeName());
        return Value::Undefined("");
      }
      std::int64_t index = key.AsInt();
      if (container.is_list()) {
        const auto n = static_cast<std::int64_t>(container.AsList().size());
        if (index < 0) index += n;
        if (index < 0 || index >= n) return Value::Undefined("");
        return container.AsList()[static_cast<std::size_t>(index)];
      }
      const std::string& text = container.AsString();
      const std::vector<std::size_t> offsets = CodepointOffsets(text);
      const auto n = static_cast<std::int64_t>(offsets.size()) - 1;
      if (index < 0) index += n;
      if (index < 0 || index >= n) return Value::Undefined("");
      const auto i = static_cast<std::size_t>(index);
      return Value(text.substr(offsets[i], offsets[i + 1] - offsets[i]));
    }
    case Value::Kind::kDict: {
      const Value* found = container.AsDict().Find(key);
      return found != nullptr ? *found : Value::Undefined(key.is_string() ? key.AsString() : key.Repr());
    }
    case Value::Kind::kNamespace: {
      const Value* found = container.AsNamespace().attributes.Find(key);
      return found != nullptr ? *found : Value::Undefined("");
    }
    case Value::Kind::kUndefined: return Value::Undefined(container.UndefinedName());
    default: return Err("'{}' object is not subscriptable", container.TypeName());
  }
}

Value GetAttr(const Value& object, const std::string& name) {
  switch (object.kind()) {
    case Value::Kind::kDict: {
      const Value* found = object.AsDict().Find(std::string_view(name));
      return found != nullptr ? *found : Value::Undefined(name);
    }
    case Value::Kind::kNamespace: {
      const Value* found = object.AsNamespace().attributes.Find(std::string_view(name));
      return found != nullptr ? *found : Value::Undefined(name);
    }
    default: return Value::Undefined(name);
  }
}

Result<Value> Slice(const Value& container, const Value& start_v, const Value& stop_v, const Value& step_v,
                    Budget& budget) {
  if (!container.is_list() && !container.is_string()) {
    if (container.is_undefined()) return Value::Undefined(container.UndefinedName());
    return Err("'{}' object is not subscriptable", container.TypeName());
  }
  std::vector<std::size_t> offsets;
  std::int64_t n = 0;
  if (container.is_list()) {
    n = static_cast<std::int64_t>(container.AsList().size());
  } else {
    offsets = CodepointOffsets(container.AsString());
    n = static_cast<std::int64_t>(offsets.size()) - 1;
  }
  std::int64_t start = 0, stop = 0, step = 1;
  CITADEL_RETURN_IF_ERROR(SliceIndices(n, start_v, stop_v, step_v, &start, &stop, &step));
  std::vector<std::size_t> picked;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) picked.push_back(static_cast<std::size_t>(i));
  if (container.is_list()) {
    CITADEL_RETURN_IF_ERROR(budget.ChargeElements(picked.size()));
    List out;
    out.reserve(picked.size());
    for (std::size_t i : picked) out.push_back(container.AsList()[i]);
    return Value(std::move(out));
  }
  const std::string& text = container.AsString();
  std::string out;
  if (step == 1 && !picked.empty()) {
    out = text.substr(offsets[picked.front()], offsets[picked.back() + 1] - offsets[picked.front()]);
  } else {
    for (std::size_t i : picked) out += text.substr(offsets[i], offsets[i + 1] - offsets[i]);
  }
  CITADEL_RETURN_IF_ERROR(budget.ChargeString(out.size()));
  return Value(std::move(out));
}

Result<List> Iterate(const Value& value, Budget& budget) {
  switch (value.kind()) {
    case Value::Kind::kList: return value.AsList();
    case Value::Kind::kDict: {
      CITADEL_RETURN_IF_ERROR(budget.ChargeElements(value.AsDict().size()));
      List keys;
      keys.reserve(value.AsDict().size());
      for (const auto& entry : value.AsDict().entries()) keys.push_back(entry.first);
      return keys;
    }
    case Value::Kind::kString: {
      const std::string& text = value.AsString();
      const std::vector<std::size_t> offsets = CodepointOffsets(text);
      CITADEL_RETURN_IF_ERROR(budget.ChargeElements(offsets.size()));
      List chars;
      chars.reserve(offsets.size());
      for (std::size_t i = 0; i + 1 < offsets.size(); ++i) {
        chars.emplace_back(text.substr(offsets[i], offsets[i + 1] - offsets[i]));
      }
      return chars;
    }
    case Value::Kind::kUndefined: return List{};
    default: return Err("'{}' object is not iterable", value.TypeName());
  }
}

}  // namespace citadel::jinja
