#pragma once
// How a watermark is embedded and scored (Kirchenbauer et al. 2023, "A Watermark for Large Language
// Models"): at each step a keyed function of the previous h tokens splits the vocabulary into a
// green fraction gamma and a red rest, and delta is added to every green logit. Detection must use
// the same gamma, h and scheme as embedding; delta only matters for embedding.

#include <cstdint>
#include <string_view>

#include "core/result.h"

namespace citadel::watermark {

// Longest context window a green list may depend on: longer windows make the watermark easier to
// wash out with edits and buy nothing against the attacks it is meant for.
inline constexpr int kMaxContextWidth = 8;

enum class Scheme {
  // Seed = PRF(key, all h previous tokens): every edit inside the window changes the green list.
  kPrevious,
  // Seed = the minimum of PRF(key, token) over the h previous tokens: an edit changes the green
  // list only when it replaces (or undercuts) the minimising token, so h > 1 survives edits better.
  kMinHash,
};

struct WatermarkSettings {
  double gamma = 0.25;  // green fraction of the vocabulary, (0, 1)
  double delta = 2.0;   // added to green logits, [0, 20]
  int context_width = 1;  // h, previous tokens that seed the green list, [1, kMaxContextWidth]
  Scheme scheme = Scheme::kPrevious;

  // Names the field and its range on failure, e.g. "gamma: 1.5 is outside (0, 1)".
  Result<void> Validate() const;
};

// "previous" | "minhash".
Result<Scheme> ParseScheme(std::string_view name);
std::string_view SchemeName(Scheme scheme);

}  // namespace citadel::watermark
