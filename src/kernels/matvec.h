#pragma once
// Matrix x vector for decode: y[r] = dot(row r of W, x). The activations are prepared (quantized)
// once per vector, then rows are independent, so a thread pool can split [0, rows) into ranges and
// call MatVecRows on each; nothing here allocates after the first PrepareInput of a given size.

#include <cstddef>
#include <span>
#include <vector>

#include "core/result.h"
#include "gguf/tensor_type.h"
#include "quant/blocks.h"

namespace citadel::kernels {

// A row-major weight matrix in its GGUF encoding; `data` is exactly rows * row bytes.
struct MatrixView {
  gguf::TensorType type = gguf::TensorType::kF32;
  std::span<const std::byte> data;
  size_t rows = 0;
  size_t cols = 0;
  // Optional, Q4_0 only: the same matrix repacked at load by x86::PackQ4_0 (kernels/x86/q4_packed.h),
  // which MatMulRows reads instead of `data` where the packed kernels run. Empty when not packed.
  std::span<const std::byte> packed;
};

// Types MatVec supports: F32, F16, Q8_0, Q4_0, Q4_K, Q6_K.
bool CanMatVec(gguf::TensorType type);

// Shape checks for a matrix that came from a file: supported type, cols a whole number of blocks,
// data exactly the right size. Errors name the mismatch.
Result<void> ValidateMatrix(const MatrixView& w);

// x in the form the kernels for one weight type read: the floats themselves for F32/F16, Q8_0
// blocks for Q8_0/Q4_0, Q8_K blocks for Q4_K/Q6_K. Reused across calls so steady-state decode does not allocate.
class PreparedInput {
 public:
  gguf::TensorType weight_type() const { return weight_type_; }
  size_t cols() const { return cols_; }

 private:
  friend Result<void> PrepareInput(gguf::TensorType, std::span<const float>, PreparedInput&);
  friend void MatVecRows(const MatrixView&, const PreparedInput&, size_t, size_t, std::span<float>);
  gguf::TensorType weight_type_ = gguf::TensorType::kF32;
  size_t cols_ = 0;
  std::span<const float> floats_;  // F32/F16: the caller's x, which must outlive the MatVecRows calls
  std::vector<quant::BlockQ8_0> q8_0_;
  std::vector<quant::BlockQ8_K> q8_k_;
};

// Quantizes x for `weight_type` into `out` (reusing its storage), as llama.cpp quantizes
// activations (activation_rounding.h).
Result<void> PrepareInput(gguf::TensorType weight_type, std::span<const float> x, PreparedInput& out);

// y[r] for r in [row_begin, row_end); y is indexed by row (y.size() >= w.rows). w must have passed
// ValidateMatrix and x been prepared for w.type and w.cols: violations are bugs and abort.
void MatVecRows(const MatrixView& w, const PreparedInput& x, size_t row_begin, size_t row_end,
                std::span<float> y);

// Validate, prepare x into `scratch`, and compute all rows on the calling thread.
Result<void> MatVec(const MatrixView& w, std::span<const float> x, PreparedInput& scratch,
                    std::span<float> y);

}  // namespace citadel::kernels
