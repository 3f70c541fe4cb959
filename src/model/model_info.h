#pragma once
// What a GGUF file says about the model in it: architecture, size, hyper-parameters, tokenizer.
// Describing never rejects an architecture; loading (model/ architectures) does.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/result.h"
#include "gguf/gguf_file.h"

namespace citadel::model {

// Architectures Citadel can run.
std::span<const std::string_view> SupportedArchitectures();
bool IsSupportedArchitecture(std::string_view arch);

struct TypeUsage {
  uint64_t tensors = 0;
  uint64_t elements = 0;
  uint64_t bytes = 0;
};

struct ModelInfo {
  std::string architecture;
  bool supported = false;
  std::string name;
  uint32_t gguf_version = 0;
  uint64_t file_size = 0;
  uint64_t n_tensors = 0;
  uint64_t n_parameters = 0;
  uint64_t tensor_bytes = 0;
  std::map<std::string, TypeUsage> type_mix;  // by type name

  std::optional<int64_t> context_length, embedding_length, block_count, feed_forward_length;
  std::optional<int64_t> head_count, head_count_kv, key_length, value_length, rope_dimension_count;
  std::optional<double> rope_freq_base, rope_scaling_factor, rms_norm_eps;
  std::string rope_scaling_type;  // empty when the file names none

  std::string tokenizer_model;  // "llama" (SentencePiece), "gpt2" (byte-level BPE), ...
  std::string tokenizer_pre;
  uint64_t vocab_size = 0;
  bool has_chat_template = false;
  bool tied_output = false;  // no output.weight: the token embedding doubles as output matrix
};

// Errors only for a file without general.architecture or with a key of the wrong type.
Result<ModelInfo> Describe(const gguf::GgufFile& file);

}  // namespace citadel::model
