#pragma once
// What the generator writes: an architecture, its shape, the tensor type mix and where the
// tokenizer comes from. Presets name real shapes so benchmarks can load a model of true size
// without real weights.

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "gguf/tensor_type.h"

namespace citadel::tools {

struct ModelSpec {
  std::string arch = "llama";  // llama | qwen2 | qwen3
  std::string name = "citadel-random";
  uint32_t n_layer = 2;
  uint32_t n_embd = 64;
  uint32_t n_head = 4;
  uint32_t n_head_kv = 2;
  uint32_t head_dim = 0;  // 0: n_embd / n_head
  uint32_t n_ff = 128;
  uint32_t n_vocab = 512;
  uint32_t n_ctx = 2048;
  float rope_freq_base = 10000.0f;
  float rms_norm_eps = 1e-5f;
  bool tied_output = true;
  // Type of the 2-D weight matrices; the token embedding uses the same unless embd_type is set.
  // A matrix whose rows are not a whole number of blocks falls back to Q8_0, then F16, as
  // llama.cpp's quantizer does.
  gguf::TensorType weight_type = gguf::TensorType::kQ8_0;
  std::optional<gguf::TensorType> embd_type;
  uint64_t seed = 1;
  // GGUF whose tokenizer.* keys are copied (n_vocab then follows its vocabulary); when empty a
  // byte-level BPE vocabulary of n_vocab tokens is generated.
  std::filesystem::path tokenizer_from;

  uint32_t HeadDim() const { return head_dim != 0 ? head_dim : n_embd / n_head; }
};

// Checks the shape is one a transformer of this architecture can have.
Result<void> Validate(const ModelSpec& spec);

// Named shapes: tiny, demo, qwen3-0.6b, qwen2.5-0.5b, llama3.2-1b, llama3-8b, llama2-7b, tinyllama-1.1b.
Result<ModelSpec> PresetSpec(std::string_view preset, std::string_view arch);
std::vector<std::string_view> PresetNames();

}  // namespace citadel::tools
