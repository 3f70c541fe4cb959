#include "model/forward.h"

#include <algorithm>
#include <array>
#include <cmath>

#include "core/check.h"
#include "core/float16.h"
#include "kernels/activation_rounding.h"
#include "kernels/attention.h"
#include "kernels/matmul.h"
#include "kernels/ops.h"
#include "quant/quant.h"

namespace citadel::model {
namespace {

// Output rows per worker chunk are multiples of this: 16 floats = one cache line of each token's
// output, so two workers never write the same line.
constexpr size_t kRowAlign = 16;

std::vector<float> ToFloats(const TensorRef& t) {
  std::vector<float> out;
  if (!t) return out;
  out.resize(static_cast<size_t>(t.cols() * t.rows()));
  CITADEL_CHECK_MSG(quant::Dequantize(t.type(), t.data, out).has_value(), "weights were validated when bound");
  return out;
}

kernels::MatrixView View(const TensorRef& t) {
  return {t.type(), t.data, static_cast<size_t>(t.rows()), static_cast<size_t>(t.cols()), t.packed};
}

struct LayerParams {
  kernels::MatrixView wq, wk, wv, wo, gate, up, down;
  std::vector<float> attn_norm, ffn_norm, q_norm, k_norm, bq, bk, bv;
};

// Tokens per chunk of a per-token section: about four chunks per thread for a prompt, one chunk
// (run by the caller alone) for a decode step.
size_t TokenGrain(size_t n) { return std::max<size_t>(1, n / 8); }
// Elements per chunk of an element-wise section (a multiple of a cache line of floats).
constexpr size_t kElementGrain = 16 * 1024;

// One token's K or V values (kv_dim floats) into its cache slot, in the cache's type.
void StoreKv(const KvCache& cache, std::span<const float> values, std::byte* slot) {
  if (cache.type() == KvType::kF16) {
    auto* bits = reinterpret_cast<uint16_t*>(slot);
    for (size_t i = 0; i < values.size(); ++i) bits[i] = FloatToHalf(values[i]);
    return;
  }
  // As llama.cpp's CPU backend converts rows into a Q8_0 cache (its from_float for Q8_0).
  kernels::QuantizeActivationsQ8_0(
      values, std::span(reinterpret_cast<quant::BlockQ8_0*>(slot), values.size() / quant::kLegacyBlock));
}

// Per-worker scratch, so parallel sections share nothing they write.
struct WorkerScratch {
  std::vector<float> row;      // dequantized weight rows (kGemmRowChunk of the widest)
  std::vector<float> scores;   // [2][group]: attention's running maximum and sum per query head
  std::vector<const std::byte*> k_rows, v_rows;  // [max_context]
};

}  // namespace

struct Forward::State {
  const Model& model;
  ThreadPool& pool;
  const HParams& h;
  int max_batch = 0, max_context = 0;
  std::vector<LayerParams> layers;
  kernels::MatrixView output;
  std::vector<float> output_norm;
  kernels::RopeTable rope;

  // Activations, [tokens][width] row-major; shapes in comments.
  std::vector<float> x, xb;       // [B][n_embd]
  std::vector<float> q, att;      // [B][q_dim]
  std::vector<float> k, v;        // [B][kv_dim]
  std::vector<float> gate, up;    // [B][n_ff]
  std::vector<float> selected;    // [B][n_embd]: normalized rows of the tokens that want logits
  std::vector<kernels::RopeAngles> angles;  // [B]
  std::array<kernels::PreparedBatch, 3> prepared;  // one per distinct activation kind of an input
  std::vector<WorkerScratch> scratch;               // [pool.size()]

  State(const Model& m, ThreadPool& p, int max_b, int max_ctx)
      : model(m), pool(p), h(m.hparams()), max_batch(max_b), max_context(max_ctx),
        rope(m.hparams().n_rot, m.hparams().rope_freq_base, m.hparams().rope_freq_scale) {}

