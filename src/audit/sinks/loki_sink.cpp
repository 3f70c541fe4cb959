#include "audit/sinks/loki_sink.h"

#include <nlohmann/json.hpp>

#include <tuple>

#include "audit/sinks/http_post.h"

namespace citadel::audit::sinks {
namespace {

// Loki label names: [a-zA-Z_][a-zA-Z0-9_]*; names starting with "__" are reserved.
bool IsLabelName(std::string_view name) {
  if (name.empty() || name.substr(0, 2) == "__") return false;
  for (size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

class LokiSink final : public Sink {
 public:
  LokiSink(LokiSinkSettings settings, HttpUrl url, std::string name)
      : settings_(std::move(settings)), url_(std::move(url)), name_(std::move(name)) {}

  Result<void> Send(std::span<const StoredRecord> records) override {
    if (records.empty()) return Ok();
    HttpHeaders headers;
    if (!settings_.org_id.empty()) headers.emplace_back("X-Scope-OrgID", settings_.org_id);
    CITADEL_ASSIGN_OR_RETURN(
        const HttpResponse response,
        HttpPost(url_, "application/json", LokiPushBody(settings_, records), settings_.timeout, headers));
    // 204 is Loki's answer; any 2xx means the push was accepted.
    if (response.status < 200 || response.status > 299) return Err("{}", DescribeStatus(url_, response));
    return Ok();
  }
  const std::string& name() const override { return name_; }

 private:
  const LokiSinkSettings settings_;
  const HttpUrl url_;
  const std::string name_;
};

}  // namespace

std::string LokiPushBody(const LokiSinkSettings& settings, std::span<const StoredRecord> records) {
  // One stream per label set, entries in seq order within each (Loki wants them time-ordered per
  // stream, and the trail's times follow its seq closely).
  std::map<std::tuple<std::string, std::string>, nlohmann::json> streams;
  for (const StoredRecord& r : records) {
    const std::string kind(Name(r.record.kind));
    const std::string tenant = settings.tenant_label ? r.record.tenant : "";
    nlohmann::json& stream = streams[{kind, tenant}];
    if (stream.is_null()) {
      nlohmann::json labels = nlohmann::json::object();
      for (const auto& [k, v] : settings.labels) labels[k] = v;
      labels["app"] = "citadel";
      labels["kind"] = kind;
      if (!tenant.empty()) labels["tenant"] = tenant;
      stream = {{"stream", labels}, {"values", nlohmann::json::array()}};
    }
    // Nanoseconds as a decimal string, as the push API requires.
    stream["values"].push_back({std::to_string(r.record.time_ms * 1'000'000), SinkDocumentText(r)});
  }
  nlohmann::json body = {{"streams", nlohmann::json::array()}};
  for (auto& [key, stream] : streams) body["streams"].push_back(std::move(stream));
  return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::unique_ptr<Sink>> MakeLokiSink(const LokiSinkSettings& settings) {
  CITADEL_ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl(settings.url));
  constexpr std::string_view kPush = "/loki/api/v1/push";
  while (!url.target.empty() && url.target.back() == '/') url.target.pop_back();
  if (!url.target.ends_with(kPush)) url.target += kPush;  // a base URL or the full push URL
  for (const auto& [k, v] : settings.labels) {
    if (!IsLabelName(k)) return Err("loki label '{}': not a valid label name", k);
    if (k == "app" || k == "kind" || k == "tenant") return Err("loki label '{}' is set by citadel", k);
  }
  std::string name = settings.name.empty() ? "loki:" + settings.url : settings.name;
  return std::unique_ptr<Sink>(std::make_unique<LokiSink>(settings, std::move(url), std::move(name)));
}

}  // namespace citadel::audit::sinks
