#pragma once
// The audit record of one API request as the routes fill it in: who (once authenticated), what
// (endpoint, model, tokens, content under the role's policy) and the outcome (decision, status,
// reason, latency).

#include <chrono>
#include <string>
#include <string_view>

#include "audit/record.h"
#include "guard/authn/identity.h"
#include "server/exchange.h"

namespace citadel::server {

struct RequestTrail {
  audit::AuditRecord record;
  std::chrono::steady_clock::time_point start;

  // A request id ("req-" + 24 hex digits), the time, the client and the endpoint.
  static RequestTrail Begin(const HttpRequest& request, std::string_view endpoint);
  void Identify(const guard::Identity& caller);
  // Sets the decision from the answer's status: < 400 allowed, 429 rate-limited, 401/403
  // denied, anything else failed; `reason` says why when it was not allowed. Stamps the latency.
  void Conclude(int status, std::string reason = {});
};

}  // namespace citadel::server
