#include "model/reference_forward.h"

#include <algorithm>
#include <cmath>

#include "core/float16.h"
#include "kernels/activation_rounding.h"
#include "kernels/attention_reference.h"
#include "quant/quant.h"

namespace citadel::model {
namespace {

void Dequantize(const TensorRef& t, std::span<const std::byte> bytes, std::span<float> out) {
  auto r = quant::Dequantize(t.type(), bytes, out);
  CITADEL_CHECK_MSG(r.has_value(), "weights were validated when the model was bound");
}

// The KV cache holds F16, and Q meets K in F16, as in llama.cpp's default cache.
float RoundToHalf(float x) { return HalfToFloat(FloatToHalf(x)); }

}  // namespace

ReferenceForward::ReferenceForward(const Model& model, int max_positions)
    : model_(model), max_positions_(max_positions) {
  const HParams& h = model.hparams();
  x_.resize(h.n_embd);
  xb_.resize(h.n_embd);
  q_.resize(h.q_dim());
  k_.resize(h.kv_dim());
  v_.resize(h.kv_dim());
  out_.resize(h.q_dim());
  gate_.resize(h.n_ff);
  up_.resize(h.n_ff);
  const size_t cache = static_cast<size_t>(h.n_layer) * max_positions * h.kv_dim();
  k_cache_.resize(cache);
  k_rows_.resize(static_cast<size_t>(max_positions));
  v_rows_.resize(static_cast<size_t>(max_positions));
  v_cache_.resize(cache);
}

void ReferenceForward::MatVec(const TensorRef& w, std::span<const float> x_in, std::span<float> y) {
  row_.resize(w.cols());
  x_rounded_.resize(x_in.size());
  kernels::RoundActivations(w.type(), x_in, x_rounded_);
  const std::span<const float> x = x_rounded_;
  for (int64_t r = 0; r < w.rows(); ++r) {
    Dequantize(w, w.Row(r), row_);
    double sum = 0;
    for (size_t i = 0; i < row_.size(); ++i) sum += double{row_[i]} * x[i];
    y[r] = static_cast<float>(sum);
  }
}

void ReferenceForward::RmsNorm(std::span<float> x, const TensorRef& weight) {
  double sum_sq = 0;
  for (float v : x) sum_sq += double{v} * v;
  const auto scale = static_cast<float>(1.0 / std::sqrt(sum_sq / static_cast<double>(x.size()) +
                                                        model_.hparams().rms_norm_eps));
  norm_w_.resize(x.size());
  Dequantize(weight, weight.data, norm_w_);
  for (size_t i = 0; i < x.size(); ++i) x[i] = x[i] * scale * norm_w_[i];
}

// Rotates the first n_rot dimensions of one head. Llama pairs neighbours (2i, 2i+1); the NeoX
// ordering of Qwen pairs i with i + n_rot/2.
void ReferenceForward::Rope(std::span<float> head, int pos) const {
  const HParams& h = model_.hparams();
  const int half = h.n_rot / 2;
  for (int i = 0; i < half; ++i) {
    const double theta = static_cast<double>(pos) * h.rope_freq_scale *
                         std::pow(static_cast<double>(h.rope_freq_base), -2.0 * i / h.n_rot);
    const auto c = static_cast<float>(std::cos(theta)), s = static_cast<float>(std::sin(theta));
    const int a = h.rope_neox ? i : 2 * i;
    const int b = h.rope_neox ? i + half : 2 * i + 1;
    const float x0 = head[a], x1 = head[b];
    head[a] = x0 * c - x1 * s;
    head[b] = x0 * s + x1 * c;
  }
}

Result<void> ReferenceForward::Step(int32_t token, int pos, std::span<float> logits) {
  const HParams& h = model_.hparams();
  const Weights& w = model_.weights();
  if (token < 0 || token >= h.n_vocab) return Err("token {} is outside the vocabulary of {}", token, h.n_vocab);
  if (pos < 0 || pos >= max_positions_) return Err("position {} is outside the cache of {}", pos, max_positions_);
  if (static_cast<int>(logits.size()) != h.n_vocab) return Err("logits need {} floats", h.n_vocab);

  Dequantize(w.token_embd, w.token_embd.Row(token), x_);
  const int kv_dim = h.kv_dim();
  const int group = h.n_head / h.n_head_kv;
  const float inv_sqrt_d = 1.0f / std::sqrt(static_cast<float>(h.head_dim));

  for (int layer = 0; layer < h.n_layer; ++layer) {
    const LayerWeights& l = w.layers[layer];
    xb_ = x_;
    RmsNorm(xb_, l.attn_norm);
    MatVec(l.wq, xb_, q_);
    MatVec(l.wk, xb_, k_);
    MatVec(l.wv, xb_, v_);
    if (h.qkv_bias) {
      for (auto [bias, out] : {std::pair{&l.bq, &q_}, {&l.bk, &k_}, {&l.bv, &v_}}) {
        norm_w_.resize(out->size());
        Dequantize(*bias, bias->data, norm_w_);
        for (size_t i = 0; i < out->size(); ++i) (*out)[i] += norm_w_[i];
      }
    }
    for (int hd = 0; hd < h.n_head; ++hd) {
      std::span<float> head(q_.data() + hd * h.head_dim, h.head_dim);
      if (h.qk_norm) RmsNorm(head, l.q_norm);
      Rope(head, pos);
    }
    for (int hd = 0; hd < h.n_head_kv; ++hd) {
      std::span<float> head(k_.data() + hd * h.head_dim, h.head_dim);
      if (h.qk_norm) RmsNorm(head, l.k_norm);
      Rope(head, pos);
    }
    float* k_cache = k_cache_.data() + static_cast<size_t>(layer) * max_positions_ * kv_dim;
    float* v_cache = v_cache_.data() + static_cast<size_t>(layer) * max_positions_ * kv_dim;
    std::transform(k_.begin(), k_.end(), k_cache + static_cast<size_t>(pos) * kv_dim, RoundToHalf);
    std::transform(v_.begin(), v_.end(), v_cache + static_cast<size_t>(pos) * kv_dim, RoundToHalf);
    std::transform(q_.begin(), q_.end(), q_.begin(), RoundToHalf);

    // Causal attention; query head hd reads KV head hd / group (grouped-query attention). The
    // arithmetic is llama.cpp's CPU flash attention over an F16 cache: one pass with a running
    // maximum and sum, the weighted sum of V kept in F16 and rounded after every step.
    for (int hd = 0; hd < h.n_head; ++hd) {
      const size_t offset = static_cast<size_t>(hd / group * h.head_dim);
      for (int t = 0; t <= pos; ++t) {
        k_rows_[static_cast<size_t>(t)] = k_cache + static_cast<size_t>(t) * kv_dim + offset;
        v_rows_[static_cast<size_t>(t)] = v_cache + static_cast<size_t>(t) * kv_dim + offset;
      }
      const auto rows = static_cast<size_t>(pos) + 1;
      kernels::reference::AttentionHead(std::span(q_).subspan(static_cast<size_t>(hd * h.head_dim), static_cast<size_t>(h.head_dim)),
                                        std::span<const float* const>(k_rows_).first(rows),
                                        std::span<const float* const>(v_rows_).first(rows), inv_sqrt_d,
                                        std::span(out_).subspan(static_cast<size_t>(hd * h.head_dim), static_cast<size_t>(h.head_dim)));
    }
    MatVec(l.wo, out_, xb_);
    for (int i = 0; i < h.n_embd; ++i) x_[i] += xb_[i];

    xb_ = x_;
    RmsNorm(xb_, l.ffn_norm);
    MatVec(l.ffn_gate, xb_, gate_);
    MatVec(l.ffn_up, xb_, up_);
    for (int i = 0; i < h.n_ff; ++i) gate_[i] = gate_[i] / (1.0f + std::exp(-gate_[i])) * up_[i];  // SwiGLU
    MatVec(l.ffn_down, gate_, xb_);
    for (int i = 0; i < h.n_embd; ++i) x_[i] += xb_[i];
  }
  RmsNorm(x_, w.output_norm);
  MatVec(w.output, x_, logits);
  return Ok();
}

}  // namespace citadel::model
