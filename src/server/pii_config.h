#pragma once
// The [pii] section of citadel.toml:
//   [pii]                      hash_key_file, default_policy
//   [pii.policies.NAME]        default = "redact", and one action per type label (PHONE = "placeholder")
//   [pii.detectors.NAME]       pattern = "ORD-[0-9]{8}"  or  phrases = [...], ignore_case = true

#include <toml++/toml.h>

#include "core/result.h"
#include "server/pii_filter.h"

namespace citadel::server {

// Errors are "pii.<path>: why".
Result<void> ReadPiiSection(const toml::table& table, PiiSettings& settings);

}  // namespace citadel::server
