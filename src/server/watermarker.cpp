#include "server/watermarker.h"

#include <fmt/format.h>

#include <algorithm>

#include "watermark/detector.h"
#include "watermark/processor.h"

namespace citadel::server {

Result<std::unique_ptr<Watermarker>> Watermarker::Create(const WatermarkConfig& config) {
  std::optional<watermark::WatermarkKeys> keys;
  if (!config.key_file.empty()) {
    auto loaded = watermark::WatermarkKeys::Load(config.key_file);
    if (!loaded) return loaded.error().Wrap("watermark.key_file");
    keys.emplace(std::move(*loaded));
  }
  return std::unique_ptr<Watermarker>(new Watermarker(config, std::move(keys)));
}

std::unique_ptr<engine::LogitsProcessor> Watermarker::Stamp::NewProcessor() const {
  return watermark::MakeProcessor(key, settings);
}

std::optional<Watermarker::Stamp> Watermarker::For(std::string_view role_policy, std::string_view tenant) const {
  if (!keys_) return std::nullopt;
  const std::string_view name = role_policy.empty() ? std::string_view(config_.default_policy) : role_policy;
  const auto it = config_.policies.find(name);
  if (name.empty() || it == config_.policies.end() || !it->second.enabled) return std::nullopt;
  return Stamp{keys_->ForTenant(tenant), it->second.settings};
}

Result<nlohmann::ordered_json> Watermarker::Detect(const nlohmann::json& request, const tokenizer::Tokenizer& tokenizer,
                                                   const std::vector<std::string>& known_tenants) const {
  if (!keys_) return Err("this server has no watermark key ([watermark] key_file)");
  if (!request.is_object() || !request.contains("text") || !request["text"].is_string()) {
    return Err("'text' (a string) is required");
  }
  // The policy whose settings (gamma, context, scheme) the text was marked with: named, the
  // default, or the only one there is.
  std::string name = request.value("policy", config_.default_policy);
  if (name.empty() && config_.policies.size() == 1) name = config_.policies.begin()->first;
  const auto policy = config_.policies.find(name);
  if (policy == config_.policies.end()) {
    if (name.empty()) return Err("'policy' is required: this server has several watermark policies");
    return Err("'policy': no watermark policy '{}'", name);
  }
  std::vector<std::string> tenants = known_tenants;
  if (request.contains("tenants")) {
    if (!request["tenants"].is_array()) return Err("'tenants' must be an array of strings");
    tenants.clear();
    for (const auto& t : request["tenants"]) {
      if (!t.is_string()) return Err("'tenants' must be an array of strings");
      tenants.push_back(t.get<std::string>());
    }
  }
  if (tenants.empty()) return Err("no tenants to test: give 'tenants'");
  if (tenants.size() > 10000) return Err("'tenants': at most 10000");
  std::sort(tenants.begin(), tenants.end());
  tenants.erase(std::unique(tenants.begin(), tenants.end()), tenants.end());
  double threshold = config_.threshold;
  if (request.contains("threshold")) {
    if (!request["threshold"].is_number() || request["threshold"].get<double>() <= 0) return Err("'threshold' must be a positive number");
    threshold = request["threshold"].get<double>();
  }
  tokenizer::EncodeOptions options;
  options.add_special = false;
  auto tokens = tokenizer.Encode(request["text"].get<std::string>(), options);
  if (!tokens) return Err("the text cannot be tokenized: {}", tokens.error().message);
  std::vector<watermark::TenantKey> keys;
  keys.reserve(tenants.size());
  for (const std::string& t : tenants) keys.push_back(keys_->ForTenant(t));
  const watermark::DetectionReport report = watermark::Detect(*tokens, keys, policy->second.settings, threshold);
  nlohmann::ordered_json scores = nlohmann::ordered_json::array();
  for (const watermark::KeyScore& s : report.scores) {
    scores.push_back({{"tenant", s.tenant}, {"key_id", s.key_id}, {"scored_tokens", s.scored}, {"green_tokens", s.green},
                      {"z", s.z}, {"p_value", s.p_value}});
  }
  return nlohmann::ordered_json{
      {"object", "watermark.detection"},
      {"tokens", report.tokens},
      {"scored_tokens", report.scored},
      {"repeated_ngrams", report.repeated},
      {"threshold", threshold},
      {"p_threshold", report.p_threshold},
      {"watermarked", report.watermarked()},
      {"tenant", report.best ? nlohmann::ordered_json(report.scores[*report.best].tenant) : nlohmann::ordered_json(nullptr)},
      {"verdict", report.Verdict()},
      {"scores", scores}};
}

}  // namespace citadel::server
