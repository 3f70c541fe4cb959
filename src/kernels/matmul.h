#pragma once
// Matrix x matrix for the forward pass: Y[t][r] = dot(row r of W, X[t]) for n activation vectors
// (the tokens of a batch; n = 1 is decode). The activations are prepared once per matrix input (for
// every weight type sharing it), then output rows are independent, so a thread pool splits
// [0, rows) and calls MatMulRows on each range. Nothing allocates after the first preparation of a
// given size.
//
// Every GGUF weight type the model binds is supported. F32, F16, Q8_0, Q4_0, Q4_K and Q6_K use the
// SIMD dot kernels of dot.h (or the x86 integer tiles) on activations quantized like llama.cpp's, as
// do Q5_0 and Q5_K on x86 with AVX2; the other formats dequantize one weight row at a time into
// caller-provided scratch and take float dot products with the activations rounded like
// llama.cpp's (activation_rounding.h), which amortizes the dequantization over all n tokens.

#include <cstddef>
#include <span>
#include <vector>

#include "core/result.h"
#include "kernels/matvec.h"
#include "kernels/x86/q4_packed.h"
#include "quant/blocks.h"

namespace citadel::kernels {

// From this many vectors on, formats without an integer tile kernel multiply through a float GEMM
// on kGemmRowChunk weight rows dequantized at a time (MatMulRows' scratch holds them).
//
// Batch invariance: for Q8_0, Q4_0, Q5_0 (x86/q8_tiles.h), packed Q4_0 (x86/q4_packed.h: one kernel
// for every batch size, taken whenever MatrixView::packed is set) and Q4_K, Q5_K, Q6_K (x86/k_tiles.h,
// which reproduce the decode dots) on x86 with AVX2, a vector's results are bit-for-bit the same whatever
// the batch. For the other formats, and for all of them on other CPUs, a batch below
// kGemmMinTokens takes the dot kernels and a larger one the GEMM, which sum in a different order:
// results agree to float rounding (~1e-6 relative), not bit for bit.
inline constexpr size_t kGemmMinTokens = 4;
inline constexpr size_t kGemmRowChunk = 16;

// n activation vectors in the form the kernels for one weight type read.
class PreparedBatch {
 public:
  // The kernel family a weight type is computed with (public for the implementation's helpers).
  enum class Path { kF32, kF16, kQ8_0, kQ4_0, kQ5_0, kQ4_K, kQ5_K, kQ6_K, kDequantized };

  gguf::TensorType weight_type() const { return weight_type_; }
  size_t cols() const { return cols_; }
  size_t count() const { return count_; }
  // Whether these activations can multiply weights of `weight_type` (Q4_0 and Q8_0 weights share
  // Q8_0 activations, Q4_K, Q5_K and Q6_K share Q8_K ones, ...), so one preparation serves several matrices.
  bool Serves(gguf::TensorType weight_type) const;

 private:
  friend Result<void> ReserveBatch(gguf::TensorType, size_t, size_t, PreparedBatch&);
  friend void PrepareBatchRows(std::span<const float>, size_t, size_t, PreparedBatch&);
  friend void MatMulRows(const MatrixView&, const PreparedBatch&, size_t, size_t, std::span<float>,
                         size_t, std::span<float>);
  gguf::TensorType weight_type_ = gguf::TensorType::kF32;
  Path path_ = Path::kF32;
  size_t cols_ = 0;
  size_t count_ = 0;
  std::vector<float> floats_;  // [count][cols]: F32/F16/dequantized paths (rounded as for the dot type)
  std::vector<quant::BlockQ8_0> q8_0_;  // [count][cols / 32]
  std::vector<x86::Q8BlockSide> sides_;  // [count][cols / 32]: with q8_0_ where packed Q4_0 kernels run
  std::vector<quant::BlockQ8_K> q8_k_;  // [count][cols / 256]
};

// Any type the model loader accepts (F32, F16, BF16, the legacy and the K quants).
bool CanMatMul(gguf::TensorType type);

// Shape checks for a weight matrix from a file, as ValidateMatrix but for every CanMatMul type.
Result<void> ValidateMatMul(const MatrixView& w);

// Sizes `out` for `count` vectors of `cols` (x is [count][cols], row-major) for weights of
// `weight_type` and prepares all of them on the calling thread. Errors: unsupported type, cols not
// a whole number of the activation blocks, x of the wrong size.
Result<void> PrepareBatch(gguf::TensorType weight_type, std::span<const float> x, size_t count,
                          PreparedBatch& out);

// Parallel preparation: ReserveBatch sizes `out` like PrepareBatch without preparing anything,
// then threads prepare disjoint ranges [begin, end) of the vectors with PrepareBatchRows.
Result<void> ReserveBatch(gguf::TensorType weight_type, size_t cols, size_t count, PreparedBatch& out);
void PrepareBatchRows(std::span<const float> x, size_t begin, size_t end, PreparedBatch& out);

// y[t * y_stride + r] for every vector t and r in [row_begin, row_end). `scratch` holds at least
// kGemmRowChunk * w.cols floats (dequantized rows; untouched by the integer paths). w must have passed
// ValidateMatMul and x must serve w.type with w.cols columns: violations are bugs and abort.
void MatMulRows(const MatrixView& w, const PreparedBatch& x, size_t row_begin, size_t row_end,
                std::span<float> y, size_t y_stride, std::span<float> scratch);

}  // namespace citadel::kernels
