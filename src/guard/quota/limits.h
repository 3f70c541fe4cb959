#pragma once
// The limits one scope (an API key or token subject, or a tenant) runs under. Zero means unlimited.

#include <cstdint>

namespace citadel::guard::quota {

struct Limits {
  int64_t requests_per_minute = 0;
  int64_t tokens_per_minute = 0;  // prompt + completion, charged as they are processed
  int64_t concurrent = 0;         // requests in flight at once
  int64_t tokens_per_day = 0;     // UTC day; persisted, so a restart does not reset it
  int64_t tokens_per_month = 0;   // UTC calendar month; persisted

  bool Unlimited() const {
    return requests_per_minute == 0 && tokens_per_minute == 0 && concurrent == 0 && tokens_per_day == 0 &&
           tokens_per_month == 0;
  }
};

}  // namespace citadel::guard::quota
