#pragma once
// Counter-based random numbers (Philox4x32-10, Salmon et al., "Parallel random numbers: as easy
// as 1, 2, 3", SC'11). The output is a pure function of (key, counter): the sampler keys it with
// the request's seed and counts with the step index, so the draw for step k depends on (seed, k)
// only — never on which other requests share the batch, in what order the engine visits them, or
// how many draws an earlier step consumed.

#include <array>
#include <cstdint>

namespace citadel::engine {

using PhiloxCounter = std::array<uint32_t, 4>;
using PhiloxKey = std::array<uint32_t, 2>;

// Ten rounds of Philox4x32; matches the Random123 known-answer vectors.
PhiloxCounter Philox4x32(PhiloxCounter counter, PhiloxKey key);

// A uniform double in [0, 1) with 53 random bits for (seed, step, stream). stream separates
// sequences that share a seed, such as the choices of an n > 1 request.
double UniformForStep(uint64_t seed, uint64_t step, uint32_t stream = 0);

}  // namespace citadel::engine