  // Prepares `input` ([n][cols]) for each matrix in `matrices`, sharing preparations where the
  // activation kind allows; returns for each matrix the index of its preparation.
  template <size_t N>
  std::array<int, N> Prepare(std::span<const float> input, size_t n, size_t cols,
                             const std::array<const kernels::MatrixView*, N>& matrices);
  // y_i[t][r] = matrices[i] x prepared input, all matrices in one parallel section.
  template <size_t N>
  void MatMul(size_t n, const std::array<const kernels::MatrixView*, N>& matrices,
              const std::array<int, N>& preparation, const std::array<float*, N>& outputs);

  void Layer(int layer, const Batch& batch, KvCache& cache);
};

template <size_t N>
std::array<int, N> Forward::State::Prepare(std::span<const float> input, size_t n, size_t cols,
                                           const std::array<const kernels::MatrixView*, N>& matrices) {
  std::array<int, N> which{};
  int used = 0;
  for (size_t i = 0; i < N; ++i) {
    int found = -1;
    for (int p = 0; p < used && found < 0; ++p) {
      if (prepared[static_cast<size_t>(p)].Serves(matrices[i]->type)) found = p;
    }
    if (found < 0) {
      CITADEL_CHECK(used < static_cast<int>(prepared.size()));
      found = used++;
      auto& out = prepared[static_cast<size_t>(found)];
      CITADEL_CHECK(kernels::ReserveBatch(matrices[i]->type, cols, n, out).has_value());
      pool.ParallelFor(n, TokenGrain(n), [&](size_t begin, size_t end, int) { kernels::PrepareBatchRows(input, begin, end, out); });
    }
    which[i] = found;
  }
  return which;
}

template <size_t N>
void Forward::State::MatMul(size_t n, const std::array<const kernels::MatrixView*, N>& matrices,
                            const std::array<int, N>& preparation, const std::array<float*, N>& outputs) {
  // Rows of all matrices form one range of chunks (none spanning two matrices) that workers claim
  // as they go; about eight chunks per worker balance load without many claims.
  std::array<size_t, N> grain{}, first_chunk{};
  size_t chunks = 0;
  const auto workers = static_cast<size_t>(pool.size());
  for (size_t i = 0; i < N; ++i) {
    const size_t rows = matrices[i]->rows;
    grain[i] = std::max(kRowAlign, (rows / (workers * 8) + kRowAlign - 1) / kRowAlign * kRowAlign);
    first_chunk[i] = chunks;
    chunks += (rows + grain[i] - 1) / grain[i];
  }
  pool.ParallelFor(chunks, 1, [&](size_t chunk, size_t, int worker) {
    size_t i = N - 1;
    while (chunk < first_chunk[i]) --i;
    const kernels::MatrixView& w = *matrices[i];
    const size_t begin = (chunk - first_chunk[i]) * grain[i];
    const size_t end = std::min(w.rows, begin + grain[i]);
    kernels::MatMulRows(w, prepared[static_cast<size_t>(preparation[i])], begin, end,
                        std::span(outputs[i], n * w.rows), w.rows, scratch[static_cast<size_t>(worker)].row);
  });
}

void Forward::State::Layer(int layer, const Batch& batch, KvCache& cache) {
  const LayerParams& l = layers[static_cast<size_t>(layer)];
  const size_t n = batch.tokens.size();
  const auto E = static_cast<size_t>(h.n_embd), Q = static_cast<size_t>(h.q_dim()),
             KV = static_cast<size_t>(h.kv_dim()), F = static_cast<size_t>(h.n_ff),
             D = static_cast<size_t>(h.head_dim);

  pool.ParallelFor(n, TokenGrain(n), [&](size_t begin, size_t end, int) {
    for (size_t t = begin; t < end; ++t) {
      kernels::RmsNorm(std::span(x).subspan(t * E, E), l.attn_norm, h.rms_norm_eps, std::span(xb).subspan(t * E, E));
    }
  });
  const auto qkv = Prepare<3>(std::span(xb).first(n * E), n, E, {&l.wq, &l.wk, &l.wv});
  MatMul<3>(n, {&l.wq, &l.wk, &l.wv}, qkv, {q.data(), k.data(), v.data()});

  // Biases, per-head norms and rotation; then K and V go into the cache in F16, and Q is rounded
  // to F16 as llama.cpp's attention does.
  const size_t block_tokens = static_cast<size_t>(cache.block_tokens());
  const auto slot_of = [&](size_t t, int32_t pos) {
    const auto& table = batch.block_tables[static_cast<size_t>(batch.sequences[t])];
    return static_cast<size_t>(table[static_cast<size_t>(pos) / block_tokens]) * block_tokens +
           static_cast<size_t>(pos) % block_tokens;
  };
  pool.ParallelFor(n, TokenGrain(n), [&](size_t begin, size_t end, int) {
    for (size_t t = begin; t < end; ++t) {
      const std::span<float> qt = std::span(q).subspan(t * Q, Q), kt = std::span(k).subspan(t * KV, KV),
                             vt = std::span(v).subspan(t * KV, KV);
      if (h.qkv_bias) {
        for (size_t i = 0; i < Q; ++i) qt[i] += l.bq[i];
        for (size_t i = 0; i < KV; ++i) kt[i] += l.bk[i];
        for (size_t i = 0; i < KV; ++i) vt[i] += l.bv[i];
      }
      for (size_t head = 0; head < Q; head += D) {
        const std::span<float> qh = qt.subspan(head, D);
        if (h.qk_norm) kernels::RmsNorm(qh, l.q_norm, h.rms_norm_eps, qh);
        kernels::Rope(qh, angles[t], h.rope_neox);
      }
      for (size_t head = 0; head < KV; head += D) {
        const std::span<float> kh = kt.subspan(head, D);
        if (h.qk_norm) kernels::RmsNorm(kh, l.k_norm, h.rms_norm_eps, kh);
        kernels::Rope(kh, angles[t], h.rope_neox);
      }
      for (float& value : qt) value = HalfToFloat(FloatToHalf(value));
      const size_t slot = slot_of(t, batch.positions[t]);
      StoreKv(cache, kt, cache.K(layer, slot));
      StoreKv(cache, vt, cache.V(layer, slot));
    }
  });

  // Attention, split over (token, KV head) pairs; the query heads kv_head * group .. + group - 1
  // share that KV head (grouped-query attention) and are computed together.
  const size_t kv_heads = static_cast<size_t>(h.n_head_kv), group = static_cast<size_t>(h.n_head / h.n_head_kv);
  const float scale = 1.0f / std::sqrt(static_cast<float>(h.head_dim));
  const auto format = cache.type() == KvType::kQ8_0 ? kernels::KvRowFormat::kQ8_0 : kernels::KvRowFormat::kF16;
  pool.ParallelFor(n * kv_heads, 2, [&](size_t begin, size_t end, int worker) {
    WorkerScratch& s = scratch[static_cast<size_t>(worker)];
    for (size_t item = begin; item < end; ++item) {
      const size_t t = item / kv_heads, kv_head = item % kv_heads;
      const size_t kv_offset = kv_head * cache.head_bytes();
      const auto length = static_cast<size_t>(batch.positions[t]) + 1;
      for (size_t p = 0; p < length; ++p) {
        const size_t slot = slot_of(t, static_cast<int32_t>(p));
        s.k_rows[p] = cache.K(layer, slot) + kv_offset;
        s.v_rows[p] = cache.V(layer, slot) + kv_offset;
      }
      const size_t q_offset = t * Q + kv_head * group * D;
      kernels::AttentionGroup(std::span(q).subspan(q_offset, group * D), group, format,
                              std::span<const std::byte* const>(s.k_rows).first(length),
                              std::span<const std::byte* const>(s.v_rows).first(length), scale, s.scores,
                              std::span(att).subspan(q_offset, group * D));
    }
  });

  const auto o = Prepare<1>(std::span(att).first(n * Q), n, Q, {&l.wo});
  MatMul<1>(n, {&l.wo}, o, {xb.data()});
  pool.ParallelFor(n, TokenGrain(n), [&](size_t begin, size_t end, int) {
    for (size_t t = begin; t < end; ++t) {
      for (size_t i = t * E; i < (t + 1) * E; ++i) x[i] += xb[i];
      kernels::RmsNorm(std::span(x).subspan(t * E, E), l.ffn_norm, h.rms_norm_eps, std::span(xb).subspan(t * E, E));
    }
  });

  const auto gu = Prepare<2>(std::span(xb).first(n * E), n, E, {&l.gate, &l.up});
  MatMul<2>(n, {&l.gate, &l.up}, gu, {gate.data(), up.data()});
  pool.ParallelFor(n, TokenGrain(n), [&](size_t begin, size_t end, int) {
    for (size_t t = begin; t < end; ++t) kernels::SwiGlu(std::span(gate).subspan(t * F, F), std::span(up).subspan(t * F, F));
  });
  const auto d = Prepare<1>(std::span(gate).first(n * F), n, F, {&l.down});
  MatMul<1>(n, {&l.down}, d, {xb.data()});
  pool.ParallelFor(n * E, kElementGrain, [&](size_t begin, size_t end, int) {
    for (size_t i = begin; i < end; ++i) x[i] += xb[i];
  });
}

Result<std::unique_ptr<Forward>> Forward::Create(const Model& model, ThreadPool& pool, int max_batch_tokens,
                                                 int max_context) {
  if (max_batch_tokens <= 0 || max_context <= 0) {
    return Err("forward pass: batch of {} tokens and context of {} must be positive", max_batch_tokens, max_context);
  }
  const HParams& h = model.hparams();
  if (static_cast<size_t>(h.head_dim) > kernels::kMaxAttentionHeadDim ||
      static_cast<size_t>(h.n_head / h.n_head_kv) > kernels::kMaxAttentionGroup) {
    return Err("forward pass: head dimension {} or {} query heads per KV head exceed the supported {} and {}",
               h.head_dim, h.n_head / h.n_head_kv, kernels::kMaxAttentionHeadDim, kernels::kMaxAttentionGroup);
  }
  auto state = std::make_unique<State>(model, pool, max_batch_tokens, max_context);
  const Weights& w = model.weights();
  for (const LayerWeights& lw : w.layers) {
    LayerParams l{View(lw.wq), View(lw.wk), View(lw.wv), View(lw.wo), View(lw.ffn_gate), View(lw.ffn_up),
                  View(lw.ffn_down)};
    for (const auto* m : {&l.wq, &l.wk, &l.wv, &l.wo, &l.gate, &l.up, &l.down}) {
      CITADEL_RETURN_IF_ERROR(kernels::ValidateMatMul(*m));
    }
    l.attn_norm = ToFloats(lw.attn_norm);
    l.ffn_norm = ToFloats(lw.ffn_norm);
    l.q_norm = ToFloats(lw.q_norm);
    l.k_norm = ToFloats(lw.k_norm);
    l.bq = ToFloats(lw.bq);
    l.bk = ToFloats(lw.bk);
    l.bv = ToFloats(lw.bv);
    state->layers.push_back(std::move(l));
  }
  state->output = View(w.output);
  CITADEL_RETURN_IF_ERROR(kernels::ValidateMatMul(state->output));
  state->output_norm = ToFloats(w.output_norm);

  const auto B = static_cast<size_t>(max_batch_tokens);
  state->x.resize(B * h.n_embd);
  state->xb.resize(B * h.n_embd);
  state->selected.resize(B * h.n_embd);
  state->q.resize(B * h.q_dim());
  state->att.resize(B * h.q_dim());
  state->k.resize(B * h.kv_dim());
  state->v.resize(B * h.kv_dim());
  state->gate.resize(B * h.n_ff);
  state->up.resize(B * h.n_ff);
  state->angles.resize(B);
  const auto widest = static_cast<size_t>(std::max({h.n_embd, h.q_dim(), h.n_ff}));
  state->scratch.resize(static_cast<size_t>(pool.size()));
  for (WorkerScratch& s : state->scratch) {
    s.row.resize(kernels::kGemmRowChunk * widest);
    s.scores.resize(2 * static_cast<size_t>(h.n_head / h.n_head_kv));
    s.k_rows.resize(static_cast<size_t>(max_context));
    s.v_rows.resize(static_cast<size_t>(max_context));
  }
  return std::unique_ptr<Forward>(new Forward(std::move(state)));
}

Forward::Forward(std::unique_ptr<State> state) : state_(std::move(state)) {}
Forward::~Forward() = default;

const Model& Forward::model() const { return state_->model; }
int Forward::max_batch_tokens() const { return state_->max_batch; }
int Forward::max_context() const { return state_->max_context; }

Result<void> Forward::Run(const Batch& batch, KvCache& cache, std::span<float> logits) {
  State& s = *state_;
  const HParams& h = s.h;
  const size_t n = batch.tokens.size();
  if (n == 0) return Err("forward pass: empty batch");
  if (n > static_cast<size_t>(s.max_batch)) return Err("forward pass: {} tokens exceed the batch limit of {}", n, s.max_batch);
  if (batch.positions.size() != n || batch.sequences.size() != n || batch.want_logits.size() != n) {
    return Err("forward pass: tokens, positions, sequences and want_logits differ in length");
  }
  if (cache.kv_dim() != h.kv_dim()) return Err("forward pass: the KV cache was made for another model");
  const auto block_tokens = static_cast<size_t>(cache.block_tokens());
  size_t wanted = 0;
  for (size_t t = 0; t < n; ++t) {
    const int32_t token = batch.tokens[t], pos = batch.positions[t], seq = batch.sequences[t];
    if (token < 0 || token >= h.n_vocab) return Err("forward pass: token {} is outside the vocabulary of {}", token, h.n_vocab);
    if (pos < 0 || pos >= s.max_context) return Err("forward pass: position {} is outside the context of {}", pos, s.max_context);
    if (seq < 0 || static_cast<size_t>(seq) >= batch.block_tables.size()) return Err("forward pass: unknown sequence {}", seq);
    const auto& table = batch.block_tables[static_cast<size_t>(seq)];
    if (static_cast<size_t>(pos) / block_tokens >= table.size()) {
      return Err("forward pass: sequence {} has {} KV blocks, position {} needs more", seq, table.size(), pos);
    }
    for (size_t b = 0; b <= static_cast<size_t>(pos) / block_tokens; ++b) {
      if (table[b] < 0 || table[b] >= cache.blocks()) return Err("forward pass: KV block {} is not in the cache", table[b]);
    }
    wanted += batch.want_logits[t] != 0 ? 1 : 0;
  }
  if (logits.size() != wanted * static_cast<size_t>(h.n_vocab)) {
    return Err("forward pass: logits hold {} floats, {} tokens want {}", logits.size(), wanted, wanted * h.n_vocab);
  }

  const auto E = static_cast<size_t>(h.n_embd);
  const TensorRef& embd = s.model.weights().token_embd;
  s.pool.ParallelFor(n, TokenGrain(n), [&](size_t begin, size_t end, int) {
    for (size_t t = begin; t < end; ++t) {
      CITADEL_CHECK(quant::Dequantize(embd.type(), embd.Row(batch.tokens[t]), std::span(s.x).subspan(t * E, E)).has_value());
      s.rope.Angles(batch.positions[t], s.angles[t]);
    }
  });
  for (int layer = 0; layer < h.n_layer; ++layer) s.Layer(layer, batch, cache);

  if (wanted == 0) return Ok();
  size_t row = 0;
  for (size_t t = 0; t < n; ++t) {
    if (batch.want_logits[t] == 0) continue;
    kernels::RmsNorm(std::span(s.x).subspan(t * E, E), s.output_norm, h.rms_norm_eps,
                     std::span(s.selected).subspan(row * E, E));
    ++row;
  }
  const auto out = s.Prepare<1>(std::span(s.selected).first(wanted * E), wanted, E, {&s.output});
  s.MatMul<1>(wanted, {&s.output}, out, {logits.data()});
  return Ok();
}

}  // namespace citadel::model
