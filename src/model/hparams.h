#pragma once
// Hyper-parameters of a transformer as the GGUF file states them, with the architecture's
// conventions (RoPE ordering, biases, per-head norms) made explicit.

#include <cstdint>
#include <string>

#include "core/result.h"
#include "gguf/gguf_file.h"

namespace citadel::model {

struct HParams {
  std::string arch;
  int n_layer = 0;
  int n_embd = 0;
  int n_head = 0;
  int n_head_kv = 0;
  int head_dim = 0;   // key/value length per head
  int n_rot = 0;      // dimensions rotated by RoPE (the first n_rot of each head)
  int n_ff = 0;
  int n_vocab = 0;
  int n_ctx = 0;
  float rope_freq_base = 10000.0f;
  float rope_freq_scale = 1.0f;  // 1 / linear scaling factor
  float rms_norm_eps = 1e-5f;
  bool rope_neox = false;     // rotate (x[i], x[i + n_rot/2]) instead of (x[2i], x[2i+1])
  bool qkv_bias = false;      // qwen2
  bool qk_norm = false;       // qwen3: RMSNorm over each head of Q and K before RoPE

  int q_dim() const { return n_head * head_dim; }
  int kv_dim() const { return n_head_kv * head_dim; }
};

// Errors name the missing or inconsistent key; unsupported architectures list the supported ones.
Result<HParams> ReadHParams(const gguf::GgufFile& file);

}  // namespace citadel::model
