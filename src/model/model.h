#pragma once
// A loaded model: the mapped GGUF file, its hyper-parameters, weight views into the mapping and
// copies of some matrices repacked at load for faster kernels (packed_weights.h).
// Immutable after Load, so one Model serves every sequence and thread.

#include <filesystem>
#include <memory>

#include "core/result.h"
#include "gguf/gguf_file.h"
#include "model/hparams.h"
#include "model/packed_weights.h"
#include "model/weights.h"

namespace citadel::model {

class Model {
 public:
  static Result<Model> Load(const std::filesystem::path& path);
  static Result<Model> FromFile(gguf::GgufFile file);

  const gguf::GgufFile& file() const { return *file_; }
  const HParams& hparams() const { return hparams_; }
  const Weights& weights() const { return weights_; }
  // Bytes of weights repacked at load for faster kernels (held in memory besides the mapped file).
  size_t packed_bytes() const { return packed_.bytes(); }

 private:
  Model(std::unique_ptr<gguf::GgufFile> file, HParams hparams, Weights weights, PackedWeights packed)
      : file_(std::move(file)), hparams_(std::move(hparams)), weights_(std::move(weights)), packed_(std::move(packed)) {}

  std::unique_ptr<gguf::GgufFile> file_;  // heap-held so weight views survive moving the Model
  HParams hparams_;
  Weights weights_;
  PackedWeights packed_;  // owns what weights_' `packed` views point at
};

}  // namespace citadel::model
