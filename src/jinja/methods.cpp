// Python methods that chat templates call on values: str.strip(), str.split(), dict.get(), ...
// Mutating methods (list.append, dict.update) are refused, as Jinja's immutable sandbox does.
#include <algorithm>
#include <cctype>

#include "jinja/runtime.h"
#include "jinja/text_util.h"

namespace citadel::jinja {
namespace {

Result<Value> Text(std::string text, Budget& budget) {
  CITADEL_RETURN_IF_ERROR(budget.ChargeString(text.size()));
  return Value(std::move(text));
}

// The optional `chars`-style string argument: null when omitted or None.
Result<const std::string*> OptionalString(const CallArgs& args, std::size_t index, std::string_view name) {
  const Value* v = args.Get(index, name);
  if (v == nullptr || v->is_none()) return static_cast<const std::string*>(nullptr);
  if (!v->is_string()) return Err("argument '{}' must be str or None, not {}", name, v->TypeName());
  return &v->AsString();
}

Result<std::int64_t> OptionalInt(const CallArgs& args, std::size_t index, std::string_view name, std::int64_t fallback) {
  const Value* v = args.Get(index, name);
  if (v == nullptr) return fallback;
  if (!v->is_int() && !v->is_bool()) return Err("argument '{}' must be int, not {}", name, v->TypeName());
  return v->AsInt();
}

// startswith/endswith accept a string or a tuple of strings.
Result<bool> AffixMatch(const std::string& text, const Value& affix, bool prefix) {
  auto one = [&](const Value& candidate) -> Result<bool> {
    if (!candidate.is_string()) return Err("{}with arg must be str or a tuple of str", prefix ? "starts" : "ends");
    const std::string& a = candidate.AsString();
    if (a.size() > text.size()) return false;
    return prefix ? text.compare(0, a.size(), a) == 0 : text.compare(text.size() - a.size(), a.size(), a) == 0;
  };
  if (affix.is_list()) {
    for (const Value& candidate : affix.AsList()) {
      CITADEL_ASSIGN_OR_RETURN(bool hit, one(candidate));
      if (hit) return true;
    }
    return false;
  }
  return one(affix);
}

// str.format with {} / {0} / {name} fields and {{ }} escapes; format specs are not supported.
Result<Value> Format(const std::string& pattern, const CallArgs& args, Budget& budget) {
  std::string out;
  std::size_t auto_index = 0;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const char c = pattern[i];
    if (c == '{' && i + 1 < pattern.size() && pattern[i + 1] == '{') {
      out += '{';
      ++i;
    } else if (c == '}' && i + 1 < pattern.size() && pattern[i + 1] == '}') {
      out += '}';
      ++i;
    } else if (c == '{') {
      const std::size_t close = pattern.find('}', i);
      if (close == std::string::npos) return Err("str.format: single '{{' in format string");
      const std::string field = pattern.substr(i + 1, close - i - 1);
      if (field.find_first_of(":!.[") != std::string::npos) return Err("str.format: unsupported field '{}'", field);
      const Value* value = nullptr;
      if (field.empty()) {
        value = auto_index < args.positional.size() ? &args.positional[auto_index] : nullptr;
        ++auto_index;
      } else if (std::all_of(field.begin(), field.end(), [](char d) { return d >= '0' && d <= '9'; })) {
        const std::size_t index = field.size() < 6 ? std::stoul(field) : args.positional.size();
        value = index < args.positional.size() ? &args.positional[index] : nullptr;
      } else {
        for (const auto& [key, v] : args.kwargs) {
          if (key == field) value = &v;
        }
      }
      if (value == nullptr) return Err("str.format: no argument for field '{{{}}}'", field);
      out += value->Str();
      CITADEL_RETURN_IF_ERROR(budget.ChargeString(out.size()));
      i = close;
    } else if (c == '}') {
      return Err("str.format: single '}}' in format string");
    } else {
      out += c;
    }
  }
  return Text(std::move(out), budget);
}

Result<Value> StringMethod(const std::string& s, std::string_view name, const CallArgs& args, Budget& budget,
                           bool* found) {
  if (name == "strip" || name == "lstrip" || name == "rstrip") {
    CITADEL_RETURN_IF_ERROR(args.Check(name, {"chars"}));
    CITADEL_ASSIGN_OR_RETURN(const std::string* chars, OptionalString(args, 0, "chars"));
    return Value(PyStrip(s, chars, name != "rstrip", name != "lstrip"));
  }
  if (name == "split" || name == "rsplit") {
    CITADEL_RETURN_IF_ERROR(args.Check(name, {"sep", "maxsplit"}));
    CITADEL_ASSIGN_OR_RETURN(const std::string* sep, OptionalString(args, 0, "sep"));
    CITADEL_ASSIGN_OR_RETURN(std::int64_t maxsplit, OptionalInt(args, 1, "maxsplit", -1));
    if (sep != nullptr && sep->empty()) return Err("{}: empty separator", name);
    if (name == "rsplit" && maxsplit >= 0) {
      if (sep == nullptr) return Err("rsplit with maxsplit needs an explicit separator");
      std::vector<std::string> parts;
      std::size_t end = s.size();
      while (static_cast<std::int64_t>(parts.size()) < maxsplit) {
        const std::size_t hit = end >= sep->size() ? s.rfind(*sep, end - sep->size()) : std::string::npos;
        if (hit == std::string::npos) break;
        parts.push_back(s.substr(hit + sep->size(), end - hit - sep->size()));
        end = hit;
      }
      parts.push_back(s.substr(0, end));
      std::reverse(parts.begin(), parts.end());
      List out(parts.begin(), parts.end());
      return Value(std::move(out));
    }
    std::vector<std::string> parts = PySplit(s, sep, maxsplit);
    CITADEL_RETURN_IF_ERROR(budget.ChargeElements(parts.size()));
    CITADEL_RETURN_IF_ERROR(budget.ChargeWork(static_cast<std::int64_t>(s.size())));
    List out;
    out.reserve(parts.size());
    for (std::string& part : parts) out.emplace_back(std::move(part));
    return Value(std::move(out));
  }
  if (name == "startswith" || name == "endswith") {
    if (args.positional.size() != 1) return Err("{} takes exactly one argument", name);
    CITADEL_ASSIGN_OR_RETURN(bool hit, AffixMatch(s, args.positional[0], name == "startswith"));
    return Value(hit);
  }
  if (name == "replace") {
    if (args.positional.size() < 2 || !args.positional[0].is_string() || !args.positional[1].is_string()) {
      return Err("replace needs two string arguments");
    }
    CITADEL_ASSIGN_OR_RETURN(std::int64_t count, OptionalInt(args, 2, "count", -1));
    const std::string& old = args.positional[0].AsString();
    const std::string& replacement = args.positional[1].AsString();
    if (old.empty()) {
      const double estimate = static_cast<double>(replacement.size()) * static_cast<double>(s.size() + 1);
      CITADEL_RETURN_IF_ERROR(budget.ChargeString(static_cast<std::size_t>(std::min(estimate, 1e15))));
    }
    return Text(PyReplace(s, old, replacement, count), budget);
  }
  if (name == "upper") return Value(PyUpper(s));
  if (name == "lower") return Value(PyLower(s));
  if (name == "title") return Value(PyTitle(s));
  if (name == "capitalize") return Value(PyCapitalize(s));
  if (name == "format") return Format(s, args, budget);
  if (name == "join") {
    if (args.positional.size() != 1) return Err("join takes exactly one argument");
    CITADEL_ASSIGN_OR_RETURN(List items, Iterate(args.positional[0], budget));
    std::string out;
    for (std::size_t i = 0; i < items.size(); ++i) {
      if (!items[i].is_string()) return Err("sequence item {}: expected str instance, {} found", i, items[i].TypeName());
      if (i > 0) out += s;
      out += items[i].AsString();
      CITADEL_RETURN_IF_ERROR(budget.ChargeString(out.size()));
    }
    return Text(std::move(out), budget);
  }
  if (name == "find" || name == "count") {
    if (args.positional.empty() || !args.positional[0].is_string()) return Err("{} needs a string argument", name);
    const std::string& needle = args.positional[0].AsString();
    if (name == "find") {
      const std::size_t hit = s.find(needle);
      if (hit == std::string::npos) return Value(-1);
      return Value(static_cast<std::int64_t>(CodepointCount(std::string_view(s).substr(0, hit))));
    }
    if (needle.empty()) return Value(static_cast<std::int64_t>(CodepointCount(s) + 1));
    std::int64_t n = 0;
    for (std::size_t pos = s.find(needle); pos != std::string::npos; pos = s.find(needle, pos + needle.size())) ++n;
    return Value(n);
  }
  if (name == "isdigit" || name == "isalpha" || name == "isalnum" || name == "isspace" ||
      name == "islower" || name == "isupper") {
    if (s.empty()) return Value(false);
    auto all = [&](auto pred) {
      return std::all_of(s.begin(), s.end(), [&](char c) { return pred(static_cast<unsigned char>(c)) != 0; });
    };
    if (name == "isdigit") return Value(all([](unsigned char c) { return std::isdigit(c); }));
    if (name == "isalpha") return Value(all([](unsigned char c) { return std::isalpha(c); }));
    if (name == "isalnum") return Value(all([](unsigned char c) { return std::isalnum(c); }));
    if (name == "isspace") return Value(PyStrip(s, nullptr, true, true).empty());
    if (name == "islower") return Value(PyLower(s) == s && PyUpper(s) != s);
    return Value(PyUpper(s) == s && PyLower(s) != s);
  }
  *found = false;
  return Value();
}

Result<Value> DictMethod(const Dict& d, std::string_view name, const CallArgs& args, Budget& budget, bool* found) {
  if (name == "get") {
    if (args.positional.empty() || args.positional.size() > 2) return Err("get expects 1 or 2 arguments");
    const Value* hit = d.Find(args.positional[0]);
    if (hit != nullptr) return *hit;
    return args.positional.size() == 2 ? args.positional[1] : Value::None();
  }
  if (name == "items" || name == "keys" || name == "values") {
    if (!args.positional.empty() || !args.kwargs.empty()) return Err("{}() takes no arguments", name);
    CITADEL_RETURN_IF_ERROR(budget.ChargeElements(d.size() * (name == "items" ? 3 : 1)));
    List out;
    out.reserve(d.size());
    for (const auto& [key, value] : d.entries()) {
      if (name == "items") {
        out.push_back(Value(List{key, value}));
      } else {
        out.push_back(name == "keys" ? key : value);
      }
    }
    return Value(std::move(out));
  }
  *found = false;
  return Value();
}

}  // namespace

Result<Value> CallMethod(const Value& object, std::string_view name, const CallArgs& args, Budget& budget,
                         bool* found) {
  *found = true;
  if ((object.is_list() || object.is_dict()) &&
      (name == "append" || name == "extend" || name == "pop" || name == "insert" || name == "update" ||
       name == "clear" || name == "remove" || name == "setdefault")) {
    return Err("{}.{}() is not allowed: template values are immutable", object.TypeName(), name);
  }
  if (object.is_string()) return StringMethod(object.AsString(), name, args, budget, found);
  if (object.is_dict()) return DictMethod(object.AsDict(), name, args, budget, found);
  *found = false;
  return Value();
}

}  // namespace citadel::jinja
