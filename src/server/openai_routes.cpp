#include "server/openai_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <random>

#include "api/chat_request.h"
#include "api/completion_request.h"
#include "api/prompt.h"
#include "api/responses.h"
#include "engine/engine.h"
#include "server/error_response.h"
#include "server/generation.h"
#include "server/metrics.h"
#include "server/response_formats.h"
#include "tokenizer/tokenizer.h"

namespace citadel::server {
namespace {

using ExchangePtr = std::shared_ptr<Exchange>;
constexpr int kSimpleChatMaxTokens = 256;

api::ResponseMeta Meta(const ServiceContext& context, std::string_view prefix) {
  std::random_device entropy;
  const uint64_t r = (static_cast<uint64_t>(entropy()) << 32) | entropy();
  return {.id = fmt::format("{}-{:016x}", prefix, r),
          .model = context.model_id,
          .created = static_cast<int64_t>(std::time(nullptr)),
          .system_fingerprint = "fp_citadel"};
}

bool IsJson(std::string_view content_type) {
  std::string lower(content_type.substr(0, content_type.find(';')));
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  lower.erase(std::remove(lower.begin(), lower.end(), ' '), lower.end());
  return lower == "application/json";
}

// The body as a JSON object, or nullopt after answering 415/400.
std::optional<api::Json> JsonBody(const ExchangePtr& ex) {
  const std::string_view type = ex->request().Header("Content-Type");
  if (!IsJson(type)) {
    ex->Respond(ErrorResponse({.status = 415,
                               .message = fmt::format("Unsupported Content-Type '{}': send application/json", type)}));
    return std::nullopt;
  }
  auto body = api::ParseBodyObject(ex->request().body);
  if (!body) {
    ex->Respond(ErrorResponse(api::InvalidRequest(body.error())));
    return std::nullopt;
  }
  return std::move(*body);
}

// Errors every generating endpoint checks before encoding: wrong model, an engine that failed.
bool Admissible(ServiceContext& context, const ExchangePtr& ex, const std::string& model) {
  if (model != context.model_id) {
    ex->Respond(ErrorResponse(api::ModelNotFound(model)));
    return false;
  }
  if (!context.engine.Stats().healthy) {
    ex->Respond(ErrorResponse({.status = 503, .message = "the inference engine has failed and is not serving",
                               .type = "server_error", .code = "service_unavailable", .retry_after_seconds = 5}));
    return false;
  }
  return true;
}

// n requests of the prompt; choice j draws with stream j so equal seeds still give n samples.
void AppendChoices(std::vector<engine::Request>& out, const std::vector<int32_t>& prompt,
                   const engine::SamplingParams& sampling, int n) {
  for (int j = 0; j < n; ++j) {
    engine::Request r;
    r.prompt = prompt;
    r.sampling = sampling;
    r.stream = static_cast<uint32_t>(j);
    out.push_back(std::move(r));
  }
}

Result<std::vector<int32_t>> EncodeMessages(ServiceContext& context, const api::Json& messages) {
  if (context.chat == nullptr) {
    return Err("messages: the model '{}' has no chat template; use /v1/completions", context.model_id);
  }
  return api::EncodeChat(*context.chat, context.tokenizer, messages, context.render_options());
}

// The body parsed by `parse` (ParseChatRequest, ParseCompletionRequest) for the served model and
// a working engine; nullopt after answering the error.
template <class Parse>
auto Admit(ServiceContext& context, const ExchangePtr& ex, Parse parse)
    -> std::optional<typename decltype(parse(api::Json(), 0))::value_type> {
  auto body = JsonBody(ex);
  if (!body) return std::nullopt;
  auto request = parse(*body, context.tokenizer.vocab_size());
  if (!request) {
    ex->Respond(ErrorResponse(api::InvalidRequest(request.error())));
    return std::nullopt;
  }
  if (!Admissible(context, ex, request->options.model)) return std::nullopt;
  return std::move(*request);
}

void ChatCompletions(ServiceContext& context, const ExchangePtr& ex) {
  auto request = Admit(context, ex, api::ParseChatRequest);
  if (!request) return;
  const api::GenerationOptions& o = request->options;
  auto prompt = EncodeMessages(context, request->messages);
  if (!prompt) return ex->Respond(ErrorResponse(api::InvalidRequest(prompt.error())));
  std::vector<engine::Request> requests;
  AppendChoices(requests, *prompt, o.sampling, o.n);
  Generate(context, ex, std::move(requests), o, "messages",
           ChatFormat(Meta(context, "chatcmpl"), context.tokenizer, o.sampling.logprobs, o.include_usage));
}

void Completions(ServiceContext& context, const ExchangePtr& ex) {
  auto request = Admit(context, ex, api::ParseCompletionRequest);
  if (!request) return;
  const api::GenerationOptions& o = request->options;
  std::vector<engine::Request> requests;
  std::vector<std::string> echo;
  for (const std::string& text : request->prompts) {
    auto prompt = api::EncodeText(context.tokenizer, text);
    if (!prompt) return ex->Respond(ErrorResponse(api::InvalidRequest(prompt.error())));
    AppendChoices(requests, *prompt, o.sampling, o.n);
    echo.insert(echo.end(), static_cast<size_t>(o.n), request->echo ? text : std::string());
  }
  Generate(context, ex, std::move(requests), o, "prompt",
           CompletionFormat(Meta(context, "cmpl"), context.tokenizer, o.sampling.logprobs, o.include_usage,
                            std::move(echo)));
}

// POST /chat {"prompt": "...", "max_tokens": 256} -> {"response": "..."}: one user turn, greedy
// unless "temperature" says otherwise.
void SimpleChat(ServiceContext& context, const ExchangePtr& ex) {
  auto body = JsonBody(ex);
  if (!body) return;
  auto parse = [&]() -> Result<api::GenerationOptions> {
    CITADEL_ASSIGN_OR_RETURN(auto prompt, api::OptionalString(*body, "prompt"));
    if (!prompt) return Err("prompt: you must provide a prompt string");
    api::Json with_model = *body;
    with_model["model"] = context.model_id;
    with_model["messages"] = api::Json::array({{{"role", "user"}, {"content", *prompt}}});
    if (!body->contains("max_tokens")) with_model["max_tokens"] = kSimpleChatMaxTokens;
    with_model.erase("stream");
    with_model.erase("n");
    CITADEL_ASSIGN_OR_RETURN(auto chat, api::ParseChatRequest(with_model, context.tokenizer.vocab_size()));
    return chat.options;
  };
  auto options = parse();
  if (!options) return ex->Respond(ErrorResponse(api::InvalidRequest(options.error())));
  if (!Admissible(context, ex, options->model)) return;
  const api::Json messages = api::Json::array({{{"role", "user"}, {"content", (*body)["prompt"]}}});
  auto prompt = EncodeMessages(context, messages);
  if (!prompt) return ex->Respond(ErrorResponse(api::InvalidRequest(prompt.error())));
  std::vector<engine::Request> requests;
  AppendChoices(requests, *prompt, options->sampling, 1);
  Generate(context, ex, std::move(requests), *options, "prompt", SimpleChatFormat(Meta(context, "chat")));
}

HttpResponse Json(int status, const api::Json& body) { return {.status = status, .body = api::Dump(body)}; }

}  // namespace

void AddRoutes(Router& router, ServiceContext& context) {
  ServiceContext* c = &context;
  router.Add("POST", "/v1/chat/completions", [c](const ExchangePtr& ex, const std::string&) { ChatCompletions(*c, ex); });
  router.Add("POST", "/v1/completions", [c](const ExchangePtr& ex, const std::string&) { Completions(*c, ex); });
  router.Add("POST", "/chat", [c](const ExchangePtr& ex, const std::string&) { SimpleChat(*c, ex); });
  router.Add("GET", "/v1/models", [c](const ExchangePtr& ex, const std::string&) {
    ex->Respond({.body = api::ModelsBody(c->model_id, c->created)});
  });
  router.Add("GET", "/v1/models/{id}", [c](const ExchangePtr& ex, const std::string& id) {
    if (id != c->model_id) return ex->Respond(ErrorResponse(api::ModelNotFound(id)));
    ex->Respond({.body = api::Dump(api::ModelObject(c->model_id, c->created))});
  });
  router.Add("GET", "/healthz", [](const ExchangePtr& ex, const std::string&) {
    ex->Respond(Json(200, {{"status", "ok"}}));
  });
  router.Add("GET", "/readyz", [c](const ExchangePtr& ex, const std::string&) {
    const bool healthy = c->engine.Stats().healthy;
    const bool ready = healthy && !c->draining;
    ex->Respond(Json(ready ? 200 : 503, {{"status", ready ? "ready" : c->draining ? "draining" : "engine failed"}}));
  });
  router.Add("GET", "/metrics", [c](const ExchangePtr& ex, const std::string&) {
    ex->Respond({.content_type = "text/plain; version=0.0.4; charset=utf-8",
                 .body = c->metrics.Render(c->engine.Stats())});
  });
}

}  // namespace citadel::server
