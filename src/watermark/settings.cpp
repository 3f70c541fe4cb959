#include "watermark/settings.h"

#include <cmath>

namespace citadel::watermark {

Result<void> WatermarkSettings::Validate() const {
  if (!(gamma > 0.0 && gamma < 1.0)) return Err("gamma: {} is outside (0, 1)", gamma);
  if (!(delta >= 0.0 && delta <= 20.0)) return Err("delta: {} is outside [0, 20]", delta);
  if (context_width < 1 || context_width > kMaxContextWidth) {
    return Err("context width h: {} is outside [1, {}]", context_width, kMaxContextWidth);
  }
  return Ok();
}

Result<Scheme> ParseScheme(std::string_view name) {
  if (name == "previous") return Scheme::kPrevious;
  if (name == "minhash") return Scheme::kMinHash;
  return Err("watermark scheme '{}' is not one of previous, minhash", name);
}

std::string_view SchemeName(Scheme scheme) {
  return scheme == Scheme::kPrevious ? "previous" : "minhash";
}

}  // namespace citadel::watermark
