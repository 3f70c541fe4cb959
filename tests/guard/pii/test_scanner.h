#pragma once
// The scanner every test builds: built-ins plus `config`, with a fixed "today" so birth-date
// checks do not depend on when the tests run.

#include <gtest/gtest.h>

#include "guard/pii/scanner.h"

namespace citadel::guard::pii::testgen {

inline constexpr int kTestToday = 20261125;

inline Scanner BuildScanner(ScannerConfig config = {}) {
  config.today_yyyymmdd = kTestToday;
  auto scanner = Scanner::Build(config);
  if (!scanner) ADD_FAILURE() << scanner.error().message;
  return std::move(scanner).value();
}

}  // namespace citadel::guard::pii::testgen
