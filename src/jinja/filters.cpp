// Scalar and string filters; sequence filters live in filters_seq.cpp.
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "jinja/runtime.h"
#include "jinja/text_util.h"

namespace citadel::jinja {
namespace {

Result<Value> StringResult(std::string text, Budget& budget) {
  CITADEL_RETURN_IF_ERROR(budget.ChargeString(text.size()));
  return Value(std::move(text));
}

Result<std::int64_t> IntArg(const CallArgs& args, std::size_t index, std::string_view name, std::int64_t fallback) {
  const Value* v = args.Get(index, name);
  if (v == nullptr || v->is_undefined() || v->is_none()) return fallback;
  if (!v->is_int() && !v->is_bool()) return Err("argument '{}' must be an integer, not {}", name, v->TypeName());
  return v->AsInt();
}

bool BoolArg(const CallArgs& args, std::size_t index, std::string_view name, bool fallback) {
  const Value* v = args.Get(index, name);
  return v == nullptr ? fallback : v->Truthy();
}

Result<std::string> StringArg(const CallArgs& args, std::size_t index, std::string_view name) {
  const Value* v = args.Get(index, name);
  if (v == nullptr) return Err("missing argument '{}'", name);
  if (!v->is_string()) return Err("argument '{}' must be a string, not {}", name, v->TypeName());
  return v->AsString();
}

// Python's int() over a string: optional sign, digits, surrounding whitespace.
bool ParseInt(const std::string& text, std::int64_t base, std::int64_t* out) {
  const std::string trimmed = PyStrip(text, nullptr, true, true);
  if (trimmed.empty()) return false;
  char* end = nullptr;
  errno = 0;
  const long long v = std::strtoll(trimmed.c_str(), &end, static_cast<int>(base));
  if (errno != 0 || end != trimmed.c_str() + trimmed.size()) return false;
  *out = v;
  return true;
}

bool ParseFloat(const std::string& text, double* out) {
  const std::string trimmed = PyStrip(text, nullptr, true, true);
  if (trimmed.empty()) return false;
  char* end = nullptr;
  const double v = std::strtod(trimmed.c_str(), &end);
  if (end != trimmed.c_str() + trimmed.size()) return false;
  *out = v;
  return true;
}

std::vector<std::string> SplitLines(std::string_view text) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n' || text[i] == '\r') {
      lines.emplace_back(text.substr(start, i - start));
      if (text[i] == '\r' && i + 1 < text.size() && text[i + 1] == '\n') ++i;
      start = i + 1;
    }
  }
  if (start < text.size()) lines.emplace_back(text.substr(start));
  return lines;
}

Result<Value> Indent(const Value& input, const CallArgs& args, Budget& budget) {
  CITADEL_RETURN_IF_ERROR(args.Check("indent", {"width", "first", "blank"}));
  std::string indentation;
  const Value* width = args.Get(0, "width");
  if (width != nullptr && width->is_string()) {
    indentation = width->AsString();
  } else {
    CITADEL_ASSIGN_OR_RETURN(std::int64_t n, IntArg(args, 0, "width", 4));
    if (n < 0 || static_cast<std::size_t>(n) > budget.limits().max_output_bytes) return Err("indent: bad width {}", n);
    indentation.assign(static_cast<std::size_t>(n), ' ');
  }
  const bool first = BoolArg(args, 1, "first", false);
  const bool blank = BoolArg(args, 2, "blank", false);
  // Mirrors Jinja: a newline is appended before splitting so a trailing newline survives.
  const std::vector<std::string> lines = SplitLines(input.Str() + "\n");
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i > 0) {
      out += '\n';
      if (blank || !lines[i].empty()) out += indentation;
    }
    out += lines[i];
    CITADEL_RETURN_IF_ERROR(budget.ChargeString(out.size()));
  }
  if (first) out = indentation + out;
  return StringResult(std::move(out), budget);
}

Result<Value> Round(const Value& input, const CallArgs& args) {
  CITADEL_RETURN_IF_ERROR(args.Check("round", {"precision", "method"}));
  if (!input.is_number()) return Err("round: expected a number, got {}", input.TypeName());
  CITADEL_ASSIGN_OR_RETURN(std::int64_t precision, IntArg(args, 0, "precision", 0));
  if (!input.is_float() && precision >= 0) return Value(input.AsInt());  // Python keeps ints ints
  std::string method = "common";
  if (const Value* m = args.Get(1, "method"); m != nullptr && m->is_string()) method = m->AsString();
  const double scale = std::pow(10.0, static_cast<double>(precision));
  const double x = input.AsFloat() * scale;
  double r = 0;
  if (method == "common") {
    r = std::nearbyint(x);  // ties to even, like Python's round()
  } else if (method == "ceil") {
    r = std::ceil(x);
  } else if (method == "floor") {
    r = std::floor(x);
  } else {
    return Err("round: method must be 'common', 'ceil' or 'floor'");
  }
  return Value(r / scale);
}

std::string HtmlEscape(std::string_view text) {
  std::string out;
  for (const char c : text) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&#34;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
  return out;
}

}  // namespace

