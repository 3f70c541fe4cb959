#include "audit/sinks/elastic_sink.h"

#include <nlohmann/json.hpp>

#include "audit/iso_time.h"
#include "audit/sinks/http_post.h"

namespace citadel::audit::sinks {
namespace {

Result<void> CheckIndexName(std::string_view index) {
  if (index.empty() || index.size() > 255) return Err("elastic index '{}': empty or longer than 255 bytes", index);
  if (index == "." || index == ".." || index.front() == '-' || index.front() == '_' || index.front() == '+') {
    return Err("elastic index '{}': not a valid index name", index);
  }
  for (char c : index) {
    if ((c >= 'A' && c <= 'Z') || std::string_view("/\\*?\"<>| ,#:").find(c) != std::string_view::npos ||
        static_cast<unsigned char>(c) < 0x20) {
      return Err("elastic index '{}': must be lowercase without / \\ * ? \" < > | , # : or spaces", index);
    }
  }
  return Ok();
}

class ElasticSink final : public Sink {
 public:
  ElasticSink(ElasticSinkSettings settings, HttpUrl url, std::string name)
      : settings_(std::move(settings)), url_(std::move(url)), name_(std::move(name)) {}

  Result<void> Send(std::span<const StoredRecord> records) override {
    if (records.empty()) return Ok();
    CITADEL_ASSIGN_OR_RETURN(const HttpResponse response,
                             HttpPost(url_, "application/x-ndjson", ElasticBulkBody(records), settings_.timeout));
    if (response.status < 200 || response.status > 299) return Err("{}", DescribeStatus(url_, response));
    return CheckBulkResponse(response.body, records.size());
  }
  const std::string& name() const override { return name_; }

 private:
  const ElasticSinkSettings settings_;
  const HttpUrl url_;
  const std::string name_;
};

}  // namespace

std::string ElasticBulkBody(std::span<const StoredRecord> records) {
  std::string body;
  for (const StoredRecord& r : records) {
    const nlohmann::json action = {{"index", {{"_id", std::to_string(r.seq)}}}};
    nlohmann::ordered_json doc = SinkDocument(r);
    doc["@timestamp"] = FormatIsoUtcMs(r.record.time_ms);
    body += action.dump();
    body += '\n';
    body += doc.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    body += '\n';
  }
  return body;
}

Result<void> CheckBulkResponse(std::string_view body, size_t expected_items) {
  const auto parsed = nlohmann::json::parse(body, nullptr, false);
  if (parsed.is_discarded() || !parsed.is_object()) return Err("elastic _bulk: response is not a JSON object");
  const auto errors = parsed.find("errors");
  const auto items = parsed.find("items");
  if (errors == parsed.end() || !errors->is_boolean() || items == parsed.end() || !items->is_array()) {
    return Err("elastic _bulk: response lacks 'errors' or 'items'");
  }
  if (items->size() != expected_items) {
    return Err("elastic _bulk: {} items in the response for {} documents", items->size(), expected_items);
  }
  // Check every item even when errors=false: a proxy or an incompatible server must not make a
  // partial failure look like success.
  for (const auto& item : *items) {
    const auto action = item.is_object() && !item.empty() ? item.begin() : item.end();
    if (action == item.end() || !action->is_object() || !action->contains("status") ||
        !(*action)["status"].is_number_integer()) {
      return Err("elastic _bulk: malformed item in response");
    }
    const int status = (*action)["status"].get<int>();
    if (status < 200 || status > 299) {
      const std::string id = action->value("_id", std::string("?"));
      const auto error = action->find("error");
      const std::string reason = error != action->end() && error->is_object() ? error->value("reason", std::string()) : "";
      return Err("elastic _bulk: document {} rejected with status {}{}{}", id, status, reason.empty() ? "" : ": ",
                 OneLine(reason, 200));
    }
  }
  if (errors->get<bool>()) return Err("elastic _bulk: errors=true");
  return Ok();
}

Result<std::unique_ptr<Sink>> MakeElasticSink(const ElasticSinkSettings& settings) {
  CITADEL_RETURN_IF_ERROR(CheckIndexName(settings.index));
  CITADEL_ASSIGN_OR_RETURN(HttpUrl url, ParseHttpUrl(settings.url));
  while (!url.target.empty() && url.target.back() == '/') url.target.pop_back();
  url.target += "/" + settings.index + "/_bulk";
  std::string name = settings.name.empty() ? fmt::format("elastic:{}/{}", settings.url, settings.index) : settings.name;
  return std::unique_ptr<Sink>(std::make_unique<ElasticSink>(settings, std::move(url), std::move(name)));
}

}  // namespace citadel::audit::sinks
