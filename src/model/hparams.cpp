#include "model/hparams.h"

#include "model/model_info.h"

namespace citadel::model {
namespace {

Result<int> RequiredInt(const gguf::GgufFile& file, const std::string& key) {
  CITADEL_ASSIGN_OR_RETURN(const int64_t v, file.GetInteger(key));
  if (v <= 0 || v > (int64_t{1} << 30)) return Err("key '{}': {} is out of range", key, v);
  return static_cast<int>(v);
}

Result<int> OptionalInt(const gguf::GgufFile& file, const std::string& key, int fallback) {
  if (file.Find(key) == nullptr) return fallback;
  return RequiredInt(file, key);
}

Result<float> OptionalFloat(const gguf::GgufFile& file, const std::string& key, float fallback) {
  if (file.Find(key) == nullptr) return fallback;
  CITADEL_ASSIGN_OR_RETURN(const double v, file.GetFloat(key));
  return static_cast<float>(v);
}

}  // namespace

Result<HParams> ReadHParams(const gguf::GgufFile& file) {
  HParams h;
  CITADEL_ASSIGN_OR_RETURN(h.arch, file.Get<std::string>("general.architecture"));
  if (!IsSupportedArchitecture(h.arch)) {
    return Err("architecture '{}' is not supported (supported: {})", h.arch,
               fmt::join(SupportedArchitectures(), ", "));
  }
  const std::string a = h.arch + ".";
  CITADEL_ASSIGN_OR_RETURN(h.n_layer, RequiredInt(file, a + "block_count"));
  CITADEL_ASSIGN_OR_RETURN(h.n_embd, RequiredInt(file, a + "embedding_length"));
  CITADEL_ASSIGN_OR_RETURN(h.n_head, RequiredInt(file, a + "attention.head_count"));
  CITADEL_ASSIGN_OR_RETURN(h.n_head_kv, OptionalInt(file, a + "attention.head_count_kv", h.n_head));
  CITADEL_ASSIGN_OR_RETURN(h.n_ff, RequiredInt(file, a + "feed_forward_length"));
  CITADEL_ASSIGN_OR_RETURN(h.n_ctx, RequiredInt(file, a + "context_length"));
  if (h.n_embd % h.n_head != 0 && file.Find(a + "attention.key_length") == nullptr) {
    return Err("embedding {} is not divisible by {} heads and no key_length is given", h.n_embd, h.n_head);
  }
  CITADEL_ASSIGN_OR_RETURN(h.head_dim, OptionalInt(file, a + "attention.key_length", h.n_embd / h.n_head));
  CITADEL_ASSIGN_OR_RETURN(const int value_length, OptionalInt(file, a + "attention.value_length", h.head_dim));
  if (value_length != h.head_dim) return Err("key_length {} != value_length {} is not supported", h.head_dim, value_length);
  CITADEL_ASSIGN_OR_RETURN(h.n_rot, OptionalInt(file, a + "rope.dimension_count", h.head_dim));
  if (h.n_rot > h.head_dim || h.n_rot % 2 != 0) return Err("rope.dimension_count {} does not fit head dimension {}", h.n_rot, h.head_dim);
  if (h.n_head % h.n_head_kv != 0) return Err("{} heads is not a multiple of {} KV heads", h.n_head, h.n_head_kv);
  CITADEL_ASSIGN_OR_RETURN(h.rope_freq_base, OptionalFloat(file, a + "rope.freq_base", 10000.0f));
  CITADEL_ASSIGN_OR_RETURN(h.rms_norm_eps, OptionalFloat(file, a + "attention.layer_norm_rms_epsilon", 1e-5f));
  if (const auto* type = file.Find(a + "rope.scaling.type"); type != nullptr && type->AsString() != nullptr &&
                                                               *type->AsString() == "linear") {
    CITADEL_ASSIGN_OR_RETURN(const float factor, OptionalFloat(file, a + "rope.scaling.factor", 1.0f));
    if (factor <= 0) return Err("rope.scaling.factor {} must be positive", factor);
    h.rope_freq_scale = 1.0f / factor;
  } else if (type != nullptr && type->AsString() != nullptr && *type->AsString() != "none") {
    return Err("RoPE scaling '{}' is not supported (supported: none, linear)", *type->AsString());
  }
  h.rope_neox = h.arch == "qwen2" || h.arch == "qwen3";
  h.qkv_bias = h.arch == "qwen2";
  h.qk_norm = h.arch == "qwen3";
  return h;
}

}  // namespace citadel::model
