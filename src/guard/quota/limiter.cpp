#include "guard/quota/limiter.h"

#include <fmt/format.h>

#include <chrono>
#include <cmath>
#include <ctime>
#include <map>
#include <mutex>

#include "guard/quota/token_bucket.h"

namespace citadel::guard::quota {
namespace {

double SystemNow() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct Periods {
  std::string day, month;
  double seconds_to_next_day = 0, seconds_to_next_month = 0;
};

Periods PeriodsAt(double now) {
  const std::time_t t = static_cast<std::time_t>(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  Periods p;
  p.day = fmt::format("{:04}-{:02}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
  p.month = fmt::format("{:04}-{:02}", tm.tm_year + 1900, tm.tm_mon + 1);
  const double into_day = tm.tm_hour * 3600.0 + tm.tm_min * 60.0 + tm.tm_sec;
  p.seconds_to_next_day = 86400.0 - into_day;
  std::tm next{};
  next.tm_year = tm.tm_mon == 11 ? tm.tm_year + 1 : tm.tm_year;
  next.tm_mon = (tm.tm_mon + 1) % 12;
  next.tm_mday = 1;
  p.seconds_to_next_month = static_cast<double>(timegm(&next)) - std::floor(now);
  return p;
}

int Ceil(double seconds) { return static_cast<int>(std::ceil(std::max(seconds, 1.0))); }

// A persisted period total: what the store had when the period began here, plus what this process
// added since (not yet written back).
struct PeriodCount {
  std::string period;
  int64_t total = 0;
};

struct ScopeState {
  Limits limits;
  TokenBucket requests, tokens;
  bool buckets_ready = false;
  int64_t in_flight = 0;
  PeriodCount day, month;
};

}  // namespace

struct Limiter::State {
  std::unique_ptr<UsageStore> store;
  Clock clock;
  std::mutex mu;
  std::map<std::string, ScopeState> scopes;

  // Under mu. Brings a scope's limits and periods up to date.
  ScopeState& Get(const Scope& s, double now, const Periods& p) {
    ScopeState& st = scopes[s.id];
    const bool limits_changed = st.limits.requests_per_minute != s.limits.requests_per_minute ||
                                st.limits.tokens_per_minute != s.limits.tokens_per_minute;
    if (!st.buckets_ready || limits_changed) {  // a policy reload may change the limits
      st.requests = TokenBucket(s.limits.requests_per_minute, now);
      st.tokens = TokenBucket(s.limits.tokens_per_minute, now);
      st.buckets_ready = true;
    }
    st.limits = s.limits;
    Roll(s.id, st.day, p.day);
    Roll(s.id, st.month, p.month);
    return st;
  }

  void Roll(const std::string& scope, PeriodCount& c, const std::string& period) {
    if (c.period == period) return;
    c.period = period;
    // A store that cannot be read counts from zero rather than refusing every request; the write
    // at the end of each request retries.
    c.total = store->Load(scope, period).value_or(0);
  }
};

struct Limiter::Ticket::Impl {
  std::shared_ptr<State> state;
  std::vector<std::string> scopes;
  int64_t charged = 0;  // tokens not yet persisted
  std::string day, month;
};

Limiter::Ticket::Ticket(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Limiter::Ticket::Ticket(Ticket&&) noexcept = default;
Limiter::Ticket& Limiter::Ticket::operator=(Ticket&&) noexcept = default;

void Limiter::Ticket::Charge(int64_t tokens) {
  if (!impl_ || tokens <= 0) return;
  State& s = *impl_->state;
  std::lock_guard lock(s.mu);
  const double now = s.clock();
  for (const std::string& id : impl_->scopes) {
    ScopeState& st = s.scopes[id];
    st.tokens.Level(now);
    st.tokens.Take(static_cast<double>(tokens));
    if (st.day.period == impl_->day) st.day.total += tokens;
    if (st.month.period == impl_->month) st.month.total += tokens;
  }
  impl_->charged += tokens;
}

Limiter::Ticket::~Ticket() {
  if (!impl_) return;
  State& s = *impl_->state;
  {
    std::lock_guard lock(s.mu);
    for (const std::string& id : impl_->scopes) --s.scopes[id].in_flight;
  }
  if (impl_->charged == 0) return;
  for (const std::string& id : impl_->scopes) {
    (void)s.store->Add(id, impl_->day, impl_->charged);
    (void)s.store->Add(id, impl_->month, impl_->charged);
  }
}

Limiter::Limiter(std::unique_ptr<UsageStore> store, Clock clock) : state_(std::make_shared<State>()) {
  state_->store = std::move(store);
  state_->clock = clock ? std::move(clock) : Clock(SystemNow);
}

Limiter::~Limiter() = default;

std::variant<Limiter::Ticket, Denial> Limiter::Admit(std::span<const Scope> scopes, int64_t prompt_tokens) {
  State& s = *state_;
  std::unique_lock lock(s.mu);
  const double now = s.clock();
  const Periods p = PeriodsAt(now);
  std::vector<ScopeState*> states;
  for (const Scope& scope : scopes) {
    ScopeState& st = s.Get(scope, now, p);
    const Limits& l = scope.limits;
    if (l.concurrent > 0 && st.in_flight >= l.concurrent) {
      return TooMany("rate_limit_exceeded",
                     fmt::format("{} has {} requests in flight, its limit", scope.label, l.concurrent), 1);
    }
    if (l.requests_per_minute > 0 && st.requests.Level(now) < 1) {
      return TooMany("rate_limit_exceeded",
                     fmt::format("{} reached its limit of {} requests per minute", scope.label, l.requests_per_minute),
                     Ceil(st.requests.SecondsUntil(1, now)));
    }
    if (l.tokens_per_minute > 0 && st.tokens.Level(now) <= 0) {
      return TooMany("rate_limit_exceeded",
                     fmt::format("{} reached its limit of {} tokens per minute", scope.label, l.tokens_per_minute),
                     Ceil(st.tokens.SecondsUntil(1, now)));
    }
    if (l.tokens_per_day > 0 && st.day.total >= l.tokens_per_day) {
      return TooMany("insufficient_quota",
                     fmt::format("{} used its daily quota of {} tokens", scope.label, l.tokens_per_day),
                     Ceil(p.seconds_to_next_day));
    }
    if (l.tokens_per_month > 0 && st.month.total >= l.tokens_per_month) {
      return TooMany("insufficient_quota",
                     fmt::format("{} used its monthly quota of {} tokens", scope.label, l.tokens_per_month),
                     Ceil(p.seconds_to_next_month));
    }
    states.push_back(&st);
  }
  auto impl = std::make_unique<Ticket::Impl>();
  impl->state = state_;
  impl->day = p.day;
  impl->month = p.month;
  for (size_t i = 0; i < scopes.size(); ++i) {
    ++states[i]->in_flight;
    states[i]->requests.Take(1);
    impl->scopes.push_back(scopes[i].id);
  }
  lock.unlock();
  Ticket ticket(std::move(impl));
  ticket.Charge(prompt_tokens);
  return ticket;
}

std::vector<ScopeUsage> Limiter::Usage(std::span<const Scope> scopes) {
  State& s = *state_;
  std::lock_guard lock(s.mu);
  const double now = s.clock();
  const Periods p = PeriodsAt(now);
  std::vector<ScopeUsage> out;
  for (const Scope& scope : scopes) {
    ScopeState& st = s.Get(scope, now, p);
    out.push_back({scope.id, scope.limits, static_cast<int64_t>(std::floor(std::max(0.0, st.requests.Level(now)))),
                   static_cast<int64_t>(std::floor(std::max(0.0, st.tokens.Level(now)))), st.in_flight, st.day.total,
                   st.month.total});
  }
  return out;
}

}  // namespace citadel::guard::quota
