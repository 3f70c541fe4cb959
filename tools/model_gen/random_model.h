#pragma once
// Random-weight models in GGUF: the tensor set, names and metadata that Citadel and llama.cpp
// expect for llama, qwen2 and qwen3, with weights drawn from a seeded generator.

#include <filesystem>

#include "core/result.h"
#include "gguf/writer.h"
#include "model_gen/model_spec.h"

namespace citadel::tools {

// Tensor data is produced while the file is written, so real-sized models never sit in memory.
Result<gguf::GgufWriter> BuildRandomModel(const ModelSpec& spec);
Result<void> WriteRandomModel(const ModelSpec& spec, const std::filesystem::path& path);

// The type a matrix with rows of ne0 elements gets when `wanted` cannot hold such rows.
gguf::TensorType EffectiveWeightType(gguf::TensorType wanted, uint64_t ne0);

}  // namespace citadel::tools
