#include "guard/quota/token_bucket.h"

#include <algorithm>

namespace citadel::guard::quota {

TokenBucket::TokenBucket(int64_t per_minute, double now_seconds)
    : capacity_(static_cast<double>(per_minute)), rate_(static_cast<double>(per_minute) / 60.0),
      level_(capacity_), last_(now_seconds) {}

double TokenBucket::Level(double now_seconds) {
  if (now_seconds > last_) {
    level_ = std::min(capacity_, level_ + (now_seconds - last_) * rate_);
    last_ = now_seconds;
  }
  return level_;
}

double TokenBucket::SecondsUntil(double wanted, double now_seconds) {
  const double level = Level(now_seconds);
  if (level >= wanted || rate_ <= 0) return 0;
  return (wanted - level) / rate_;
}

}  // namespace citadel::guard::quota
