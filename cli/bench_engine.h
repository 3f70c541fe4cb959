#pragma once
// `citadel bench --parallel` and `--prefix-cache`: the serving engine under concurrent streams (as
// llama.cpp's llama-batched-bench measures it) and time to first token with a cached prefix.

#include <string>
#include <vector>

namespace citadel::cli {

struct EngineBenchArgs {
  std::string model;
  int prompt_tokens = 128;
  int gen_tokens = 128;
  int threads = 0;
  int repetitions = 3;
  bool json = false;
  std::vector<int> parallel;  // stream counts
  int prefix_tokens = 0;      // > 0: the prefix-cache benchmark
  std::string kv_type = "f16";
};

// N requests of distinct random prompts, end-of-generation ignored, submitted at once, for each N.
int BenchParallel(const EngineBenchArgs& args);
// Time to first token of a request whose prefix is cached vs one whose prefix is not.
int BenchPrefixCache(const EngineBenchArgs& args);

}  // namespace citadel::cli
