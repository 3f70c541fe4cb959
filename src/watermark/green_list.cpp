#include "watermark/green_list.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>

#include "core/check.h"

namespace citadel::watermark {
namespace {

inline uint64_t Rotl(uint64_t x, int b) { return (x << b) | (x >> (64 - b)); }

struct SipState {
  uint64_t v0, v1, v2, v3;
  void Round() {
    v0 += v1; v1 = Rotl(v1, 13); v1 ^= v0; v0 = Rotl(v0, 32);
    v2 += v3; v3 = Rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = Rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = Rotl(v1, 17); v1 ^= v2; v2 = Rotl(v2, 32);
  }
  void Absorb(uint64_t m) {
    v3 ^= m;
    Round();
    Round();
    v0 ^= m;
  }
};

}  // namespace

uint64_t SipHash24(uint64_t k0, uint64_t k1, std::span<const uint64_t> words) {
  SipState s{k0 ^ 0x736f6d6570736575ull, k1 ^ 0x646f72616e646f6dull, k0 ^ 0x6c7967656e657261ull,
             k1 ^ 0x7465646279746573ull};
  for (const uint64_t w : words) s.Absorb(w);
  // The message is a whole number of 8-byte words, so the final block holds only the length byte.
  s.Absorb(static_cast<uint64_t>(words.size() * 8 & 0xff) << 56);
  s.v2 ^= 0xff;
  for (int i = 0; i < 4; ++i) s.Round();
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

uint64_t ContextSeed(const TenantKey& key, Scheme scheme, std::span<const int32_t> window) {
  CITADEL_CHECK(!window.empty() && window.size() <= static_cast<size_t>(kMaxContextWidth));
  // The first word separates the schemes and window widths, so they never share a seed.
  std::array<uint64_t, kMaxContextWidth + 1> words{};
  words[0] = (scheme == Scheme::kPrevious ? 0x5052455600000000ull : 0x4d494e4800000000ull) | window.size();
  if (scheme == Scheme::kPrevious) {
    for (size_t i = 0; i < window.size(); ++i) words[i + 1] = static_cast<uint32_t>(window[i]);
    return SipHash24(key.prf_k0(), key.prf_k1(), std::span(words.data(), window.size() + 1));
  }
  uint64_t best = ~0ull;
  for (const int32_t t : window) {
    words[1] = static_cast<uint32_t>(t);
    best = std::min(best, SipHash24(key.prf_k0(), key.prf_k1(), std::span(words.data(), 2)));
  }
  return best;
}

uint64_t GreenThreshold(double gamma) {
  CITADEL_CHECK(gamma > 0.0 && gamma < 1.0);
  // gamma < 1, so the product is below 2^64 and converts exactly to its floor.
  return static_cast<uint64_t>(std::ldexp(gamma, 64));
}

void AddGreenBias(std::span<float> logits, uint64_t seed, uint64_t threshold, float delta) {
  // Green decisions are coin flips, so a branch (which g++ emits for `cond ? delta : 0`) would be
  // mispredicted a third of the time; select delta with a mask instead.
  const uint32_t delta_bits = std::bit_cast<uint32_t>(delta);
  float* row = logits.data();
  const uint32_t n = static_cast<uint32_t>(logits.size());
  for (uint32_t t = 0; t < n; ++t) {
    const uint32_t mask = 0u - static_cast<uint32_t>(Mix(seed, t) < threshold);
    row[t] += std::bit_cast<float>(delta_bits & mask);
  }
}

}  // namespace citadel::watermark
