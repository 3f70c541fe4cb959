#pragma once
// Invariant checks: a failed check is a bug in Citadel, never a consequence of input, so it aborts
// with the location instead of unwinding through a request.

#include <cstdio>
#include <cstdlib>

namespace citadel::internal {
[[noreturn]] inline void CheckFailed(const char* file, int line, const char* expr, const char* msg) {
  std::fprintf(stderr, "%s:%d: check failed: %s%s%s\n", file, line, expr, msg ? ": " : "", msg ? msg : "");
  std::abort();
}
}  // namespace citadel::internal

#define CITADEL_CHECK(cond) \
  ((cond) ? (void)0 : ::citadel::internal::CheckFailed(__FILE__, __LINE__, #cond, nullptr))
#define CITADEL_CHECK_MSG(cond, msg) \
  ((cond) ? (void)0 : ::citadel::internal::CheckFailed(__FILE__, __LINE__, #cond, (msg)))
