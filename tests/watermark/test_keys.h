#pragma once
// A fixed master secret for the watermark tests: every byte `fill`, so tests are reproducible.

#include <cstdint>
#include <vector>

#include "core/crypto.h"

namespace citadel::watermark::testing {

inline SecretKey FixedMaster(uint8_t fill) {
  const std::vector<uint8_t> bytes(kKeyBytes, fill);
  return SecretKey(bytes);
}

}  // namespace citadel::watermark::testing
