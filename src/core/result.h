#pragma once
// Errors as values: Result<T> has the surface of C++23's std::expected<T, Error>, which g++ 12 and
// clang 14 do not both offer in C++20 mode. Untrusted input yields an Error; broken invariants use
// CITADEL_CHECK (core/check.h) instead.

#include <fmt/format.h>

#include <string>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/check.h"

namespace citadel {

struct Error {
  std::string message;
  // Empty, or a machine-readable class that a caller maps to a response (the engine's codes are
  // in engine/engine.h; the server maps them to HTTP statuses and OpenAI error codes).
  std::string code;

  // Prepends context, e.g. Error{"truncated"}.Wrap("tensor 'x'") -> "tensor 'x': truncated".
  [[nodiscard]] Error Wrap(std::string_view context) const {
    return Error{fmt::format("{}: {}", context, message), code};
  }
  [[nodiscard]] Error WithCode(std::string_view new_code) && {
    code = new_code;
    return std::move(*this);
  }
};

// Builds an Error from a fmt format string: return Err("tensor '{}': {} dims > 4", name, n);
template <class... Args>
[[nodiscard]] Error Err(fmt::format_string<Args...> format, Args&&... args) {
  return Error{fmt::format(format, std::forward<Args>(args)...)};
}

template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(const T& value) : state_(std::in_place_index<0>, value) {}         // NOLINT: implicit by design
  Result(T&& value) : state_(std::in_place_index<0>, std::move(value)) {}   // NOLINT
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}  // NOLINT
  template <class U>
    requires(std::is_constructible_v<T, U &&> && !std::is_same_v<std::decay_t<U>, T> &&
             !std::is_same_v<std::decay_t<U>, Error> && !std::is_same_v<std::decay_t<U>, Result>)
  Result(U&& value) : state_(std::in_place_index<0>, T(std::forward<U>(value))) {}  // NOLINT

  bool has_value() const { return state_.index() == 0; }
  explicit operator bool() const { return has_value(); }

  T& value() & { CITADEL_CHECK_MSG(has_value(), error_unchecked().message.c_str()); return std::get<0>(state_); }
  const T& value() const& { CITADEL_CHECK_MSG(has_value(), error_unchecked().message.c_str()); return std::get<0>(state_); }
  T&& value() && { CITADEL_CHECK_MSG(has_value(), error_unchecked().message.c_str()); return std::get<0>(std::move(state_)); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }
  T&& operator*() && { return std::move(*this).value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }

  template <class U>
  T value_or(U&& fallback) const& { return has_value() ? std::get<0>(state_) : T(std::forward<U>(fallback)); }

  const Error& error() const& { CITADEL_CHECK(!has_value()); return std::get<1>(state_); }
  Error&& error() && { CITADEL_CHECK(!has_value()); return std::get<1>(std::move(state_)); }

 private:
  const Error& error_unchecked() const {
    static const Error kNone{"(no error)"};
    return has_value() ? kNone : std::get<1>(state_);
  }
  std::variant<T, Error> state_;
};

template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;
  Result() = default;
  Result(Error error) : error_(std::move(error)), failed_(true) {}  // NOLINT: implicit by design

  bool has_value() const { return !failed_; }
  explicit operator bool() const { return has_value(); }
  void value() const { CITADEL_CHECK_MSG(has_value(), error_.message.c_str()); }
  const Error& error() const& { CITADEL_CHECK(failed_); return error_; }
  Error&& error() && { CITADEL_CHECK(failed_); return std::move(error_); }

 private:
  Error error_;
  bool failed_ = false;
};

inline Result<void> Ok() { return {}; }

}  // namespace citadel

#define CITADEL_CONCAT_INNER_(a, b) a##b
#define CITADEL_CONCAT_(a, b) CITADEL_CONCAT_INNER_(a, b)

// Returns the error of a Result<...> expression from the enclosing function.
#define CITADEL_RETURN_IF_ERROR(expr)                                  \
  do {                                                                 \
    if (auto citadel_result_ = (expr); !citadel_result_.has_value()) { \
      return std::move(citadel_result_).error();                       \
    }                                                                  \
  } while (false)

// CITADEL_ASSIGN_OR_RETURN(auto x, Parse(...)); binds the value or returns the error.
#define CITADEL_ASSIGN_OR_RETURN(lhs, expr) \
  CITADEL_ASSIGN_OR_RETURN_IMPL_(CITADEL_CONCAT_(citadel_tmp_, __LINE__), lhs, expr)
#define CITADEL_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                   \
  if (!tmp.has_value()) return std::move(tmp).error(); \
  lhs = std::move(tmp).value()
