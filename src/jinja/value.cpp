#include "jinja/value.h"

#include <charconv>
#include <cmath>
#include <cstdio>

namespace citadel::jinja {
namespace {

// Python hashes 1, 1.0 and True alike, so they share one key. Strings are indexed separately.
Result<std::string> OtherKey(const Value& key) {
  switch (key.kind()) {
    case Value::Kind::kInt:
    case Value::Kind::kBool: return std::to_string(key.AsInt());
    case Value::Kind::kFloat: {
      const double d = key.AsFloat();
      if (std::nearbyint(d) == d && std::fabs(d) < 9e18) return std::to_string(static_cast<std::int64_t>(d));
      return FormatFloat(d);
    }
    case Value::Kind::kNone: return std::string("None");
    default: return Err("unhashable type: '{}'", key.TypeName());
  }
}

}  // namespace

Value::Value(Dict dict) : storage_(std::make_shared<const Dict>(std::move(dict))) {}

Value Value::Undefined(std::string name) {
  Value v;
  v.storage_ = UndefinedTag{std::make_shared<const std::string>(std::move(name))};
  return v;
}

const std::string& Value::UndefinedName() const {
  static const std::string kEmpty;
  const auto& tag = std::get<UndefinedTag>(storage_);
  return tag.name ? *tag.name : kEmpty;
}

std::int64_t Value::AsInt() const {
  if (is_bool()) return AsBool() ? 1 : 0;
  return std::get<std::int64_t>(storage_);
}

double Value::AsFloat() const {
  if (is_float()) return std::get<double>(storage_);
  return static_cast<double>(AsInt());
}

bool Value::Truthy() const {
  switch (kind()) {
    case Kind::kUndefined:
    case Kind::kNone: return false;
    case Kind::kBool: return AsBool();
    case Kind::kInt: return AsInt() != 0;
    case Kind::kFloat: return AsFloat() != 0.0;
    case Kind::kString: return !AsString().empty();
    case Kind::kList: return !AsList().empty();
    case Kind::kDict: return !AsDict().empty();
    case Kind::kCallable:
    case Kind::kNamespace: return true;
  }
  return false;
}

std::string_view Value::TypeName() const {
  switch (kind()) {
    case Kind::kUndefined: return "undefined";
    case Kind::kNone: return "NoneType";
    case Kind::kBool: return "bool";
    case Kind::kInt: return "int";
    case Kind::kFloat: return "float";
    case Kind::kString: return "str";
    case Kind::kList: return "list";
    case Kind::kDict: return "dict";
    case Kind::kCallable: return "function";
    case Kind::kNamespace: return "Namespace";
  }
  return "?";
}

std::string Value::Str() const {
  switch (kind()) {
    case Kind::kUndefined: return "";
    case Kind::kString: return AsString();
    default: return Repr();
  }
}

std::string Value::Repr() const {
  switch (kind()) {
    case Kind::kUndefined: return "";
    case Kind::kNone: return "None";
    case Kind::kBool: return AsBool() ? "True" : "False";
    case Kind::kInt: return std::to_string(AsInt());
    case Kind::kFloat: return FormatFloat(AsFloat());
    case Kind::kString: return ReprString(AsString());
    case Kind::kList: {
      std::string out = "[";
      bool first = true;
      for (const Value& item : AsList()) {
        if (!first) out += ", ";
        first = false;
        out += item.Repr();
      }
      return out + "]";
    }
    case Kind::kDict: {
      std::string out = "{";
      bool first = true;
      for (const auto& [key, item] : AsDict().entries()) {
        if (!first) out += ", ";
        first = false;
        out += key.Repr() + ": " + item.Repr();
      }
      return out + "}";
    }
    case Kind::kCallable: return "<function " + AsCallable().name + ">";
    case Kind::kNamespace: {
      std::string out = "<Namespace {";
      bool first = true;
      for (const auto& [key, item] : AsNamespace().attributes.entries()) {
        if (!first) out += ", ";
        first = false;
        out += key.Repr() + ": " + item.Repr();
      }
      return out + "}>";
    }
  }
  return "";
}

Value Value::FromJson(const nlohmann::ordered_json& json) {
  using Type = nlohmann::ordered_json::value_t;
  switch (json.type()) {
    case Type::null: return None();
    case Type::boolean: return Value(json.get<bool>());
    case Type::number_integer: return Value(json.get<std::int64_t>());
    case Type::number_unsigned: {
      const auto u = json.get<std::uint64_t>();
      if (u > static_cast<std::uint64_t>(INT64_MAX)) return Value(static_cast<double>(u));
      return Value(static_cast<std::int64_t>(u));
    }
    case Type::number_float: return Value(json.get<double>());
    case Type::string: return Value(json.get<std::string>());
    case Type::array: {
      List list;
      list.reserve(json.size());
      for (const auto& item : json) list.push_back(FromJson(item));
      return Value(std::move(list));
    }
    case Type::object: {
      Dict dict;
      for (const auto& [key, item] : json.items()) dict.Set(key, FromJson(item));
      return Value(std::move(dict));
    }
    default: return None();  // binary / discarded: not produced by JSON text
  }
}

const Value* Dict::Find(const Value& key) const {
  if (key.is_string()) return Find(std::string_view(key.AsString()));
  auto hash = OtherKey(key);
  if (!hash) return nullptr;
  auto it = other_index_.find(*hash);
  return it == other_index_.end() ? nullptr : &entries_[it->second].second;
}

const Value* Dict::Find(std::string_view key) const {
  auto it = string_index_.find(key);
  return it == string_index_.end() ? nullptr : &entries_[it->second].second;
}

Result<void> Dict::TrySet(Value key, Value value) {
  if (key.is_string()) {
    Set(key.AsString(), std::move(value));
    return Ok();
  }
  CITADEL_ASSIGN_OR_RETURN(std::string hash, OtherKey(key));
  auto [it, inserted] = other_index_.emplace(std::move(hash), entries_.size());
  if (inserted) {
    entries_.emplace_back(std::move(key), std::move(value));
  } else {
    entries_[it->second].second = std::move(value);
  }
  return Ok();
}

void Dict::Set(std::string key, Value value) {
  auto [it, inserted] = string_index_.emplace(key, entries_.size());
  if (inserted) {
    entries_.emplace_back(Value(std::move(key)), std::move(value));
  } else {
    entries_[it->second].second = std::move(value);
  }
}

std::string FormatFloat(double value) {
  if (std::isnan(value)) return "nan";
  if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
  char buf[64];
  auto sci = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::scientific);
  std::string text(buf, sci.ptr);
  const auto e = text.find('e');
  const int exponent = std::atoi(text.c_str() + e + 1);
  if (exponent < -4 || exponent >= 16) {
    // to_chars writes "1e+16" / "1.5e-05" exactly as Python's repr does.
    return text;
  }
  auto fixed = std::to_chars(buf, buf + sizeof(buf), value, std::chars_format::fixed);
  std::string out(buf, fixed.ptr);
  if (out.find('.') == std::string::npos) out += ".0";
  return out;
}

std::string ReprString(std::string_view text) {
  const bool has_single = text.find('\'') != std::string_view::npos;
  const bool has_double = text.find('"') != std::string_view::npos;
  const char quote = has_single && !has_double ? '"' : '\'';
  std::string out(1, quote);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == quote || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7f) {
      char hex[8];
      std::snprintf(hex, sizeof(hex), "\\x%02x", u);
      out += hex;
    } else {
      out += c;  // UTF-8 bytes of printable characters pass through, as in Python 3
    }
  }
  out += quote;
  return out;
}

}  // namespace citadel::jinja
