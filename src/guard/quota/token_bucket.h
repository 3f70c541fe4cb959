#pragma once
// A per-minute allowance as a bucket that refills continuously (limit / 60 per second) up to the
// limit. Unlike fixed minute windows it has no boundary where twice the limit passes in a moment.
// The level may go below zero: tokens are charged as a generation produces them, after admission,
// so a request can overdraw by its own size and the next one waits until the debt is repaid.

#include <cstdint>

namespace citadel::guard::quota {

class TokenBucket {
 public:
  TokenBucket() = default;
  TokenBucket(int64_t per_minute, double now_seconds);

  // Refills to `now_seconds`, then the current level.
  double Level(double now_seconds);
  void Take(double amount) { level_ -= amount; }
  // Seconds until the level reaches `wanted` (0 when it already has).
  double SecondsUntil(double wanted, double now_seconds);

 private:
  double capacity_ = 0;
  double rate_ = 0;  // per second
  double level_ = 0;
  double last_ = 0;
};

}  // namespace citadel::guard::quota