Result<Value> ApplyFilter(std::string_view name, const Value& input, const CallArgs& args, Budget& budget) {
  bool found = true;
  auto result = ApplySequenceFilter(name, input, args, budget, &found);
  if (found) return result;

  if (name == "safe") return input;
  if (name == "string") return StringResult(input.Str(), budget);
  if (name == "tojson") {
    CITADEL_RETURN_IF_ERROR(args.Check("tojson", {"indent", "ensure_ascii", "separators", "sort_keys"}));
    const Value* indent = args.Get(0, "indent");
    int width = -1;
    if (indent != nullptr && !indent->is_none()) {
      if (!indent->is_int() || indent->AsInt() < 0 || indent->AsInt() > 64) return Err("tojson: indent must be 0..64");
      width = static_cast<int>(indent->AsInt());
    }
    CITADEL_ASSIGN_OR_RETURN(std::string json, ToJson(input, width, budget));
    return Value(std::move(json));
  }
  if (name == "default" || name == "d") {
    CITADEL_RETURN_IF_ERROR(args.Check(name, {"default_value", "boolean"}));
    const bool boolean = BoolArg(args, 1, "boolean", false);
    if (input.is_undefined() || (boolean && !input.Truthy())) {
      const Value* fallback = args.Get(0, "default_value");
      return fallback != nullptr ? *fallback : Value(std::string());
    }
    return input;
  }
  if (name == "int") {
    CITADEL_RETURN_IF_ERROR(args.Check("int", {"default", "base"}));
    const Value* fallback = args.Get(0, "default");
    CITADEL_ASSIGN_OR_RETURN(std::int64_t base, IntArg(args, 1, "base", 10));
    if (input.is_int() || input.is_bool()) return Value(input.AsInt());
    if (input.is_float()) {
      const double d = input.AsFloat();
      if (std::isfinite(d) && std::fabs(d) < 9.2e18) return Value(static_cast<std::int64_t>(d));
    }
    if (input.is_string()) {
      std::int64_t v = 0;
      double d = 0;
      if (ParseInt(input.AsString(), base, &v)) return Value(v);
      if (ParseFloat(input.AsString(), &d) && std::isfinite(d) && std::fabs(d) < 9.2e18) {
        return Value(static_cast<std::int64_t>(d));
      }
    }
    return fallback != nullptr ? *fallback : Value(0);
  }
  if (name == "float") {
    CITADEL_RETURN_IF_ERROR(args.Check("float", {"default"}));
    if (input.is_number()) return Value(input.AsFloat());
    double d = 0;
    if (input.is_string() && ParseFloat(input.AsString(), &d)) return Value(d);
    const Value* fallback = args.Get(0, "default");
    return fallback != nullptr ? *fallback : Value(0.0);
  }
  if (name == "abs") {
    if (input.is_int() || input.is_bool()) {
      if (input.AsInt() == INT64_MIN) return Err("integer overflow in abs");
      return Value(static_cast<std::int64_t>(std::llabs(input.AsInt())));
    }
    if (input.is_float()) return Value(std::fabs(input.AsFloat()));
    return Err("abs: bad operand type '{}'", input.TypeName());
  }
  if (name == "round") return Round(input, args);

  // The rest take text; undefined converts to "" as in Jinja.
  const std::string text = input.Str();
  if (name == "trim") {
    CITADEL_RETURN_IF_ERROR(args.Check("trim", {"chars"}));
    const Value* chars = args.Get(0, "chars");
    const std::string* set = chars != nullptr && chars->is_string() ? &chars->AsString() : nullptr;
    return Value(PyStrip(text, set, true, true));
  }
  if (name == "upper") return Value(PyUpper(text));
  if (name == "lower") return Value(PyLower(text));
  if (name == "title") return Value(PyTitle(text));
  if (name == "capitalize") return Value(PyCapitalize(text));
  if (name == "escape" || name == "e") return StringResult(HtmlEscape(text), budget);
  if (name == "replace") {
    CITADEL_RETURN_IF_ERROR(args.Check("replace", {"old", "new", "count"}));
    CITADEL_ASSIGN_OR_RETURN(std::string old, StringArg(args, 0, "old"));
    CITADEL_ASSIGN_OR_RETURN(std::string replacement, StringArg(args, 1, "new"));
    CITADEL_ASSIGN_OR_RETURN(std::int64_t count, IntArg(args, 2, "count", -1));
    const double estimate = static_cast<double>(text.size()) +
                            static_cast<double>(replacement.size()) * static_cast<double>(CodepointCount(text) + 1);
    if (estimate > static_cast<double>(budget.limits().max_output_bytes) && replacement.size() > old.size()) {
      CITADEL_RETURN_IF_ERROR(budget.ChargeWork(static_cast<std::int64_t>(text.size())));
    }
    std::string out = PyReplace(text, old, replacement, count);
    return StringResult(std::move(out), budget);
  }
  if (name == "indent") return Indent(input, args, budget);
  if (name == "center") {
    CITADEL_ASSIGN_OR_RETURN(std::int64_t width, IntArg(args, 0, "width", 80));
    const auto n = static_cast<std::int64_t>(CodepointCount(text));
    if (width <= n) return Value(text);
    if (static_cast<std::uint64_t>(width) > budget.limits().max_output_bytes) {
      return Err("center: width {} exceeds max_output_bytes", width);
    }
    const std::int64_t margin = width - n;
    const std::int64_t left = margin / 2 + (margin & width & 1);  // CPython's centering rule
    std::string out(static_cast<std::size_t>(left), ' ');
    out += text;
    out.append(static_cast<std::size_t>(margin - left), ' ');
    return StringResult(std::move(out), budget);
  }
  if (name == "wordcount") {
    std::int64_t words = 0;
    bool in_word = false;
    for (const char c : text) {
      const auto u = static_cast<unsigned char>(c);
      const bool word_char = std::isalnum(u) || c == '_' || u >= 0x80;
      if (word_char && !in_word) ++words;
      in_word = word_char;
    }
    return Value(words);
  }
  return Err("unknown filter '{}'", name);
}

}  // namespace citadel::jinja
