#pragma once
// What the commands share: the one-line error convention (and, re-exported, the model's chat
// template and the date templates see).

#include <algorithm>
#include <cstdio>
#include <string>
#include <vector>

#include "core/result.h"
#include "gguf/gguf_file.h"
#include "jinja/template.h"
#include "tokenizer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace citadel::cli {

// Prints "citadel: <message>" on stderr and returns the exit code for a failed command.
inline int Fail(const std::string& message) {
  std::fprintf(stderr, "citadel: %s\n", message.c_str());
  return 1;
}

// The median of measurements (benchmarks quote medians); 0 for none.
inline double Median(std::vector<double> v) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  return v.size() % 2 == 1 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

using tokenizer::LoadChatTemplate;
using tokenizer::TodayRenderOptions;

}  // namespace citadel::cli
