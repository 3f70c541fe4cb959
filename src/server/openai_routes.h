#pragma once
// The routes of `citadel serve`: the OpenAI-compatible API (/v1/chat/completions,
// /v1/completions, /v1/models), the simple /chat API, health, readiness and Prometheus metrics.
// Generation requests are parsed by api/, run by the engine, and answered whole or as server-sent
// events; a client that goes away mid-stream cancels its generation. Every route but health,
// readiness and metrics passes the guard first (authentication, then roles, then quotas).

#include <boost/asio/awaitable.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "api/generation_request.h"
#include "engine/engine.h"
#include "guard/gatekeeper.h"
#include "server/exchange.h"
#include "server/audit_writer.h"
#include "server/metrics.h"
#include "server/pii_filter.h"
#include "server/request_trail.h"
#include "server/watermarker.h"

namespace citadel::server {

struct RouteOptions {
  std::string model_id;
  int default_max_tokens = 0;                   // 0: until the context is full
  std::chrono::seconds request_timeout{600};    // generation deadline per request
  std::vector<std::string> warnings;            // shown by /readyz, e.g. serving the network without authentication
  std::vector<std::string> tenants;             // known tenants, tested by watermark detection by default
};

class OpenAiRoutes {
 public:
  // `chat` may be null (a model without a chat template): chat endpoints then answer 400.
  OpenAiRoutes(engine::Engine& engine, const tokenizer::Tokenizer& tokenizer, const tokenizer::ChatTemplate* chat,
               RouteOptions options, Metrics& metrics, guard::Gatekeeper& guard, AuditWriter& audit,
               const PiiFilter& pii, const Watermarker& watermarker);

  boost::asio::awaitable<void> Handle(Exchange& exchange);

 private:
  // `grant`: the endpoint name roles grant.
  boost::asio::awaitable<void> Generate(Exchange& ex, api::Endpoint endpoint, const std::string& name, const char* grant,
                                        const guard::Identity& caller, RequestTrail& trail);
  boost::asio::awaitable<void> Answer(Exchange& ex, const std::string& name, const HttpResponse& response);
  // Records the outcome in the audit trail, then answers. A 2xx answer whose record could not be
  // made durable becomes a 503 when the trail is fail-closed.
  boost::asio::awaitable<void> Conclude(Exchange& ex, const std::string& name, RequestTrail& trail,
                                        const HttpResponse& response);
  // Appends to the audit trail; false (and counted) when the record is not durable.
  boost::asio::awaitable<bool> Record(const audit::AuditRecord& record);
  HttpResponse AuditQuery(const HttpRequest& req, const guard::Identity& caller, const guard::RolePolicy& role);
  // Every route but generation, answered without suspending.
  HttpResponse Respond(const HttpRequest& req, std::string& name, const guard::Identity* caller);
  HttpResponse Usage(const guard::Identity& caller);
  // POST /v1/watermark/detect: which tenant's key, if any, a text carries.
  HttpResponse DetectWatermark(const HttpRequest& req, const guard::Identity& caller);

  engine::Engine& engine_;
  const tokenizer::Tokenizer& tokenizer_;
  api::ModelContext model_;
  RouteOptions options_;
  Metrics& metrics_;
  guard::Gatekeeper& guard_;
  AuditWriter& audit_;
  const PiiFilter& pii_;
  const Watermarker& watermarker_;
  int64_t created_;
};

}  // namespace citadel::server
