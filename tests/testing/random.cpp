#include "testing/random.h"

#include <cstdlib>
#include <string>

namespace citadel::testing {

uint64_t TestSeed() {
  if (const char* env = std::getenv("CITADEL_TEST_SEED")) return std::stoull(env);
  std::random_device device;
  return (static_cast<uint64_t>(device()) << 32) | device();
}

std::vector<float> RandomFloats(std::mt19937_64& rng, size_t n, float scale) {
  std::normal_distribution<float> dist(0.0f, scale);
  std::vector<float> out(n);
  for (auto& x : out) x = dist(rng);
  return out;
}

}  // namespace citadel::testing
