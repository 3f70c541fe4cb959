#pragma once
// Rate limits and token quotas for every scope a request is charged to (its credential and its
// tenant). A request is admitted for all scopes or for none. Admission returns a Ticket: the
// generation charges its tokens to it as they are produced, and dropping it ends the request
// (its concurrency slot frees, and its day and month totals are persisted).

#include <functional>
#include <memory>
#include <span>
#include <string>
#include <variant>
#include <vector>

#include "guard/denial.h"
#include "guard/quota/limits.h"
#include "guard/quota/usage_store.h"

namespace citadel::guard::quota {

struct Scope {
  std::string id;  // "key:ck_…", "subject:…", "tenant:…"
  std::string label;  // for messages: "API key ck_ab12cd34", "tenant 'acme'"
  Limits limits;
};

// A scope's limits and where it stands now, for GET /v1/usage.
struct ScopeUsage {
  std::string id;
  Limits limits;
  int64_t requests_this_minute_remaining = 0;  // meaningful when the limit is set
  int64_t tokens_this_minute_remaining = 0;
  int64_t in_flight = 0;
  int64_t tokens_today = 0;
  int64_t tokens_this_month = 0;
};

class Limiter {
 public:
  // Unix time in seconds; injectable for tests.
  using Clock = std::function<double()>;
  explicit Limiter(std::unique_ptr<UsageStore> store, Clock clock = {});
  ~Limiter();
  Limiter(const Limiter&) = delete;
  Limiter& operator=(const Limiter&) = delete;

  class Ticket {
   public:
    Ticket(Ticket&&) noexcept;
    Ticket& operator=(Ticket&&) noexcept;
    ~Ticket();  // releases the concurrency slot and persists the day/month totals
    // Charges tokens (prompt tokens are charged at admission) to every scope.
    void Charge(int64_t tokens);

   private:
    friend class Limiter;
    struct Impl;
    explicit Ticket(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
  };

  // Admits one request with `prompt_tokens` already known, or says which limit of which scope
  // stops it and when to retry.
  std::variant<Ticket, Denial> Admit(std::span<const Scope> scopes, int64_t prompt_tokens);
  std::vector<ScopeUsage> Usage(std::span<const Scope> scopes);

 private:
  struct State;
  std::shared_ptr<State> state_;
};

}  // namespace citadel::guard::quota
