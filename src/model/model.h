#pragma once
// A loaded model: the mapped GGUF file, its hyper-parameters and weight views into the mapping.
// Immutable after Load, so one Model serves every sequence and thread.

#include <filesystem>
#include <memory>

#include "core/result.h"
#include "gguf/gguf_file.h"
#include "model/hparams.h"
#include "model/weights.h"

namespace citadel::model {

class Model {
 public:
  static Result<Model> Load(const std::filesystem::path& path);
  static Result<Model> FromFile(gguf::GgufFile file);

  const gguf::GgufFile& file() const { return *file_; }
  const HParams& hparams() const { return hparams_; }
  const Weights& weights() const { return weights_; }

 private:
  Model(std::unique_ptr<gguf::GgufFile> file, HParams hparams, Weights weights)
      : file_(std::move(file)), hparams_(std::move(hparams)), weights_(std::move(weights)) {}

  std::unique_ptr<gguf::GgufFile> file_;  // heap-held so weight views survive moving the Model
  HParams hparams_;
  Weights weights_;
};

}  // namespace citadel::model
