#pragma once
// The green list: which token ids are favoured after a given context, under a tenant key.
//
// Hashing every vocabulary entry with HMAC at every step would cost far more than a forward pass
// of a small model (150k HMACs ~ 100 ms). Instead the keyed, cryptographic part runs once per step:
//   seed  = SipHash-2-4(tenant PRF key, context)          (one call per generated token)
//   green = Mix(seed, t) < gamma * 2^64                    (per vocabulary entry, ~1 ns)
// Mix is the SplitMix64 finaliser of seed + (t + 1) * golden ratio: a bijection with full
// avalanche, so for a secret, uniformly distributed seed each decision is green with probability
// gamma, independently enough for the z-test (tests/watermark checks the fraction). Mix is not a
// PRF on its own: someone who learns the green list of one context may recover that context's
// seed, but seeds of other contexts stay behind SipHash and the key.
//
// Embedding (processor.h) and detection (detector.h) both call ContextSeed and compare Mix against
// GreenThreshold, so they agree bit for bit.

#include <cstdint>
#include <span>

#include "watermark/keys.h"
#include "watermark/settings.h"

namespace citadel::watermark {

// SipHash-2-4 of a sequence of 64-bit words (each word fed as 8 little-endian bytes).
uint64_t SipHash24(uint64_t k0, uint64_t k1, std::span<const uint64_t> words);

// The step seed for the context `window` (the h tokens before the one being chosen, oldest first;
// window.size() == settings.context_width). kPrevious hashes the whole window; kMinHash takes the
// minimum of the per-token hashes, so only the minimising token matters.
uint64_t ContextSeed(const TenantKey& key, Scheme scheme, std::span<const int32_t> window);

// gamma * 2^64, the bound IsGreen compares against. gamma must be in (0, 1).
uint64_t GreenThreshold(double gamma);

inline uint64_t Mix(uint64_t seed, uint32_t token) {
  uint64_t x = seed + (static_cast<uint64_t>(token) + 1) * 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline bool IsGreen(uint64_t seed, int32_t token, uint64_t threshold) {
  return Mix(seed, static_cast<uint32_t>(token)) < threshold;
}

// Adds delta to logits[t] for every green t (the whole row; -inf stays -inf). Branch-free so the
// compiler can keep the loop tight.
void AddGreenBias(std::span<float> logits, uint64_t seed, uint64_t threshold, float delta);

}  // namespace citadel::watermark
