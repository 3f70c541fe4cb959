#pragma once
// The tensors of a llama-family transformer, bound by name to views into the mapped GGUF file
// (zero-copy) after checking every shape against the hyper-parameters.

#include <cstdint>
#include <span>
#include <vector>

#include "core/result.h"
#include "gguf/gguf_file.h"
#include "model/hparams.h"

namespace citadel::model {

struct TensorRef {
  const gguf::TensorInfo* info = nullptr;
  std::span<const std::byte> data;
  std::span<const std::byte> packed;  // optional load-time repack of `data` (model/packed_weights.h)

  explicit operator bool() const { return info != nullptr; }
  gguf::TensorType type() const { return info->type; }
  int64_t cols() const { return static_cast<int64_t>(info->shape[0]); }  // elements per row
  int64_t rows() const { return info->shape.size() > 1 ? static_cast<int64_t>(info->shape[1]) : 1; }
  std::span<const std::byte> Row(int64_t r) const {
    const size_t row_bytes = data.size() / static_cast<size_t>(rows());
    return data.subspan(static_cast<size_t>(r) * row_bytes, row_bytes);
  }
};

struct LayerWeights {
  TensorRef attn_norm, wq, wk, wv, wo;
  TensorRef bq, bk, bv;          // qwen2
  TensorRef q_norm, k_norm;      // qwen3
  TensorRef ffn_norm, ffn_gate, ffn_up, ffn_down;
};

struct Weights {
  TensorRef token_embd, output_norm, output;  // output is token_embd when tied
  std::vector<LayerWeights> layers;
};

// Errors name the tensor and what is wrong with it ("tensor 'blk.3.attn_k.weight': shape [64, 96],
// expected [64, 128]"); sets hparams.n_vocab from the embedding.
Result<Weights> BindWeights(const gguf::GgufFile& file, HParams& hparams);

}  // namespace citadel::model
