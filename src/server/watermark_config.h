#pragma once
// The [watermark] section of citadel.toml:
//   [watermark]                 key_file (`citadel watermark keygen`), default_policy, threshold
//   [watermark.policies.NAME]   enabled, gamma, delta, context, scheme ("previous" | "minhash")
// Roles pick a policy with watermark_policy; roles without one use default_policy (or none).

#include <toml++/toml.h>

#include <map>
#include <string>

#include "core/result.h"
#include "watermark/settings.h"

namespace citadel::server {

struct WatermarkPolicy {
  bool enabled = true;
  watermark::WatermarkSettings settings;
};

struct WatermarkConfig {
  std::string key_file;        // "" = no watermarking
  std::string default_policy;  // for roles without watermark_policy; "" = none
  double threshold = 4.0;      // z-score from which detection names a tenant
  std::map<std::string, WatermarkPolicy, std::less<>> policies;
};

// Errors are "watermark.<path>: why".
Result<void> ReadWatermarkSection(const toml::table& table, WatermarkConfig& config);

}  // namespace citadel::server
