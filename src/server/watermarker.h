#pragma once
// The server's watermarking: which requests are watermarked and with whose key (a role's
// watermark_policy, the caller's tenant), and detection for POST /v1/watermark/detect.

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "engine/logits_processor.h"
#include "server/watermark_config.h"
#include "tokenizer/tokenizer.h"
#include "watermark/keys.h"

namespace citadel::server {

class Watermarker {
 public:
  // Off (no key file) or with the master key loaded.
  static Result<std::unique_ptr<Watermarker>> Create(const WatermarkConfig& config);

  struct Stamp {
    watermark::TenantKey key;
    watermark::WatermarkSettings settings;
    // One processor per engine request (each keeps its own scratch).
    std::unique_ptr<engine::LogitsProcessor> NewProcessor() const;
  };
  // The stamp for a caller of `tenant` holding a role with `role_policy` ("" = the default
  // policy), or nothing when that means no watermark.
  std::optional<Stamp> For(std::string_view role_policy, std::string_view tenant) const;

  // POST /v1/watermark/detect body -> response body, or an error message for a 400.
  Result<nlohmann::ordered_json> Detect(const nlohmann::json& request, const tokenizer::Tokenizer& tokenizer,
                                        const std::vector<std::string>& known_tenants) const;
  bool enabled() const { return keys_.has_value(); }

 private:
  Watermarker(WatermarkConfig config, std::optional<watermark::WatermarkKeys> keys)
      : config_(std::move(config)), keys_(std::move(keys)) {}
  WatermarkConfig config_;
  std::optional<watermark::WatermarkKeys> keys_;
};

}  // namespace citadel::server
