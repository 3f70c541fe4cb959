#include "server/openai_routes.h"

#include <fmt/format.h>

#include <atomic>
#include <ctime>
#include <map>
#include <random>

#include "api/responses.h"
#include "audit/iso_time.h"
#include "core/url_query.h"
#include "server/event_pipe.h"

namespace citadel::server {

namespace asio = boost::asio;
using api::Json;

namespace {

HttpResponse JsonResponse(int status, const Json& body) { return {status, "application/json", api::Dump(body), {}}; }

// Built by a function, not a braced initializer: g++ 12 mis-compiles aggregates initialized from
// string literals inside co_await expressions.
api::ApiError MakeError(int status, std::string message, std::string type, std::string param, std::string code) {
  return {status, std::move(message), std::move(type), std::move(param), std::move(code)};
}

HttpResponse MakeResponse(int status, std::string content_type, std::string body) {
  return {status, std::move(content_type), std::move(body), {}};
}

HttpResponse ErrorResponse(const api::ApiError& e) {
  HttpResponse r{e.status, "application/json", api::ErrorJson(e), {}};
  if (e.status == 429 || e.status == 503) r.headers.emplace_back("Retry-After", "1");
  return r;
}

std::string RandomId(const char* prefix) {
  thread_local std::mt19937_64 rng{std::random_device{}()};
  return fmt::format("{}{:016x}{:08x}", prefix, rng(), static_cast<uint32_t>(rng()));
}

double Seconds(engine::Clock::duration d) { return std::chrono::duration<double>(d).count(); }

// One choice of a generation (one engine request) as it accumulates.
struct ChoiceState {
  size_t index = 0;
  size_t prompt = 0;
  std::string text;
  std::vector<int32_t> tokens;
  std::vector<engine::SampledToken> logprobs;
  engine::Finish finish = engine::Finish::kNone;
  std::string error;
  engine::Usage usage;
  engine::Clock::time_point first{}, last{};
  std::optional<PiiSession::Output> pii;  // masks and restores what this choice sends
};

struct Route {
  const char* path;
  const char* method;
  std::optional<api::Endpoint> generation;
  const char* endpoint;  // the name roles grant (guard/authz); null: public, no credentials needed
};
// Namespace scope: g++ 12 cannot initialize a static array inside a coroutine.
const Route kRoutes[] = {{"/v1/chat/completions", "POST", api::Endpoint::kChat, "chat.completions"},
                         {"/v1/completions", "POST", api::Endpoint::kCompletion, "completions"},
                         {"/chat", "POST", api::Endpoint::kSimpleChat, "chat"},
                         {"/v1/models", "GET", std::nullopt, "models"},
                         {"/v1/models/{id}", "GET", std::nullopt, "models"},
                         {"/v1/usage", "GET", std::nullopt, "usage"},
                         {"/v1/audit", "GET", std::nullopt, "audit"},
                         {"/v1/watermark/detect", "POST", std::nullopt, "watermark.detect"},
                         {"/healthz", "GET", std::nullopt, nullptr},
                         {"/readyz", "GET", std::nullopt, nullptr},
                         {"/metrics", "GET", std::nullopt, nullptr}};

// The route for a request, or null with the 404/405 answer in `refusal`; `name` is its metrics label.
const Route* FindRoute(const HttpRequest& req, std::string& name, HttpResponse& refusal) {
  const bool model_path = req.path.rfind("/v1/models/", 0) == 0 && req.path.size() > std::string_view("/v1/models/").size();
  const std::string_view path = model_path ? std::string_view("/v1/models/{id}") : std::string_view(req.path);
  for (const Route& r : kRoutes) {
    if (path != r.path) continue;
    name = r.path;
    if (req.method != r.method) {
      refusal = ErrorResponse(MakeError(405, fmt::format("{} {} is not allowed; use {}", req.method, req.path, r.method),
                                        "invalid_request_error", {}, "method_not_allowed"));
      refusal.headers.emplace_back("Allow", r.method);
      return nullptr;
    }
    return &r;
  }
  name = "other";
  refusal = ErrorResponse(MakeError(404, fmt::format("no route for {} {}", req.method, req.path), "invalid_request_error",
                                    {}, "not_found"));
  return nullptr;
}

HttpResponse DenialResponse(const guard::Denial& d) {
  HttpResponse r = ErrorResponse(MakeError(d.status, d.message, d.type, {}, d.code));
  if (d.retry_after_seconds > 0) {
    std::erase_if(r.headers, [](const auto& h) { return h.first == "Retry-After"; });
    r.headers.emplace_back("Retry-After", std::to_string(d.retry_after_seconds));
  }
  if (d.status == 401) {
    // RFC 6750: the challenge names the scheme; a rejected credential adds error="invalid_token".
    r.headers.emplace_back("WWW-Authenticate", d.code == "missing_credentials" ? std::string("Bearer realm=\"citadel\"")
                                                                                : std::string("Bearer realm=\"citadel\", error=\"invalid_token\""));
  }
  return r;
}

Json LimitsJson(const guard::quota::Limits& l) {
  const auto value = [](int64_t v) -> Json { return v > 0 ? Json(v) : Json(nullptr); };
  return {{"requests_per_minute", value(l.requests_per_minute)}, {"tokens_per_minute", value(l.tokens_per_minute)},
          {"concurrent", value(l.concurrent)},                   {"tokens_per_day", value(l.tokens_per_day)},
          {"tokens_per_month", value(l.tokens_per_month)}};
}

}  // namespace

OpenAiRoutes::OpenAiRoutes(engine::Engine& engine, const tokenizer::Tokenizer& tokenizer,
                           const tokenizer::ChatTemplate* chat, RouteOptions options, Metrics& metrics,
                           guard::Gatekeeper& guard, AuditWriter& audit, const PiiFilter& pii,
                           const Watermarker& watermarker)
    : engine_(engine), tokenizer_(tokenizer), options_(std::move(options)), metrics_(metrics), guard_(guard), audit_(audit),
      pii_(pii), watermarker_(watermarker),
      created_(static_cast<int64_t>(std::time(nullptr))) {
  model_.id = options_.model_id;
  model_.tokenizer = &tokenizer;
  model_.chat = chat;
  model_.default_max_tokens = options_.default_max_tokens;
  model_.control_texts = api::ControlTokenTexts(tokenizer);
}

HttpResponse OpenAiRoutes::Respond(const HttpRequest& req, std::string& name, const guard::Identity* caller) {
  const std::string& path = req.path;
  if (name == "/v1/models/{id}") {
    const std::string id = path.substr(std::string_view("/v1/models/").size());
    if (id != model_.id) {
      return ErrorResponse(MakeError(404, fmt::format("The model '{}' does not exist", id), "invalid_request_error",
                                     "model", "model_not_found"));
    }
    return JsonResponse(200, api::ModelJson(model_.id, created_));
  }
  if (path == "/v1/models") return JsonResponse(200, api::ModelListJson(model_.id, created_));
  if (path == "/v1/usage") return Usage(*caller);
  if (path == "/healthz") return JsonResponse(200, {{"status", "ok"}});
  const engine::EngineStats s = engine_.Stats();
  if (path == "/readyz") {
    if (!s.healthy) return ErrorResponse(MakeError(503, "the engine is not healthy", "server_error", {}, "unhealthy"));
    Json ready = {{"status", "ready"}, {"model", model_.id}};
    if (!options_.warnings.empty()) ready["warnings"] = options_.warnings;
    return JsonResponse(200, ready);
  }
  metrics_.CountRequest(name, 200);  // counted before rendering, so the scrape sees itself
  name.clear();
  return MakeResponse(200, "text/plain; version=0.0.4; charset=utf-8", metrics_.Render(s));
}

HttpResponse OpenAiRoutes::DetectWatermark(const HttpRequest& req, const guard::Identity& caller) {
  const nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  if (body.is_discarded()) return ErrorResponse(api::InvalidRequest("the request body is not valid JSON"));
  std::vector<std::string> tenants = options_.tenants;
  tenants.push_back(caller.tenant);
  auto report = watermarker_.Detect(body, tokenizer_, tenants);
  if (!report) return ErrorResponse(api::InvalidRequest(report.error().message));
  return {200, "application/json", report->dump(), {}};
}

HttpResponse OpenAiRoutes::Usage(const guard::Identity& caller) {
  auto role = guard_.Authorize(caller, "usage", "");
  if (auto* denial = std::get_if<guard::Denial>(&role)) return DenialResponse(*denial);
  Json scopes = Json::array();
  for (const guard::quota::ScopeUsage& u : guard_.Usage(caller, std::get<guard::RolePolicy>(role))) {
    const auto remaining = [](int64_t limit, int64_t left) -> Json { return limit > 0 ? Json(left) : Json(nullptr); };
    scopes.push_back({{"scope", u.id},
                      {"limits", LimitsJson(u.limits)},
                      {"requests_this_minute_remaining", remaining(u.limits.requests_per_minute, u.requests_this_minute_remaining)},
                      {"tokens_this_minute_remaining", remaining(u.limits.tokens_per_minute, u.tokens_this_minute_remaining)},
                      {"in_flight", u.in_flight},
                      {"tokens_today", u.tokens_today},
                      {"tokens_this_month", u.tokens_this_month}});
  }
  return JsonResponse(200, {{"object", "usage"},
                            {"tenant", caller.tenant},
                            {"subject", caller.subject},
                            {"credential", caller.credential_id},
                            {"role", std::get<guard::RolePolicy>(role).name},
                            {"scopes", scopes}});
}

// Coroutines below keep every temporary out of co_await expressions: g++ 12 destroys some of them
// twice (a double free seen on /metrics), so responses and frames are named locals.
asio::awaitable<void> OpenAiRoutes::Answer(Exchange& ex, const std::string& name, const HttpResponse& response) {
  if (!name.empty()) metrics_.CountRequest(name, response.status);
  co_await ex.Respond(response);
}

// GET /v1/audit?tenant=&subject=&since=&until=&decision=&kind=&limit= (ISO 8601 UTC times).
// Auditors see their own tenant's records unless their role has audit_all_tenants.
HttpResponse OpenAiRoutes::AuditQuery(const HttpRequest& req, const guard::Identity& caller,
                                      const guard::RolePolicy& role) {
  if (!audit_.enabled()) {
    return ErrorResponse(MakeError(404, "this server keeps no audit trail ([audit] store)", "invalid_request_error", {},
                                   "audit_disabled"));
  }
  audit::QueryFilter filter;
  filter.limit = 100;
  const auto bad = [](const std::string& param, const std::string& why) {
    return ErrorResponse(MakeError(400, fmt::format("{}: {}", param, why), "invalid_request_error", param, "invalid_value"));
  };
  for (const auto& [key, value] : QueryParameters(req.target)) {
    if (key == "tenant") {
      filter.tenant = value;
    } else if (key == "subject") {
      filter.subject = value;
    } else if (key == "since" || key == "until") {
      auto ms = audit::ParseIsoUtcMs(value);
      if (!ms) return bad(key, ms.error().message);
      (key == "since" ? filter.since_ms : filter.until_ms) = *ms;
    } else if (key == "decision") {
      auto d = audit::ParseDecision(value);
      if (!d) return bad(key, d.error().message);
      filter.decision = *d;
    } else if (key == "kind") {
      auto k = audit::ParseEventKind(value);
      if (!k) return bad(key, k.error().message);
      filter.kind = *k;
    } else if (key == "limit") {
      char* end = nullptr;
      const long n = std::strtol(value.c_str(), &end, 10);
      if (end == value.c_str() || *end != '\0' || n < 1 || n > 1000) return bad(key, "must be 1..1000");
      filter.limit = n;
    } else {
      return bad(key, "unknown parameter (tenant, subject, since, until, decision, kind, limit)");
    }
  }
  if (!role.audit_all_tenants) {
    if (filter.tenant && *filter.tenant != caller.tenant) {
      return ErrorResponse(MakeError(403, fmt::format("role '{}' may read only its own tenant's records", role.name),
                                     "permission_error", "tenant", "permission_denied"));
    }
    filter.tenant = caller.tenant;
  }
  auto records = audit_.store()->Query(filter);
  if (!records) {
    return ErrorResponse(MakeError(503, "the audit trail cannot be read: " + records.error().message, "server_error", {},
                                   "audit_unavailable"));
  }
  Json data = Json::array();
  for (const audit::StoredRecord& r : *records) data.push_back(audit::ToJson(r));
  return JsonResponse(200, {{"object", "list"}, {"data", data}});
}

asio::awaitable<bool> OpenAiRoutes::Record(const audit::AuditRecord& record) {
  const bool durable = co_await audit_.Write(record);
  if (!durable) metrics_.CountAuditFailure();
  co_return durable;
}

asio::awaitable<void> OpenAiRoutes::Conclude(Exchange& ex, const std::string& name, RequestTrail& trail,
                                             const HttpResponse& response) {
  std::string reason;
  if (response.status >= 400) {
    const Json body = Json::parse(response.body, nullptr, false);
    if (body.is_object() && body.contains("error") && body["error"].is_object()) {
      const Json& e = body["error"];
      reason = fmt::format("{}: {}", e.value("code", Json(nullptr)).is_string() ? e["code"].get<std::string>() : "error",
                           e.value("message", ""));
    }
  }
  trail.Conclude(response.status, reason);
  const bool durable = co_await Record(trail.record);
  if (!durable && audit_.fail_closed() && response.status < 400) {
    const HttpResponse refused = ErrorResponse(MakeError(
        503, "the audit trail cannot record this request, so it is not served", "server_error", {}, "audit_unavailable"));
    co_await Answer(ex, name, refused);
    co_return;
  }
  HttpResponse tagged = response;
  tagged.headers.emplace_back("X-Request-Id", trail.record.request_id);
  co_await Answer(ex, name, tagged);
}

asio::awaitable<void> OpenAiRoutes::Handle(Exchange& ex) {
  const HttpRequest& req = ex.request();
  std::string name;
  HttpResponse refusal;
  const Route* route = FindRoute(req, name, refusal);
  if (route == nullptr) {
    co_await Answer(ex, name, refusal);
    co_return;
  }
  if (route->endpoint == nullptr) {
    const HttpResponse response = Respond(req, name, nullptr);
    co_await Answer(ex, name, response);
    co_return;
  }
  RequestTrail trail = RequestTrail::Begin(req, route->endpoint);
  const guard::RequestCredentials credentials{req.client_address, req.Header("authorization"), req.target};
  auto who = guard_.Authenticate(credentials);
  if (auto* denial = std::get_if<guard::Denial>(&who)) {
    const HttpResponse response = DenialResponse(*denial);
    co_await Conclude(ex, name, trail, response);
    co_return;
  }
  const guard::Identity& caller = std::get<guard::Identity>(who);
  trail.Identify(caller);
  if (route->generation) {
    co_await Generate(ex, *route->generation, name, route->endpoint, caller, trail);
    co_return;
  }
  auto role = guard_.Authorize(caller, route->endpoint, "");
  if (auto* denial = std::get_if<guard::Denial>(&role); denial != nullptr && name != "/v1/usage") {
    // Usage answers every caller about itself, whatever its roles.
    const HttpResponse response = DenialResponse(*denial);
    co_await Conclude(ex, name, trail, response);
    co_return;
  }
  const HttpResponse response = name == "/v1/audit"             ? AuditQuery(req, caller, std::get<guard::RolePolicy>(role))
                                : name == "/v1/watermark/detect" ? DetectWatermark(req, caller)
                                                                 : Respond(req, name, &caller);
  co_await Conclude(ex, name, trail, response);
}

asio::awaitable<void> OpenAiRoutes::Generate(Exchange& ex, api::Endpoint endpoint, const std::string& name,
                                             const char* grant, const guard::Identity& caller, RequestTrail& trail) {
  const HttpRequest& req = ex.request();
  if (const std::string_view type = req.Header("content-type"); !type.empty() && type.rfind("application/json", 0) != 0) {
    const HttpResponse r = ErrorResponse(MakeError(415, fmt::format("Content-Type must be application/json, not '{}'", type),
                                                   "invalid_request_error", {}, "unsupported_media_type"));
    co_await Conclude(ex, name, trail, r);
    co_return;
  }
  // The role decides the PII policy, so authorization comes before the body reaches the parser;
  // the model it names is read first (a body that is not JSON is the parser's to report).
  nlohmann::json body = nlohmann::json::parse(req.body, nullptr, false);
  const auto model_field = body.is_object() ? body.find("model") : body.end();
  const std::string requested_model =
      body.is_object() && model_field != body.end() && model_field->is_string() ? model_field->get<std::string>() : model_.id;
  auto role_verdict = guard_.Authorize(caller, grant, requested_model);
  if (auto* denial = std::get_if<guard::Denial>(&role_verdict)) {
    const HttpResponse r = DenialResponse(*denial);
    co_await Conclude(ex, name, trail, r);
    co_return;
  }
  std::unique_ptr<PiiSession> pii = pii_.Session(std::get<guard::RolePolicy>(role_verdict).pii_policy);
  std::string masked_body;
  if (pii != nullptr && !body.is_discarded()) {
    auto masked = pii->MaskRequest(body);
    trail.record.pii_findings = pii->findings();
    metrics_.CountPiiFindings(pii->findings());
    if (!masked) {
      const HttpResponse r = ErrorResponse(MakeError(400, masked.error().message, "invalid_request_error", {}, "pii_blocked"));
      co_await Conclude(ex, name, trail, r);
      co_return;
    }
    masked_body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  api::ParseResult parsed = api::ParseGenerationRequest(endpoint, pii != nullptr ? std::string_view(masked_body) : std::string_view(req.body), model_);
  if (auto* error = std::get_if<api::ApiError>(&parsed)) {
    const HttpResponse r = ErrorResponse(*error);
    co_await Conclude(ex, name, trail, r);
    co_return;
  }
  api::GenerationRequest& g = std::get<api::GenerationRequest>(parsed);
  const bool chat = endpoint != api::Endpoint::kCompletion;
  const guard::RolePolicy& role = std::get<guard::RolePolicy>(role_verdict);
  if (role.max_tokens > 0) {
    if (g.max_tokens_given && g.sampling.max_tokens && *g.sampling.max_tokens > role.max_tokens) {
      const HttpResponse r = ErrorResponse(MakeError(
          400, fmt::format("max_tokens {} is above the limit of {} for role '{}'", *g.sampling.max_tokens, role.max_tokens, role.name),
          "invalid_request_error", "max_tokens", "max_tokens_exceeded"));
      co_await Conclude(ex, name, trail, r);
      co_return;
    }
    g.sampling.max_tokens = std::min(g.sampling.max_tokens.value_or(role.max_tokens), role.max_tokens);
  }
  int64_t submitted_tokens = 0;
  for (const auto& p : g.prompts) submitted_tokens += static_cast<int64_t>(p.size());
  auto admission = guard_.Admit(caller, role, submitted_tokens);
  if (auto* denial = std::get_if<guard::Denial>(&admission)) {
    const HttpResponse r = DenialResponse(*denial);
    co_await Conclude(ex, name, trail, r);
    co_return;
  }
  guard::quota::Limiter::Ticket& ticket = std::get<guard::quota::Limiter::Ticket>(admission);
  trail.record.model = model_.id;
  trail.record.prompt_tokens = submitted_tokens;
  const std::optional<Watermarker::Stamp> stamp = watermarker_.For(role.watermark_policy, caller.tenant);
  if (stamp) trail.record.watermark_key_id = stamp->key.key_id();
  const ContentMode content = role.audit_policy.empty() ? audit_.default_content()
                                                        : ParseContentMode(role.audit_policy).value_or(ContentMode::kNone);
  std::string prompt_text;
  for (const std::string& t : g.prompt_texts) prompt_text += t;
  trail.record.prompt = audit_.Content(content, prompt_text);
  if (g.stream) {
    // A stream's 200 goes out before its tokens exist, so its record is made durable before any
    // work starts; a second record with the same request id closes it with the usage.
    RequestTrail opening = trail;
    opening.Conclude(200, "stream started");
    const bool durable = co_await Record(opening.record);
    if (!durable && audit_.fail_closed()) {
      const HttpResponse r = ErrorResponse(MakeError(
          503, "the audit trail cannot record this request, so it is not served", "server_error", {}, "audit_unavailable"));
      co_await Answer(ex, name, r);
      co_return;
    }
  }

  // One engine request per prompt and choice; they share one pipe.
  auto pipe = EventPipe::Create(ex.executor());
  std::map<engine::RequestId, ChoiceState> choices;
  const auto cancel_submitted = [&] {
    for (const auto& [submitted, state] : choices) engine_.Cancel(submitted);
  };
  // What the caller may see of a choice's text: PII in model output masked, placeholders restored.
  // A filter that fails withholds the text (fail closed) and fails the request.
  std::string filter_failure;
  const auto visible = [&](ChoiceState& c, const std::string& text, bool last) -> std::string {
    if (!c.pii) return text;
    auto fed = c.pii->Feed(text);
    auto tail = last && fed ? c.pii->Finish() : Result<std::string>(std::string());
    if (!fed || !tail) {
      filter_failure = "the PII filter failed: " + (fed ? tail.error().message : fed.error().message);
      return {};
    }
    return *fed + *tail;
  };
  const auto deadline = engine::Clock::now() + options_.request_timeout;
  const auto start = engine::Clock::now();
  for (size_t p = 0; p < g.prompts.size(); ++p) {
    for (int i = 0; i < g.n; ++i) {
      engine::Request r;
      r.prompt = g.prompts[p];
      r.sampling = g.sampling;
      r.stream = static_cast<uint32_t>(i);
      r.deadline = deadline;
      r.ignore_end_of_generation = g.ignore_eos;
      if (stamp) r.processors.push_back(stamp->NewProcessor());
      auto id = engine_.Submit(std::move(r), pipe->Sink());
      if (!id) {
        cancel_submitted();
        const HttpResponse r = ErrorResponse(api::FromEngineError(id.error()));
        co_await Conclude(ex, name, trail, r);
        co_return;
      }
      ChoiceState& state = choices[*id];
      state.index = p * static_cast<size_t>(g.n) + static_cast<size_t>(i);
      state.prompt = p;
      if (pii != nullptr) {
        auto output = pii->NewOutput();
        if (!output) {
          cancel_submitted();
          const HttpResponse r = ErrorResponse(MakeError(500, output.error().message, "server_error", {}, {}));
          co_await Conclude(ex, name, trail, r);
          co_return;
        }
        state.pii.emplace(std::move(*output));
      }
    }
  }
  const std::string id = RandomId(chat ? "chatcmpl-" : "cmpl-");
  const char* chunk_object = chat ? "chat.completion.chunk" : "text_completion";
  const auto cancel_all = [&] {
    for (const auto& [rid, state] : choices) {
      if (state.finish == engine::Finish::kNone) engine_.Cancel(rid);
    }
  };
  // A client that leaves cancels its choices at once, whether it waits for a whole answer or for
  // a stream's next tokens; their events then arrive as cancelled and are drained below.
  bool client_gone = false;
  ex.OnClientGone([&] {
    client_gone = true;
    cancel_all();
  });
  struct Unwatch {
    Exchange& ex;
    ~Unwatch() { ex.OnClientGone(nullptr); }
  } unwatch{ex};
  bool streaming = false;
  if (g.stream) {
    streaming = co_await ex.StartEvents();
    if (!streaming) {
      cancel_all();
      co_return;
    }
    metrics_.CountRequest(name, 200);
    if (chat) {
      for (const auto& [rid, c] : choices) {
        const Json delta = {{"role", "assistant"}, {"content", ""}};
        const std::string frame = "data: " + api::Dump(api::ChatChunkJson(id, created_, model_.id, c.index, delta, "", nullptr)) + "\n\n";
        if (!co_await ex.WriteEvent(frame)) {
          cancel_all();
          co_return;
        }
      }
    }
  }
  // text_offset: where `tokens` start in the choice's text (completions' legacy logprobs only).
  const auto logprobs_json = [&](std::span<const int32_t> tokens, std::span<const engine::SampledToken> lps,
                                 size_t text_offset) -> Json {
    if (!g.sampling.logprobs) return nullptr;
    return chat ? api::ChatLogprobsJson(tokenizer_, tokens, lps)
                : api::CompletionLogprobsJson(tokenizer_, tokens, lps, text_offset);
  };

  size_t done = 0;
  std::string failure;
  while (done < choices.size()) {
    engine::Event e = co_await pipe->Next();
    ticket.Charge(static_cast<int64_t>(e.tokens.size()));
    ChoiceState& c = choices.at(e.id);
    if (!e.tokens.empty() && c.first == engine::Clock::time_point{}) c.first = e.time;
    if (!e.tokens.empty()) c.last = e.time;
    const std::string finish =
        e.finish == engine::Finish::kStop || e.finish == engine::Finish::kLength ? std::string(engine::FinishName(e.finish))
        : e.finish == engine::Finish::kNone                                      ? std::string()
                                                                                 : std::string("stop");
    if (streaming && !client_gone && (!e.text.empty() || e.finish != engine::Finish::kNone || g.sampling.logprobs)) {
      const std::string echo = g.echo && c.text.empty() && c.tokens.empty() ? g.prompt_texts[c.prompt] : "";
      const Json lp = logprobs_json(e.tokens, e.logprobs, c.text.size());
      const std::string shown = visible(c, echo + e.text, e.finish != engine::Finish::kNone);
      const Json chunk =
          chat ? api::ChatChunkJson(id, created_, model_.id, c.index,
                                    shown.empty() ? Json::object() : Json{{"content", shown}}, finish, lp)
               : Json{{"id", id},
                      {"object", chunk_object},
                      {"created", created_},
                      {"model", model_.id},
                      {"choices", Json::array({api::CompletionChoiceJson(c.index, shown, finish, lp)})}};
      const std::string frame = "data: " + api::Dump(chunk) + "\n\n";
      if (!co_await ex.WriteEvent(frame)) {
        client_gone = true;
        cancel_all();  // the rest of the events still arrive (as cancelled) and are drained below
      }
    }
    c.text += e.text;
    c.tokens.insert(c.tokens.end(), e.tokens.begin(), e.tokens.end());
    c.logprobs.insert(c.logprobs.end(), e.logprobs.begin(), e.logprobs.end());
    if (e.finish != engine::Finish::kNone) {
      c.finish = e.finish;
      c.usage = e.usage;
      if (e.finish == engine::Finish::kError) failure = e.error;
      if (failure.empty() && !filter_failure.empty()) failure = filter_failure;
      ++done;
    }
  }

  int prompt_tokens = 0, completion_tokens = 0, cached = 0;
  std::vector<size_t> counted_prompts;
  for (const auto& [rid, c] : choices) {
    completion_tokens += c.usage.completion_tokens;
    if (std::find(counted_prompts.begin(), counted_prompts.end(), c.prompt) == counted_prompts.end()) {
      counted_prompts.push_back(c.prompt);
      prompt_tokens += c.usage.prompt_tokens;
      cached += c.usage.cached_prompt_tokens;
    }
    if (c.first != engine::Clock::time_point{}) {
      metrics_.ObserveTimeToFirstToken(Seconds(c.first - start));
      if (c.tokens.size() > 1) metrics_.ObserveTimePerOutputToken(Seconds(c.last - c.first) / static_cast<double>(c.tokens.size() - 1));
    }
  }
  metrics_.CountTokens(prompt_tokens, completion_tokens);
  const Json usage = api::UsageJson(prompt_tokens, completion_tokens, cached);
  trail.record.prompt_tokens = prompt_tokens;
  trail.record.cached_tokens = cached;
  trail.record.completion_tokens = completion_tokens;
  std::string response_text;
  for (const auto& [rid, c] : choices) response_text += c.text;
  trail.record.response = audit_.Content(content, response_text);
  if (streaming || client_gone) {
    // The closing record of a stream, or of a caller that left: nobody is waiting for an answer.
    trail.Conclude(200, !failure.empty() ? "generation failed: " + failure : client_gone ? "client disconnected" : "");
    if (!failure.empty() || client_gone) trail.record.decision = audit::Decision::kFailed;
    (void)co_await Record(trail.record);
  }
  if (streaming) {
    if (client_gone) co_return;
    std::string tail;
    if (!failure.empty()) {
      tail = "data: " + api::ErrorJson(MakeError(500, failure, "server_error", {}, {})) + "\n\n";
    } else if (g.include_usage) {
      tail = "data: " + api::Dump(api::UsageChunkJson(id, chunk_object, created_, model_.id, usage)) + "\n\n";
    }
    tail += "data: [DONE]\n\n";
    co_await ex.WriteEvent(tail);
    co_await ex.EndEvents();
    co_return;
  }
  if (client_gone) co_return;  // nobody to answer
  if (!failure.empty()) {
    const HttpResponse r = ErrorResponse(MakeError(500, failure, "server_error", {}, {}));
    co_await Conclude(ex, name, trail, r);
    co_return;
  }
  bool cancelled = false;
  for (const auto& [rid, c] : choices) cancelled = cancelled || c.finish == engine::Finish::kCancelled;
  if (cancelled) {
    const HttpResponse r = ErrorResponse(
        MakeError(503, "the request was cancelled (deadline passed or server stopping)", "server_error", {}, "cancelled"));
    co_await Conclude(ex, name, trail, r);
    co_return;
  }
  std::vector<Json> out(choices.size());
  std::string simple;
  for (auto& [rid, c] : choices) {
    const std::string finish(engine::FinishName(c.finish));
    const std::string echo = !chat && g.echo ? g.prompt_texts[c.prompt] : "";
    const Json lp = logprobs_json(c.tokens, c.logprobs, echo.size());
    std::string shown = visible(c, echo + c.text, true);
    if (!filter_failure.empty()) {
      const HttpResponse r = ErrorResponse(MakeError(500, filter_failure, "server_error", {}, {}));
      co_await Conclude(ex, name, trail, r);
      co_return;
    }
    if (c.index == 0) simple = shown;
    out[c.index] = chat ? api::ChatChoiceJson(c.index, shown, finish, lp)
                        : api::CompletionChoiceJson(c.index, shown, finish, lp);
  }
  const HttpResponse r = endpoint == api::Endpoint::kSimpleChat ? JsonResponse(200, {{"response", simple}})
                         : chat ? JsonResponse(200, api::ChatCompletionJson(id, created_, model_.id, out, usage))
                                : JsonResponse(200, api::CompletionJson(id, created_, model_.id, out, usage));
  co_await Conclude(ex, name, trail, r);
}

}  // namespace citadel::server
