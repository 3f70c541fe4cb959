#include "model/weights.h"

#include "quant/quant.h"

namespace citadel::model {
namespace {

class Binder {
 public:
  explicit Binder(const gguf::GgufFile& file) : file_(file) {}

  Result<TensorRef> Bind(const std::string& name, std::vector<int64_t> shape, bool required = true) {
    const gguf::TensorInfo* info = file_.FindTensor(name);
    if (info == nullptr) {
      if (!required) return TensorRef{};
      return Err("tensor '{}' is missing", name);
    }
    std::vector<int64_t> actual(info->shape.begin(), info->shape.end());
    while (actual.size() > shape.size() && actual.back() == 1) actual.pop_back();
    if (actual != shape) {
      return Err("tensor '{}': shape [{}], expected [{}]", name, fmt::join(actual, ", "), fmt::join(shape, ", "));
    }
    if (!quant::CanDequantize(info->type)) {
      return Err("tensor '{}': type {} is not supported for inference", name, gguf::Name(info->type));
    }
    return TensorRef{info, file_.TensorData(*info)};
  }

 private:
  const gguf::GgufFile& file_;
};

}  // namespace

Result<Weights> BindWeights(const gguf::GgufFile& file, HParams& h) {
  Binder b(file);
  Weights w;
  const gguf::TensorInfo* embd = file.FindTensor("token_embd.weight");
  if (embd == nullptr) return Err("tensor 'token_embd.weight' is missing");
  if (embd->shape.size() < 2) return Err("tensor 'token_embd.weight' is not a matrix");
  h.n_vocab = static_cast<int>(embd->shape[1]);
  const int64_t e = h.n_embd, v = h.n_vocab, q = h.q_dim(), kv = h.kv_dim(), ff = h.n_ff, hd = h.head_dim;
  CITADEL_ASSIGN_OR_RETURN(w.token_embd, b.Bind("token_embd.weight", {e, v}));
  CITADEL_ASSIGN_OR_RETURN(w.output_norm, b.Bind("output_norm.weight", {e}));
  CITADEL_ASSIGN_OR_RETURN(w.output, b.Bind("output.weight", {e, v}, /*required=*/false));
  if (!w.output) w.output = w.token_embd;
  for (int layer = 0; layer < h.n_layer; ++layer) {
    const std::string p = fmt::format("blk.{}.", layer);
    LayerWeights l;
    CITADEL_ASSIGN_OR_RETURN(l.attn_norm, b.Bind(p + "attn_norm.weight", {e}));
    CITADEL_ASSIGN_OR_RETURN(l.wq, b.Bind(p + "attn_q.weight", {e, q}));
    CITADEL_ASSIGN_OR_RETURN(l.wk, b.Bind(p + "attn_k.weight", {e, kv}));
    CITADEL_ASSIGN_OR_RETURN(l.wv, b.Bind(p + "attn_v.weight", {e, kv}));
    CITADEL_ASSIGN_OR_RETURN(l.wo, b.Bind(p + "attn_output.weight", {q, e}));
    CITADEL_ASSIGN_OR_RETURN(l.bq, b.Bind(p + "attn_q.bias", {q}, h.qkv_bias));
    CITADEL_ASSIGN_OR_RETURN(l.bk, b.Bind(p + "attn_k.bias", {kv}, h.qkv_bias));
    CITADEL_ASSIGN_OR_RETURN(l.bv, b.Bind(p + "attn_v.bias", {kv}, h.qkv_bias));
    CITADEL_ASSIGN_OR_RETURN(l.q_norm, b.Bind(p + "attn_q_norm.weight", {hd}, h.qk_norm));
    CITADEL_ASSIGN_OR_RETURN(l.k_norm, b.Bind(p + "attn_k_norm.weight", {hd}, h.qk_norm));
    CITADEL_ASSIGN_OR_RETURN(l.ffn_norm, b.Bind(p + "ffn_norm.weight", {e}));
    CITADEL_ASSIGN_OR_RETURN(l.ffn_gate, b.Bind(p + "ffn_gate.weight", {e, ff}));
    CITADEL_ASSIGN_OR_RETURN(l.ffn_up, b.Bind(p + "ffn_up.weight", {e, ff}));
    CITADEL_ASSIGN_OR_RETURN(l.ffn_down, b.Bind(p + "ffn_down.weight", {ff, e}));
    w.layers.push_back(l);
  }
  return w;
}

}  // namespace citadel::model
