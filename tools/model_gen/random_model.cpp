#include "model_gen/random_model.h"

#include <cmath>
#include <cstring>
#include <random>
#include <string_view>

#include "gguf/gguf_file.h"
#include "model_gen/byte_bpe_vocab.h"
#include "quant/quant.h"

namespace citadel::tools {
namespace {

using gguf::TensorType;

constexpr std::string_view kChatMlTemplate =
    "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\n' + message['content'] + "
    "'<|im_end|>' + '\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}";

// llama.cpp's general.file_type for a model whose matrices are mostly of this type.
uint32_t FileType(TensorType type) {
  switch (type) {
    case TensorType::kF32: return 0;
    case TensorType::kF16: return 1;
    case TensorType::kQ4_0: return 2;
    case TensorType::kQ4_1: return 3;
    case TensorType::kQ8_0: return 7;
    case TensorType::kQ5_0: return 8;
    case TensorType::kQ5_1: return 9;
    case TensorType::kQ2_K: return 10;
    case TensorType::kQ3_K: return 12;
    case TensorType::kQ4_K: return 15;
    case TensorType::kQ5_K: return 17;
    case TensorType::kQ6_K: return 18;
    case TensorType::kBF16: return 32;
    default: return 0;
  }
}

uint64_t Fnv1a(std::string_view s, uint64_t seed) {
  uint64_t h = 1469598103934665603ull ^ seed;
  for (char c : s) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  return h;
}

// Fills a tensor with N(mean, stddev) values, quantized row by row to its type. The generator is
// seeded by the tensor name, so every tensor is the same whatever else the model holds.
gguf::GgufWriter::FillFn RandomFill(std::string name, TensorType type, uint64_t ne0, uint64_t seed,
                                    float mean, float stddev) {
  return [=](std::span<std::byte> out) -> Result<void> {
    std::mt19937_64 rng(Fnv1a(name, seed));
    std::normal_distribution<float> dist(mean, stddev);
    const auto& info = gguf::Info(type);
    const uint64_t row_bytes = ne0 / info.block_elements * info.block_bytes;
    std::vector<float> row(ne0);
    for (uint64_t offset = 0; offset < out.size(); offset += row_bytes) {
      for (float& x : row) x = dist(rng);
      CITADEL_RETURN_IF_ERROR(quant::Quantize(type, row, out.subspan(offset, row_bytes)));
    }
    return Ok();
  };
}

class ModelBuilder {
 public:
  ModelBuilder(const ModelSpec& spec, gguf::GgufWriter& writer) : spec_(spec), writer_(writer) {}

  Result<void> Matrix(const std::string& name, uint64_t ne0, uint64_t ne1, TensorType wanted) {
    const TensorType type = EffectiveWeightType(wanted, ne0);
    // Scaled like an initialised transformer so activations stay finite through the layers.
    const float stddev = 1.0f / std::sqrt(static_cast<float>(ne0));
    return writer_.AddTensor(name, type, {ne0, ne1}, RandomFill(name, type, ne0, spec_.seed, 0.0f, stddev));
  }
  Result<void> Vector(const std::string& name, uint64_t n, float mean, float stddev) {
    return writer_.AddTensor(name, TensorType::kF32, {n}, RandomFill(name, TensorType::kF32, n, spec_.seed, mean, stddev));
  }

