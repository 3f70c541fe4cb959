// Filters over sequences and mappings: length, first/last, join, map, select*, sort, unique, ...
#include <algorithm>
#include <optional>

#include "jinja/runtime.h"
#include "jinja/text_util.h"

namespace citadel::jinja {
namespace {

Result<std::size_t> Length(const Value& input) {
  switch (input.kind()) {
    case Value::Kind::kString: return CodepointCount(input.AsString());
    case Value::Kind::kList: return input.AsList().size();
    case Value::Kind::kDict: return input.AsDict().size();
    case Value::Kind::kUndefined: return std::size_t{0};
    case Value::Kind::kNamespace: return input.AsNamespace().attributes.size();
    default: return Err("object of type '{}' has no len()", input.TypeName());
  }
}

// The value a sort/unique/min/max compares: the attribute when given, lower-cased strings unless
// case-sensitive.
Result<Value> SortKey(const Value& item, const Value* attribute, bool case_sensitive) {
  Value key = item;
  if (attribute != nullptr && !attribute->is_none()) {
    CITADEL_ASSIGN_OR_RETURN(key, GetAttributePath(item, *attribute));
  }
  if (!case_sensitive && key.is_string()) return Value(PyLower(key.AsString()));
  return key;
}

// Sorts `items` by precomputed keys; comparison errors (mixed types) are reported.
Result<List> SortBy(List items, std::vector<Value> keys, bool reverse) {
  std::vector<std::size_t> order(items.size());
  for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::optional<Error> failure;
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) {
    if (failure) return false;
    auto less = reverse ? Less(keys[b], keys[a]) : Less(keys[a], keys[b]);
    if (!less) {
      failure = less.error();
      return false;
    }
    return *less;
  });
  if (failure) return *failure;
  List out;
  out.reserve(items.size());
  for (std::size_t i : order) out.push_back(std::move(items[i]));
  return out;
}

// select/reject/selectattr/rejectattr. `first_test_arg` is where the test name sits in args.
Result<Value> SelectFilter(std::string_view name, const Value& input, const CallArgs& args, Budget& budget) {
  const bool by_attribute = name == "selectattr" || name == "rejectattr";
  const bool keep_when = name == "select" || name == "selectattr";
  const std::size_t test_index = by_attribute ? 1 : 0;
  if (by_attribute && args.positional.empty()) return Err("{}: missing attribute name", name);
  CallArgs test_args;
  std::string test_name;
  if (args.positional.size() > test_index) {
    if (!args.positional[test_index].is_string()) return Err("{}: test name must be a string", name);
    test_name = args.positional[test_index].AsString();
    if (!IsKnownTest(test_name)) return Err("{}: unknown test '{}'", name, test_name);
    test_args.positional.assign(args.positional.begin() + static_cast<std::ptrdiff_t>(test_index) + 1,
                                args.positional.end());
  }
  CITADEL_ASSIGN_OR_RETURN(List items, Iterate(input, budget));
  CITADEL_RETURN_IF_ERROR(budget.ChargeElements(items.size()));
  List out;
  for (const Value& item : items) {
    Value subject = item;
    if (by_attribute) {
      CITADEL_ASSIGN_OR_RETURN(subject, GetAttributePath(item, args.positional[0]));
    }
    bool passed = false;
    if (test_name.empty()) {
      passed = subject.Truthy();
    } else {
      CITADEL_ASSIGN_OR_RETURN(passed, ApplyTest(test_name, subject, test_args));
    }
    if (passed == keep_when) out.push_back(item);
  }
  return Value(std::move(out));
}

Result<Value> MapFilter(const Value& input, const CallArgs& args, Budget& budget) {
  CITADEL_ASSIGN_OR_RETURN(List items, Iterate(input, budget));
  CITADEL_RETURN_IF_ERROR(budget.ChargeElements(items.size()));
  List out;
  out.reserve(items.size());
  const Value* attribute = nullptr;
  const Value* fallback = nullptr;
  for (const auto& [key, value] : args.kwargs) {
    if (key == "attribute") {
      attribute = &value;
    } else if (key == "default") {
      fallback = &value;
    } else if (args.positional.empty()) {
      return Err("map: unexpected keyword argument '{}'", key);
    }
  }
  if (attribute != nullptr) {
    for (const Value& item : items) {
      CITADEL_ASSIGN_OR_RETURN(Value v, GetAttributePath(item, *attribute));
      out.push_back(v.is_undefined() && fallback != nullptr ? *fallback : v);
    }
    return Value(std::move(out));
  }
  if (args.positional.empty() || !args.positional[0].is_string()) return Err("map: needs a filter name or attribute=");
  const std::string filter = args.positional[0].AsString();
  CallArgs rest;
  rest.positional.assign(args.positional.begin() + 1, args.positional.end());
  rest.kwargs = args.kwargs;
  for (const Value& item : items) {
    CITADEL_ASSIGN_OR_RETURN(Value v, ApplyFilter(filter, item, rest, budget));
    out.push_back(std::move(v));
  }
  return Value(std::move(out));
}

}  // namespace

