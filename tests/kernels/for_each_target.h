#pragma once
// Runs a test body once per Highway target the kernels were built for and the CPU supports.

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <cstdint>
#include <functional>

#include "kernels/dot.h"

namespace citadel::testing {

// EMU128, SSSE3, SSE4, AVX2, AVX3 on a recent x86; restores normal dispatch afterwards.
inline void ForEachTarget(const std::function<void()>& fn) {
  const auto targets = kernels::KernelTargets();
  ASSERT_FALSE(targets.empty());
  for (const int64_t target : targets) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    ASSERT_EQ(kernels::ActiveKernelTarget(), target) << "dispatch did not follow the test mock";
    fn();
  }
  hwy::SetSupportedTargetsForTest(0);
}

}  // namespace citadel::testing
