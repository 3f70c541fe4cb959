#include "server/router.h"

#include <optional>

#include <fmt/format.h>

#include "server/error_response.h"
#include "server/metrics.h"

namespace citadel::server {
namespace {

// Counts the status of whichever answer the handler gives.
class MeteredExchange : public Exchange {
 public:
  MeteredExchange(std::shared_ptr<Exchange> inner, Metrics& metrics, std::string endpoint)
      : inner_(std::move(inner)), metrics_(metrics), endpoint_(std::move(endpoint)) {}
  const HttpRequest& request() const override { return inner_->request(); }
  void Respond(HttpResponse response) override {
    if (!inner_->ended()) metrics_.CountRequest(endpoint_, response.status);
    inner_->Respond(std::move(response));
  }
  void StartStream(int status, std::string content_type) override {
    if (!inner_->ended()) metrics_.CountRequest(endpoint_, status);
    inner_->StartStream(status, std::move(content_type));
  }
  void Write(std::string data) override { inner_->Write(std::move(data)); }
  void EndStream() override { inner_->EndStream(); }
  void OnClientGone(std::function<void()> callback) override { inner_->OnClientGone(std::move(callback)); }
  bool ended() const override { return inner_->ended(); }
  void Post(std::function<void()> task) override { inner_->Post(std::move(task)); }

 private:
  std::shared_ptr<Exchange> inner_;
  Metrics& metrics_;
  std::string endpoint_;
};

// The matched parameter, or nullopt when `path` does not match `pattern`.
std::optional<std::string> Match(const std::string& pattern, const std::string& path) {
  const size_t brace = pattern.find("/{");
  if (brace == std::string::npos) return pattern == path ? std::optional<std::string>("") : std::nullopt;
  const std::string prefix = pattern.substr(0, brace + 1);
  if (path.size() <= prefix.size() || path.compare(0, prefix.size(), prefix) != 0) return std::nullopt;
  return path.substr(prefix.size());
}

}  // namespace

void Router::Add(std::string method, std::string pattern, RouteHandler handler) {
  routes_.push_back({std::move(method), std::move(pattern), std::move(handler)});
}

void Router::Handle(const std::shared_ptr<Exchange>& exchange) const {
  const HttpRequest& request = exchange->request();
  std::string allow;
  for (const Route& route : routes_) {
    auto param = Match(route.pattern, request.path);
    if (!param) continue;
    if (route.method != request.method) {
      allow += allow.empty() ? route.method : fmt::format(", {}", route.method);
      continue;
    }
    route.handler(std::make_shared<MeteredExchange>(exchange, metrics_, route.pattern), *param);
    return;
  }
  const std::string what = fmt::format("{} {}", request.method, request.path);
  if (!allow.empty()) {
    HttpResponse response = ErrorResponse({.status = 405, .message = fmt::format("Method not allowed: {} (allowed: {})", what, allow)});
    response.headers.emplace_back("Allow", allow);
    metrics_.CountRequest("other", 405);
    return exchange->Respond(std::move(response));
  }
  metrics_.CountRequest("other", 404);
  exchange->Respond(ErrorResponse({.status = 404, .message = fmt::format("Invalid URL ({})", what)}));
}

}  // namespace citadel::server
