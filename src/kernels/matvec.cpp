#include "kernels/matvec.h"

#include <cstdint>

#include "core/check.h"
#include "kernels/activation_rounding.h"
#include "kernels/dot.h"
#include "kernels/matmul.h"
#include "quant/quant.h"

namespace citadel::kernels {
namespace {

template <class T>
std::span<const T> RowOf(const MatrixView& w, size_t row, size_t row_bytes, size_t count) {
  // GGUF tensor data is 32-byte aligned and row_bytes is a multiple of alignof(T) for every
  // supported type (4 for F32, 2 for F16 and the blocks' uint16_t scales), so rows stay aligned.
  // (BlockQ8_K, with a float, is only ever the activations' type, held in a std::vector.)
  return {reinterpret_cast<const T*>(w.data.data() + row * row_bytes), count};
}

}  // namespace

bool CanMatVec(gguf::TensorType type) {
  using gguf::TensorType;
  return type == TensorType::kF32 || type == TensorType::kF16 || type == TensorType::kQ8_0 ||
         type == TensorType::kQ4_0 || type == TensorType::kQ4_K || type == TensorType::kQ6_K;
}

Result<void> ValidateMatrix(const MatrixView& w) {
  if (!CanMatVec(w.type)) return Err("matvec: unsupported weight type {}", gguf::Name(w.type));
  return ValidateMatMul(w);  // the same shape rules
}

Result<void> PrepareInput(gguf::TensorType weight_type, std::span<const float> x,
                          PreparedInput& out) {
  using gguf::TensorType;
  out.weight_type_ = weight_type;
  out.cols_ = x.size();
  out.floats_ = {};
  switch (weight_type) {
    case TensorType::kF32:
    case TensorType::kF16:
      out.floats_ = x;
      return Ok();
    case TensorType::kQ8_0:
    case TensorType::kQ4_0: {
      if (x.size() % quant::kLegacyBlock != 0) {
        return Err("matvec: {} activations is not a whole number of Q8_0 blocks", x.size());
      }
      out.q8_0_.resize(x.size() / quant::kLegacyBlock);
      QuantizeActivationsQ8_0(x, out.q8_0_);
      return Ok();
    }
    case TensorType::kQ4_K:
    case TensorType::kQ6_K: {
      if (x.size() % quant::kSuperBlock != 0) {
        return Err("matvec: {} activations is not a whole number of Q8_K blocks", x.size());
      }
      out.q8_k_.resize(x.size() / quant::kSuperBlock);
      QuantizeActivationsQ8_K(x, out.q8_k_);
      return Ok();
    }
    default:
      return Err("matvec: unsupported weight type {}", gguf::Name(weight_type));
  }
}

void MatVecRows(const MatrixView& w, const PreparedInput& x, size_t row_begin, size_t row_end,
                std::span<float> y) {
  using gguf::TensorType;
  CITADEL_CHECK(x.weight_type_ == w.type && x.cols_ == w.cols);
  CITADEL_CHECK(row_begin <= row_end && row_end <= w.rows && y.size() >= w.rows);
  const auto& info = gguf::Info(w.type);
  const size_t blocks = w.cols / info.block_elements;
  const size_t row_bytes = blocks * info.block_bytes;
  CITADEL_CHECK(w.data.size() == w.rows * row_bytes);
  switch (w.type) {
    case TensorType::kF32:
      for (size_t r = row_begin; r < row_end; ++r) y[r] = DotF32(RowOf<float>(w, r, row_bytes, blocks), x.floats_);
      break;
    case TensorType::kF16:
      for (size_t r = row_begin; r < row_end; ++r) y[r] = DotF16(RowOf<uint16_t>(w, r, row_bytes, blocks), x.floats_);
      break;
    case TensorType::kQ8_0:
      for (size_t r = row_begin; r < row_end; ++r) {
        y[r] = DotQ8_0(RowOf<quant::BlockQ8_0>(w, r, row_bytes, blocks), x.q8_0_);
      }
      break;
    case TensorType::kQ4_0:
      for (size_t r = row_begin; r < row_end; ++r) {
        y[r] = DotQ4_0(RowOf<quant::BlockQ4_0>(w, r, row_bytes, blocks), x.q8_0_);
      }
      break;
    case TensorType::kQ4_K:
      for (size_t r = row_begin; r < row_end; ++r) {
        y[r] = DotQ4_K(RowOf<quant::BlockQ4_K>(w, r, row_bytes, blocks), x.q8_k_);
      }
      break;
    case TensorType::kQ6_K:
      for (size_t r = row_begin; r < row_end; ++r) {
        y[r] = DotQ6_K(RowOf<quant::BlockQ6_K>(w, r, row_bytes, blocks), x.q8_k_);
      }
      break;
    default:
      CITADEL_CHECK_MSG(false, "MatVecRows: unsupported type (ValidateMatrix not called?)");
  }
}

Result<void> MatVec(const MatrixView& w, std::span<const float> x, PreparedInput& scratch,
                    std::span<float> y) {
  if (auto ok = ValidateMatrix(w); !ok) return ok;
  if (x.size() != w.cols) return Err("matvec: x has {} elements, matrix has {} columns", x.size(), w.cols);
  if (y.size() < w.rows) return Err("matvec: y has {} elements, matrix has {} rows", y.size(), w.rows);
  if (auto ok = PrepareInput(w.type, x, scratch); !ok) return ok;
  MatVecRows(w, scratch, 0, w.rows, y);
  return Ok();
}

}  // namespace citadel::kernels
