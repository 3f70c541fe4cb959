#pragma once
// The interpreter's runtime value: Python-like none/bool/int/float/str/list/dict plus the Jinja
// specials (undefined, callables, namespace). Strings, lists and dicts are immutable and shared, so
// copying a Value is a refcount bump; only a namespace is mutable (`{% set ns.x = 1 %}`), which is
// exactly the mutation Jinja's immutable sandbox allows.

#include <nlohmann/json.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <variant>
#include <vector>

#include "core/result.h"

namespace citadel::jinja {

class Value;
class Dict;
struct Callable;
struct Namespace;
using List = std::vector<Value>;

class Value {
 public:
  enum class Kind : std::uint8_t {
    kUndefined, kNone, kBool, kInt, kFloat, kString, kList, kDict, kCallable, kNamespace
  };

  Value() : storage_(UndefinedTag{}) {}  // undefined
  static Value Undefined(std::string name);
  static Value None() { return Value(NoneTag{}); }
  Value(bool b) : storage_(b) {}                                       // NOLINT: implicit by design
  Value(std::int64_t i) : storage_(i) {}                               // NOLINT
  Value(int i) : storage_(static_cast<std::int64_t>(i)) {}             // NOLINT
  Value(double d) : storage_(d) {}                                     // NOLINT
  Value(std::string s) : storage_(std::make_shared<const std::string>(std::move(s))) {}  // NOLINT
  Value(const char* s) : Value(std::string(s)) {}                      // NOLINT
  Value(List list) : storage_(std::make_shared<const List>(std::move(list))) {}          // NOLINT
  Value(Dict dict);                                                    // NOLINT
  Value(std::shared_ptr<const Callable> callable) : storage_(std::move(callable)) {}     // NOLINT
  Value(std::shared_ptr<Namespace> ns) : storage_(std::move(ns)) {}    // NOLINT

  Kind kind() const { return static_cast<Kind>(storage_.index()); }
  bool is_undefined() const { return kind() == Kind::kUndefined; }
  bool is_none() const { return kind() == Kind::kNone; }
  bool is_bool() const { return kind() == Kind::kBool; }
  bool is_int() const { return kind() == Kind::kInt; }
  bool is_float() const { return kind() == Kind::kFloat; }
  // Python's bool is an int subclass; arithmetic and comparisons treat it so.
  bool is_number() const { return is_int() || is_float() || is_bool(); }
  bool is_string() const { return kind() == Kind::kString; }
  bool is_list() const { return kind() == Kind::kList; }
  bool is_dict() const { return kind() == Kind::kDict; }
  bool is_callable() const { return kind() == Kind::kCallable; }
  bool is_namespace() const { return kind() == Kind::kNamespace; }

  // Accessors; each CHECKs the kind (callers test first).
  bool AsBool() const { return std::get<bool>(storage_); }
  std::int64_t AsInt() const;  // int or bool
  double AsFloat() const;      // any number
  const std::string& AsString() const { return *std::get<StringPtr>(storage_); }
  const List& AsList() const { return *std::get<ListPtr>(storage_); }
  const Dict& AsDict() const { return *std::get<DictPtr>(storage_); }
  const Callable& AsCallable() const { return *std::get<CallablePtr>(storage_); }
  Namespace& AsNamespace() const { return *std::get<NamespacePtr>(storage_); }
  // The variable name an undefined value came from, for error messages ("" when unknown).
  const std::string& UndefinedName() const;

  bool Truthy() const;
  // Python str(): what `{{ value }}` prints. Undefined prints as "".
  std::string Str() const;
  // Python repr(), used for list/dict elements when printing containers.
  std::string Repr() const;
  std::string_view TypeName() const;

  static Value FromJson(const nlohmann::ordered_json& json);

 private:
  struct UndefinedTag { std::shared_ptr<const std::string> name; };
  struct NoneTag {};
  using StringPtr = std::shared_ptr<const std::string>;
  using ListPtr = std::shared_ptr<const List>;
  using DictPtr = std::shared_ptr<const Dict>;
  using CallablePtr = std::shared_ptr<const Callable>;
  using NamespacePtr = std::shared_ptr<Namespace>;
  explicit Value(NoneTag tag) : storage_(tag) {}

  // Order matches Kind.
  std::variant<UndefinedTag, NoneTag, bool, std::int64_t, double, StringPtr, ListPtr, DictPtr,
               CallablePtr, NamespacePtr>
      storage_;
};

// An insertion-ordered dict (Python 3.7+ semantics, and what ordered_json gives us). Keys are
// hashable values: none, bool, int, float, str.
class Dict {
 public:
  using Entry = std::pair<Value, Value>;

  const Value* Find(const Value& key) const;
  const Value* Find(std::string_view key) const;
  // Inserts or overwrites in place (keeping the original position); errors on unhashable keys.
  Result<void> TrySet(Value key, Value value);
  void Set(std::string key, Value value);

  const std::vector<Entry>& entries() const { return entries_; }
  std::size_t size() const { return entries_.size(); }
  bool empty() const { return entries_.empty(); }

 private:
  // Heterogeneous lookup so a std::string_view finds a std::string key without allocating.
  struct StringHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  std::vector<Entry> entries_;
  // Positions in entries_: string keys by their text; other keys (none/bool/int/float) by a
  // canonical text in which 1, 1.0 and True coincide, as Python's hashing makes them.
  std::unordered_map<std::string, std::size_t, StringHash, std::equal_to<>> string_index_;
  std::unordered_map<std::string, std::size_t> other_index_;
};

// The namespace() object: the one mutable value.
struct Namespace {
  Dict attributes;
};

// Built-in global functions.
enum class Builtin : std::uint8_t { kRange, kNamespace, kDict, kRaiseException, kStrftimeNow };

namespace ast { struct Stmt; }

// A macro (or a call block's `caller`) or a built-in function.
struct Callable {
  enum class Kind : std::uint8_t { kMacro, kBuiltin };
  Kind kind = Kind::kBuiltin;
  Builtin builtin = Builtin::kRange;
  const ast::Stmt* macro = nullptr;  // owned by the Template, which outlives every render
  int frame = 0;                     // scope a caller() body resolves names in
  std::string name;
};

// Python repr of a float: shortest round-trip digits, ".0" for integral values, exponent form
// outside [1e-4, 1e16).
std::string FormatFloat(double value);
// Python repr of a string: single quotes unless the text holds a ' and no ".
std::string ReprString(std::string_view text);

}  // namespace citadel::jinja
