#pragma once
// Internal: what the evaluator shares with the operator, filter, test and method tables.

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "jinja/options.h"
#include "jinja/value.h"

namespace citadel::jinja {

// Tracks the render's spend against RenderLimits; one per render.
class Budget {
 public:
  explicit Budget(const RenderLimits& limits) : limits_(limits) {}

  const RenderLimits& limits() const { return limits_; }
  Result<void> ChargeWork(std::int64_t units);
  Result<void> ChargeIteration();
  // For a string about to be built: its size against max_output_bytes, its bytes against max_work.
  Result<void> ChargeString(std::size_t bytes);
  // For a sequence of n elements about to be built or scanned.
  Result<void> ChargeElements(std::size_t n);

 private:
  RenderLimits limits_;
  std::int64_t work_ = 0;
  std::int64_t iterations_ = 0;
};

struct CallArgs {
  std::vector<Value> positional;
  std::vector<std::pair<std::string, Value>> kwargs;

  // The argument at `index` or named `name`, or nullptr when not given.
  const Value* Get(std::size_t index, std::string_view name) const;
  // Errors when more positional arguments or unknown keywords were passed than `names` allows.
  Result<void> Check(std::string_view what, std::initializer_list<std::string_view> names) const;
};

// Operators (ops.cpp). `op` is the source spelling: + - * / // % ** ~ == != < <= > >= in "not in".
Result<Value> BinaryOp(std::string_view op, const Value& left, const Value& right, Budget& budget);
bool Equal(const Value& a, const Value& b);
// a < b with Python's rules (numbers, strings, sequences); errors for unorderable types.
Result<bool> Less(const Value& a, const Value& b);
Result<bool> Contains(const Value& container, const Value& item);
// container[key]; missing keys and out-of-range indexes give undefined, as in Jinja.
Result<Value> GetItem(const Value& container, const Value& key);
Value GetAttr(const Value& object, const std::string& name);
Result<Value> Slice(const Value& container, const Value& start, const Value& stop, const Value& step, Budget& budget);
// The elements a for-loop or filter visits: list items, dict keys, string characters; undefined
// iterates as empty (Jinja's default Undefined does).
Result<List> Iterate(const Value& value, Budget& budget);

// Filters, tests and methods (filters.cpp, tests.cpp, methods.cpp).
Result<Value> ApplyFilter(std::string_view name, const Value& input, const CallArgs& args, Budget& budget);
Result<bool> ApplyTest(std::string_view name, const Value& subject, const CallArgs& args);
bool IsKnownTest(std::string_view name);
// The filters over sequences (filters_seq.cpp); sets *found = false for other names.
Result<Value> ApplySequenceFilter(std::string_view name, const Value& input, const CallArgs& args,
                                  Budget& budget, bool* found);
// `a.b.0` style lookups used by attribute= arguments of filters.
Result<Value> GetAttributePath(const Value& object, const Value& path);
// Calls a Python method on a str/dict/list. Sets *found = false when no such method exists.
Result<Value> CallMethod(const Value& object, std::string_view name, const CallArgs& args, Budget& budget,
                         bool* found);

// tojson as Hugging Face defines it: json.dumps(ensure_ascii=False, sort_keys=False) with
// Python's separators (", " and ": "; "," between items when indenting).
Result<std::string> ToJson(const Value& value, int indent, Budget& budget);

}  // namespace citadel::jinja
