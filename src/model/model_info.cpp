#include "model/model_info.h"

#include <array>

namespace citadel::model {
namespace {

constexpr std::array<std::string_view, 3> kSupported = {"llama", "qwen2", "qwen3"};

// An optional integer hyper-parameter: absent is fine, present with a non-integer type is not.
Result<std::optional<int64_t>> OptionalInteger(const gguf::GgufFile& file, const std::string& key) {
  if (file.Find(key) == nullptr) return std::optional<int64_t>();
  CITADEL_ASSIGN_OR_RETURN(int64_t v, file.GetInteger(key));
  return std::optional<int64_t>(v);
}

Result<std::optional<double>> OptionalFloat(const gguf::GgufFile& file, const std::string& key) {
  if (file.Find(key) == nullptr) return std::optional<double>();
  CITADEL_ASSIGN_OR_RETURN(double v, file.GetFloat(key));
  return std::optional<double>(v);
}

std::string OptionalString(const gguf::GgufFile& file, std::string_view key) {
  const gguf::Value* v = file.Find(key);
  const std::string* s = v != nullptr ? v->AsString() : nullptr;
  return s != nullptr ? *s : std::string();
}

}  // namespace

std::span<const std::string_view> SupportedArchitectures() { return kSupported; }

bool IsSupportedArchitecture(std::string_view arch) {
  for (auto a : kSupported) {
    if (a == arch) return true;
  }
  return false;
}

Result<ModelInfo> Describe(const gguf::GgufFile& file) {
  ModelInfo info;
  CITADEL_ASSIGN_OR_RETURN(info.architecture, file.Get<std::string>("general.architecture"));
  info.supported = IsSupportedArchitecture(info.architecture);
  info.name = OptionalString(file, "general.name");
  info.gguf_version = file.version();
  info.file_size = file.file_size();
  info.n_tensors = file.tensors().size();
  for (const auto& t : file.tensors()) {
    info.n_parameters += t.n_elements;
    info.tensor_bytes += t.n_bytes;
    auto& usage = info.type_mix[std::string(gguf::Name(t.type))];
    ++usage.tensors;
    usage.elements += t.n_elements;
    usage.bytes += t.n_bytes;
  }

  const std::string a = info.architecture + ".";
  CITADEL_ASSIGN_OR_RETURN(info.context_length, OptionalInteger(file, a + "context_length"));
  CITADEL_ASSIGN_OR_RETURN(info.embedding_length, OptionalInteger(file, a + "embedding_length"));
  CITADEL_ASSIGN_OR_RETURN(info.block_count, OptionalInteger(file, a + "block_count"));
  CITADEL_ASSIGN_OR_RETURN(info.feed_forward_length, OptionalInteger(file, a + "feed_forward_length"));
  CITADEL_ASSIGN_OR_RETURN(info.head_count, OptionalInteger(file, a + "attention.head_count"));
  CITADEL_ASSIGN_OR_RETURN(info.head_count_kv, OptionalInteger(file, a + "attention.head_count_kv"));
  CITADEL_ASSIGN_OR_RETURN(info.key_length, OptionalInteger(file, a + "attention.key_length"));
  CITADEL_ASSIGN_OR_RETURN(info.value_length, OptionalInteger(file, a + "attention.value_length"));
  CITADEL_ASSIGN_OR_RETURN(info.rope_dimension_count, OptionalInteger(file, a + "rope.dimension_count"));
  CITADEL_ASSIGN_OR_RETURN(info.rope_freq_base, OptionalFloat(file, a + "rope.freq_base"));
  CITADEL_ASSIGN_OR_RETURN(info.rope_scaling_factor, OptionalFloat(file, a + "rope.scaling.factor"));
  CITADEL_ASSIGN_OR_RETURN(info.rms_norm_eps, OptionalFloat(file, a + "attention.layer_norm_rms_epsilon"));
  info.rope_scaling_type = OptionalString(file, a + "rope.scaling.type");

  info.tokenizer_model = OptionalString(file, "tokenizer.ggml.model");
  info.tokenizer_pre = OptionalString(file, "tokenizer.ggml.pre");
  if (const gguf::Value* tokens = file.Find("tokenizer.ggml.tokens"); tokens != nullptr && tokens->AsArray()) {
    info.vocab_size = tokens->AsArray()->size();
  }
  info.has_chat_template = file.Find("tokenizer.chat_template") != nullptr;
  info.tied_output = file.FindTensor("output.weight") == nullptr && file.FindTensor("token_embd.weight") != nullptr;
  return info;
}

}  // namespace citadel::model
