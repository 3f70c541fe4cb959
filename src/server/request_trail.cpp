#include "server/request_trail.h"

#include <fmt/format.h>

#include <random>

namespace citadel::server {

RequestTrail RequestTrail::Begin(const HttpRequest& request, std::string_view endpoint) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  RequestTrail t;
  t.start = std::chrono::steady_clock::now();
  t.record.kind = audit::EventKind::kRequest;
  t.record.request_id = fmt::format("req-{:016x}{:08x}", rng(), static_cast<uint32_t>(rng()));
  t.record.time_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  t.record.client_ip = request.client_address;
  t.record.endpoint = std::string(endpoint);
  return t;
}

void RequestTrail::Identify(const guard::Identity& caller) {
  record.tenant = caller.tenant;
  record.subject = caller.subject;
  record.key_id = caller.credential_id;
}

void RequestTrail::Conclude(int status, std::string reason) {
  record.http_status = status;
  record.decision = status < 400    ? audit::Decision::kAllowed
                    : status == 429 ? audit::Decision::kRateLimited
                    : status == 401 || status == 403 ? audit::Decision::kDenied
                                                     : audit::Decision::kFailed;
  record.reason = std::move(reason);
  record.latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace citadel::server