 private:
  const ModelSpec& spec_;
  gguf::GgufWriter& writer_;
};

Result<uint32_t> AddTokenizer(const ModelSpec& spec, gguf::GgufWriter& writer) {
  if (!spec.tokenizer_from.empty()) {
    CITADEL_ASSIGN_OR_RETURN(auto source, gguf::GgufFile::Open(spec.tokenizer_from));
    for (const auto& entry : source.metadata()) {
      if (entry.key.starts_with("tokenizer.")) writer.Set(entry.key, entry.value);
    }
    CITADEL_ASSIGN_OR_RETURN(const gguf::Array* tokens, source.GetArrayValue("tokenizer.ggml.tokens"));
    return static_cast<uint32_t>(tokens->size());
  }
  CITADEL_ASSIGN_OR_RETURN(auto vocab, TrainByteBpeVocab(spec.n_vocab));
  writer.Set("tokenizer.ggml.model", "gpt2");
  writer.Set("tokenizer.ggml.pre", "default");
  writer.Set("tokenizer.ggml.tokens", gguf::Array::Of(std::move(vocab.tokens)));
  writer.Set("tokenizer.ggml.token_type", gguf::Array::Of(std::move(vocab.token_types)));
  writer.Set("tokenizer.ggml.merges", gguf::Array::Of(std::move(vocab.merges)));
  writer.Set("tokenizer.ggml.bos_token_id", static_cast<uint32_t>(vocab.endoftext_id));
  writer.Set("tokenizer.ggml.eos_token_id", static_cast<uint32_t>(vocab.endoftext_id));
  writer.Set("tokenizer.ggml.eot_token_id", static_cast<uint32_t>(vocab.im_end_id));
  writer.Set("tokenizer.ggml.padding_token_id", static_cast<uint32_t>(vocab.endoftext_id));
  writer.Set("tokenizer.ggml.add_bos_token", false);
  writer.Set("tokenizer.chat_template", std::string(kChatMlTemplate));
  return spec.n_vocab;
}

}  // namespace

TensorType EffectiveWeightType(TensorType wanted, uint64_t ne0) {
  for (TensorType type : {wanted, TensorType::kQ8_0, TensorType::kF16}) {
    if (ne0 % gguf::Info(type).block_elements == 0) return type;
  }
  return TensorType::kF32;
}

Result<gguf::GgufWriter> BuildRandomModel(const ModelSpec& spec) {
  CITADEL_RETURN_IF_ERROR(Validate(spec));
  if (!quant::CanQuantize(spec.weight_type)) {
    return Err("cannot generate weights of type {}", gguf::Name(spec.weight_type));
  }
  gguf::GgufWriter writer;
  const std::string& a = spec.arch;
  const uint32_t head_dim = spec.HeadDim();
  writer.Set("general.architecture", a);
  writer.Set("general.name", spec.name);
  writer.Set("general.quantization_version", uint32_t{2});
  writer.Set("general.file_type", FileType(spec.weight_type));
  writer.Set(a + ".context_length", spec.n_ctx);
  writer.Set(a + ".embedding_length", spec.n_embd);
  writer.Set(a + ".block_count", spec.n_layer);
  writer.Set(a + ".feed_forward_length", spec.n_ff);
  writer.Set(a + ".attention.head_count", spec.n_head);
  writer.Set(a + ".attention.head_count_kv", spec.n_head_kv);
  writer.Set(a + ".attention.layer_norm_rms_epsilon", spec.rms_norm_eps);
  writer.Set(a + ".rope.freq_base", spec.rope_freq_base);
  writer.Set(a + ".rope.dimension_count", head_dim);
  writer.Set(a + ".attention.key_length", head_dim);
  writer.Set(a + ".attention.value_length", head_dim);
  CITADEL_ASSIGN_OR_RETURN(const uint32_t n_vocab, AddTokenizer(spec, writer));
  writer.Set(a + ".vocab_size", n_vocab);

  ModelBuilder b(spec, writer);
  const uint64_t q_dim = uint64_t{spec.n_head} * head_dim;
  const uint64_t kv_dim = uint64_t{spec.n_head_kv} * head_dim;
  const TensorType w = spec.weight_type;
  CITADEL_RETURN_IF_ERROR(b.Matrix("token_embd.weight", spec.n_embd, n_vocab, spec.embd_type.value_or(w)));
  CITADEL_RETURN_IF_ERROR(b.Vector("output_norm.weight", spec.n_embd, 1.0f, 0.1f));
  if (!spec.tied_output) CITADEL_RETURN_IF_ERROR(b.Matrix("output.weight", spec.n_embd, n_vocab, w));
  for (uint32_t layer = 0; layer < spec.n_layer; ++layer) {
    const std::string p = fmt::format("blk.{}.", layer);
    CITADEL_RETURN_IF_ERROR(b.Vector(p + "attn_norm.weight", spec.n_embd, 1.0f, 0.1f));
    CITADEL_RETURN_IF_ERROR(b.Matrix(p + "attn_q.weight", spec.n_embd, q_dim, w));
    CITADEL_RETURN_IF_ERROR(b.Matrix(p + "attn_k.weight", spec.n_embd, kv_dim, w));
    CITADEL_RETURN_IF_ERROR(b.Matrix(p + "attn_v.weight", spec.n_embd, kv_dim, w));
    if (a == "qwen2") {
      CITADEL_RETURN_IF_ERROR(b.Vector(p + "attn_q.bias", q_dim, 0.0f, 0.1f));
      CITADEL_RETURN_IF_ERROR(b.Vector(p + "attn_k.bias", kv_dim, 0.0f, 0.1f));
      CITADEL_RETURN_IF_ERROR(b.Vector(p + "attn_v.bias", kv_dim, 0.0f, 0.1f));
    }
    if (a == "qwen3") {
      CITADEL_RETURN_IF_ERROR(b.Vector(p + "attn_q_norm.weight", head_dim, 1.0f, 0.1f));
      CITADEL_RETURN_IF_ERROR(b.Vector(p + "attn_k_norm.weight", head_dim, 1.0f, 0.1f));
    }
    CITADEL_RETURN_IF_ERROR(b.Matrix(p + "attn_output.weight", q_dim, spec.n_embd, w));
    CITADEL_RETURN_IF_ERROR(b.Vector(p + "ffn_norm.weight", spec.n_embd, 1.0f, 0.1f));
    CITADEL_RETURN_IF_ERROR(b.Matrix(p + "ffn_gate.weight", spec.n_embd, spec.n_ff, w));
    CITADEL_RETURN_IF_ERROR(b.Matrix(p + "ffn_up.weight", spec.n_embd, spec.n_ff, w));
    CITADEL_RETURN_IF_ERROR(b.Matrix(p + "ffn_down.weight", spec.n_ff, spec.n_embd, w));
  }
  return writer;
}

Result<void> WriteRandomModel(const ModelSpec& spec, const std::filesystem::path& path) {
  CITADEL_ASSIGN_OR_RETURN(auto writer, BuildRandomModel(spec));
  return writer.WriteFile(path);
}

}  // namespace citadel::tools
