#include "server/generation.h"

#include <fmt/format.h>

#include <chrono>

#include "server/error_response.h"
#include "server/metrics.h"
#include "server/sse.h"

namespace citadel::server {
namespace {

using Seconds = std::chrono::duration<double>;

// One request in flight: its choices' engine ids and what they produced so far.
class Generation : public std::enable_shared_from_this<Generation> {
 public:
  Generation(ServiceContext& context, std::shared_ptr<Exchange> exchange, const api::GenerationOptions& options,
             std::unique_ptr<ResponseFormat> format, size_t choices)
      : context_(context),
        exchange_(std::move(exchange)),
        stream_(options.stream),
        include_usage_(options.include_usage),
        format_(std::move(format)),
        choices_(choices),
        progress_(choices) {
    ++context_.in_flight;
  }
  ~Generation() { --context_.in_flight; }

  // Submits every choice; on a rejection cancels those already queued and answers the error.
  void Start(std::vector<engine::Request> requests, std::string_view prompt_param) {
    submitted_ = Clock::now();
    for (size_t i = 0; i < requests.size(); ++i) {
      auto self = shared_from_this();
      auto id = context_.engine.Submit(std::move(requests[i]), [self, i](engine::Event&& event) {
        self->exchange_->Post([self, i, event = std::move(event)]() mutable { self->OnEvent(i, std::move(event)); });
      });
      if (!id) {
        failed_ = true;
        Cancel();
        exchange_->Respond(ErrorResponse(api::FromEngineRejection(id.error(), prompt_param)));
        return;
      }
      ids_.push_back(*id);
      ++running_;
    }
    exchange_->OnClientGone([weak = weak_from_this()] {
      if (auto self = weak.lock(); self && self->running_ > 0) {
        self->context_.metrics.CountCancelledByClient();
        self->Cancel();
      }
    });
    if (stream_) exchange_->StartStream(200, "text/event-stream");
  }

  // Every choice finishes (kCancelled) at the engine's next step.
  void Cancel() {
    for (engine::RequestId id : ids_) context_.engine.Cancel(id);
  }

 private:
  using Clock = engine::Clock;

  struct Progress {
    bool started = false;
    Clock::time_point first_token;
  };

  void OnEvent(size_t i, engine::Event event) {
    if (failed_) return;  // a rejected request's already-queued choices report their cancellation
    Progress& p = progress_[i];
    api::Choice& choice = choices_[i];
    if (!event.tokens.empty() && p.first_token == Clock::time_point{}) p.first_token = event.time;
    if (stream_ && !exchange_->ended()) {
      const bool usable = event.finish != engine::Finish::kCancelled && event.finish != engine::Finish::kError;
      if (usable) {
        for (const std::string& chunk : format_->Chunks(static_cast<int>(i), !p.started, event)) {
          exchange_->Write(SseEvent(chunk));
        }
        p.started = true;
      }
    } else {
      choice.text += event.text;
      choice.logprobs.insert(choice.logprobs.end(), event.logprobs.begin(), event.logprobs.end());
    }
    if (event.finish == engine::Finish::kNone) return;
    choice.finish = event.finish;
    if (event.finish == engine::Finish::kError && error_.empty()) error_ = event.error;
    Observe(p, event);
    api::AddUsage(usage_, event.usage);
    if (--running_ == 0) Finish();
  }

  void Observe(const Progress& p, const engine::Event& last) {
    Metrics& m = context_.metrics;
    m.CountUsage(last.usage);
    if (p.first_token == Clock::time_point{}) return;
    m.ObserveTimeToFirstToken(Seconds(p.first_token - submitted_).count());
    if (last.usage.completion_tokens > 1) {
      m.ObserveTimePerOutputToken(Seconds(last.time - p.first_token).count() / (last.usage.completion_tokens - 1));
    }
  }

  // The answer once every choice has finished.
  void Finish() {
    if (exchange_->ended()) return;  // the client left
    const api::ApiError* failure = nullptr;
    api::ApiError error;
    for (const api::Choice& c : choices_) {
      if (c.finish == engine::Finish::kError) {
        error = {.status = 500, .message = fmt::format("generation failed: {}", error_), .type = "server_error"};
        failure = &error;
        break;
      }
      if (c.finish == engine::Finish::kCancelled) {
        error = {.status = 503, .message = "the generation was cancelled (server shutting down)",
                 .type = "server_error", .code = "service_unavailable"};
        failure = &error;
      }
    }
    if (!stream_) {
      return exchange_->Respond(failure ? ErrorResponse(*failure) : HttpResponse{.body = format_->Body(choices_, usage_)});
    }
    if (failure) {
      exchange_->Write(SseEvent(api::ErrorBody(*failure)));  // the SDKs raise an APIError on it
    } else {
      if (include_usage_) exchange_->Write(SseEvent(api::UsageChunk(format_->meta(), format_->chunk_object(), usage_)));
      exchange_->Write(std::string(kSseDone));
    }
    exchange_->EndStream();
  }

  ServiceContext& context_;
  std::shared_ptr<Exchange> exchange_;
  const bool stream_, include_usage_;
  std::unique_ptr<ResponseFormat> format_;
  std::vector<api::Choice> choices_;
  std::vector<Progress> progress_;
  std::vector<engine::RequestId> ids_;
  engine::Usage usage_;
  std::string error_;
  Clock::time_point submitted_;
  int running_ = 0;
  bool failed_ = false;
};

}  // namespace

void Generate(ServiceContext& context, const std::shared_ptr<Exchange>& exchange, std::vector<engine::Request> requests,
              const api::GenerationOptions& options, std::string_view prompt_param,
              std::unique_ptr<ResponseFormat> format) {
  if (context.draining) {
    return exchange->Respond(ErrorResponse({.status = 503, .message = "the server is shutting down",
                                            .type = "server_error", .code = "service_unavailable",
                                            .retry_after_seconds = 1}));
  }
  const size_t n = requests.size();
  auto generation = std::make_shared<Generation>(context, exchange, options, std::move(format), n);
  generation->Start(std::move(requests), prompt_param);
}

}  // namespace citadel::server
