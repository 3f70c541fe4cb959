#pragma once
// Embedding: a logits processor that adds delta to the green logits of the full row at every step,
// before temperature and truncation, so it biases every sampling setting (greedy included: the
// argmax moves to a green token whenever a green one is within delta of the best).

#include <memory>

#include "engine/logits_processor.h"
#include "watermark/keys.h"
#include "watermark/settings.h"

namespace citadel::watermark {

// One per request (engine::Request::processors). settings must pass Validate(); the caller checks
// them once when it loads its configuration. Allocates nothing per step.
std::unique_ptr<engine::LogitsProcessor> MakeProcessor(const TenantKey& key, const WatermarkSettings& settings);

}  // namespace citadel::watermark
