#pragma once
// Randomized tests draw a fresh seed each run and print it on failure, so any failure can be
// replayed with CITADEL_TEST_SEED=<seed>.

#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

namespace citadel::testing {

// The seed for this test: CITADEL_TEST_SEED when set, a fresh random one otherwise.
uint64_t TestSeed();

// Adds "seed = N" to every failure message of the enclosing scope.
#define CITADEL_SEEDED_RNG(rng)                                                            \
  const uint64_t citadel_seed_ = ::citadel::testing::TestSeed();                          \
  SCOPED_TRACE(::testing::Message() << "seed = " << citadel_seed_                         \
                                    << " (replay with CITADEL_TEST_SEED=" << citadel_seed_ \
                                    << ")");                                              \
  std::mt19937_64 rng(citadel_seed_)

std::vector<float> RandomFloats(std::mt19937_64& rng, size_t n, float scale = 1.0f);

}  // namespace citadel::testing