Result<Value> GetAttributePath(const Value& object, const Value& path) {
  if (path.is_int()) return GetItem(object, path);
  if (!path.is_string()) return Err("attribute name must be a string, not {}", path.TypeName());
  Value current = object;
  std::string_view rest = path.AsString();
  while (true) {
    const std::size_t dot = rest.find('.');
    const std::string part(rest.substr(0, dot));
    const bool numeric = !part.empty() && std::all_of(part.begin(), part.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (numeric && part.size() < 18) {
      CITADEL_ASSIGN_OR_RETURN(current, GetItem(current, Value(static_cast<std::int64_t>(std::stoll(part)))));
    } else {
      current = GetAttr(current, part);
    }
    if (dot == std::string_view::npos) return current;
    rest.remove_prefix(dot + 1);
  }
}

Result<Value> ApplySequenceFilter(std::string_view name, const Value& input, const CallArgs& args,
                                  Budget& budget, bool* found) {
  *found = true;
  if (name == "length" || name == "count") {
    CITADEL_ASSIGN_OR_RETURN(std::size_t n, Length(input));
    return Value(static_cast<std::int64_t>(n));
  }
  if (name == "list") {
    CITADEL_ASSIGN_OR_RETURN(List items, Iterate(input, budget));
    return Value(std::move(items));
  }
  if (name == "first" || name == "last") {
    if (input.is_list()) {
      const List& list = input.AsList();
      if (list.empty()) return Value::Undefined("");
      return name == "first" ? list.front() : list.back();
    }
    CITADEL_ASSIGN_OR_RETURN(List items, Iterate(input, budget));
    if (items.empty()) return Value::Undefined("");
    return name == "first" ? items.front() : items.back();
  }
  if (name == "reverse") {
    if (input.is_string()) {
      const std::string& text = input.AsString();
      const std::vector<std::size_t> offsets = CodepointOffsets(text);
      std::string out;
      out.reserve(text.size());
      for (std::size_t i = offsets.size() - 1; i > 0; --i) out += text.substr(offsets[i - 1], offsets[i] - offsets[i - 1]);
      return Value(std::move(out));
    }
    CITADEL_ASSIGN_OR_RETURN(List items, Iterate(input, budget));
    CITADEL_RETURN_IF_ERROR(budget.ChargeElements(items.size()));
    std::reverse(items.begin(), items.end());
    return Value(std::move(items));
  }
  if (name == "join") {
    CITADEL_RETURN_IF_ERROR(args.Check("join", {"d", "attribute"}));
    const Value* separator = args.Get(0, "d");
    const std::string sep = separator != nullptr ? separator->Str() : std::string();
    const Value* attribute = args.Get(1, "attribute");
    CITADEL_ASSIGN_OR_RETURN(List items, Iterate(input, budget));
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      Value item = items[i];
      if (attribute != nullptr && !attribute->is_none()) {
        CITADEL_ASSIGN_OR_RETURN(item, GetAttributePath(item, *attribute));
      }
      if (i > 0) out += sep;
      out += item.Str();
      CITADEL_RETURN_IF_ERROR(budget.ChargeString(out.size()));
    }
    CITADEL_RETURN_IF_ERROR(budget.ChargeString(out.size()));
    return Value(std::move(out));
  }
  if (name == "items") {
    if (input.is_undefined()) return Value(List{});
    if (!input.is_dict()) return Err("items: expected a mapping, got {}", input.TypeName());
    CITADEL_RETURN_IF_ERROR(budget.ChargeElements(input.AsDict().size() * 3));
    List out;
    for (const auto& [key, value] : input.AsDict().entries()) out.push_back(Value(List{key, value}));
    return Value(std::move(out));
  }
  if (name == "dictsort") {
    CITADEL_RETURN_IF_ERROR(args.Check("dictsort", {"case_sensitive", "by", "reverse"}));
    if (!input.is_dict()) return Err("dictsort: expected a mapping, got {}", input.TypeName());
    const Value* case_arg = args.Get(0, "case_sensitive");
    const bool case_sensitive = case_arg != nullptr && case_arg->Truthy();
    const Value* by = args.Get(1, "by");
    const bool by_value = by != nullptr && by->is_string() && by->AsString() == "value";
    const Value* reverse = args.Get(2, "reverse");
    CITADEL_RETURN_IF_ERROR(budget.ChargeElements(input.AsDict().size() * 3));
    List pairs;
    std::vector<Value> keys;
    for (const auto& [key, value] : input.AsDict().entries()) {
      pairs.push_back(Value(List{key, value}));
      CITADEL_ASSIGN_OR_RETURN(Value sort_key, SortKey(by_value ? value : key, nullptr, case_sensitive));
      keys.push_back(std::move(sort_key));
    }
    CITADEL_ASSIGN_OR_RETURN(List sorted, SortBy(std::move(pairs), std::move(keys), reverse != nullptr && reverse->Truthy()));
    return Value(std::move(sorted));
  }
  if (name == "sort" || name == "unique" || name == "min" || name == "max") {
    const bool is_sort = name == "sort";
    if (is_sort) {
      CITADEL_RETURN_IF_ERROR(args.Check("sort", {"reverse", "case_sensitive", "attribute"}));
    } else {
      CITADEL_RETURN_IF_ERROR(args.Check(name, {"case_sensitive", "attribute"}));
    }
    const Value* reverse = is_sort ? args.Get(0, "reverse") : nullptr;
    const Value* case_arg = args.Get(is_sort ? 1 : 0, "case_sensitive");
    const Value* attribute = args.Get(is_sort ? 2 : 1, "attribute");
    const bool case_sensitive = case_arg != nullptr && case_arg->Truthy();
    CITADEL_ASSIGN_OR_RETURN(List items, Iterate(input, budget));
    CITADEL_RETURN_IF_ERROR(budget.ChargeElements(items.size() * 2));
    std::vector<Value> keys;
    keys.reserve(items.size());
    for (const Value& item : items) {
      CITADEL_ASSIGN_OR_RETURN(Value key, SortKey(item, attribute, case_sensitive));
      keys.push_back(std::move(key));
    }
    if (name == "unique") {
      // Quadratic but bounded: the element charge above scales with the input.
      CITADEL_RETURN_IF_ERROR(budget.ChargeElements(items.size() * std::min<std::size_t>(items.size(), 1024)));
      List out;
      std::vector<Value> seen;
      for (std::size_t i = 0; i < items.size(); ++i) {
        if (std::none_of(seen.begin(), seen.end(), [&](const Value& s) { return Equal(s, keys[i]); })) {
          seen.push_back(keys[i]);
          out.push_back(items[i]);
        }
      }
      return Value(std::move(out));
    }
    CITADEL_ASSIGN_OR_RETURN(List sorted, SortBy(std::move(items), std::move(keys), reverse != nullptr && reverse->Truthy()));
    if (is_sort) return Value(std::move(sorted));
    if (sorted.empty()) return Value::Undefined("");
    return name == "min" ? sorted.front() : sorted.back();
  }
  if (name == "sum") {
    CITADEL_RETURN_IF_ERROR(args.Check("sum", {"attribute", "start"}));
    const Value* attribute = args.Get(0, "attribute");
    const Value* start = args.Get(1, "start");
    Value total = start != nullptr ? *start : Value(0);
    CITADEL_ASSIGN_OR_RETURN(List items, Iterate(input, budget));
    for (const Value& item : items) {
      Value v = item;
      if (attribute != nullptr && !attribute->is_none()) {
        CITADEL_ASSIGN_OR_RETURN(v, GetAttributePath(item, *attribute));
      }
      CITADEL_ASSIGN_OR_RETURN(total, BinaryOp("+", total, v, budget));
    }
    return total;
  }
  if (name == "select" || name == "reject" || name == "selectattr" || name == "rejectattr") {
    return SelectFilter(name, input, args, budget);
  }
  if (name == "map") return MapFilter(input, args, budget);
  if (name == "attr") {
    if (args.positional.empty() || !args.positional[0].is_string()) return Err("attr: needs an attribute name");
    return GetAttr(input, args.positional[0].AsString());
  }
  *found = false;
  return Value();
}

}  // namespace citadel::jinja
