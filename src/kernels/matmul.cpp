#include "kernels/matmul.h"

#include <algorithm>
#include <cstdint>
#include <cstring>

#include "core/check.h"
#include "kernels/activation_rounding.h"
#include "kernels/dot.h"
#include "kernels/gemm_f32.h"
#include "kernels/x86/k_dots.h"
#include "kernels/x86/k_tiles.h"
#include "kernels/x86/q8_tiles.h"
#include "quant/quant.h"

namespace citadel::kernels {
namespace {

using gguf::TensorType;

// Vectors per pass over a weight row: the row stays in L1 while it meets each of them, and the
// tile's activations (a few KB each) stay in L2 across rows.
constexpr size_t kTokenTile = 8;

template <class T>
std::span<const T> RowOf(const MatrixView& w, size_t row, size_t row_bytes, size_t count) {
  // GGUF tensor data is 32-byte aligned and every format's row is a multiple of its alignment.
  return {reinterpret_cast<const T*>(w.data.data() + row * row_bytes), count};
}

// Calls y[t * stride + r] = dot(row r, vector t) over the tile structure shared by every path.
template <class RowT, class ActT, class DotFn>
void TiledRows(const MatrixView& w, size_t row_begin, size_t row_end, size_t blocks, size_t row_bytes,
               std::span<const ActT> acts, size_t acts_per_vector, size_t count, std::span<float> y,
               size_t y_stride, DotFn dot) {
  for (size_t t0 = 0; t0 < count; t0 += kTokenTile) {
    const size_t t1 = std::min(count, t0 + kTokenTile);
    for (size_t r = row_begin; r < row_end; ++r) {
      const std::span<const RowT> row = RowOf<RowT>(w, r, row_bytes, blocks);
      for (size_t t = t0; t < t1; ++t) {
        y[t * y_stride + r] = dot(row, acts.subspan(t * acts_per_vector, acts_per_vector));
      }
    }
  }
}

PreparedBatch::Path PathFor(TensorType type) {
  using Path = PreparedBatch::Path;
  switch (type) {
    case TensorType::kF32: return Path::kF32;
    case TensorType::kF16: return Path::kF16;
    case TensorType::kQ8_0: return Path::kQ8_0;
    case TensorType::kQ4_0: return Path::kQ4_0;
    // Q5_0 has an integer kernel only where the x86 tiles run; elsewhere it is dequantized.
    case TensorType::kQ5_0: return x86::TiledQ8Kernel(x86::Q8Weights::kQ5_0) != nullptr ? Path::kQ5_0 : Path::kDequantized;
    case TensorType::kQ4_K: return Path::kQ4_K;
    // Q5_K has integer kernels only on x86 with AVX2; elsewhere it is dequantized.
    case TensorType::kQ5_K: return x86::Q5KDotKernel() != nullptr ? Path::kQ5_K : Path::kDequantized;
    case TensorType::kQ6_K: return Path::kQ6_K;
    default: return Path::kDequantized;
  }
}

// The x86 tile kernel for K-quant weights, or nullptr (other formats, CPUs without AVX2).
x86::KTileFn KTiles(PreparedBatch::Path path) {
  using Path = PreparedBatch::Path;
  if (path == Path::kQ4_K) return x86::TiledKKernel(x86::KWeights::kQ4_K);
  if (path == Path::kQ5_K) return x86::TiledKKernel(x86::KWeights::kQ5_K);
  if (path == Path::kQ6_K) return x86::TiledKKernel(x86::KWeights::kQ6_K);
  return nullptr;
}

// Whether a batch of n vectors goes through the float GEMM: formats without an integer tile
// kernel, once there are enough tokens to amortize dequantizing the weights.
bool UsesGemm(PreparedBatch::Path path, size_t n) {
  using Path = PreparedBatch::Path;
  if (n < kGemmMinTokens) return false;
  return path != Path::kQ8_0 && path != Path::kQ4_0 && path != Path::kQ5_0 && KTiles(path) == nullptr;
}

// Dequantizes kGemmRowChunk rows at a time into scratch and multiplies them with every vector.
void GemmRows(const MatrixView& w, size_t row_bytes, std::span<const float> x, size_t n, size_t row_begin,
              size_t row_end, std::span<float> y, size_t y_stride, std::span<float> scratch) {
  for (size_t r = row_begin; r < row_end; r += kGemmRowChunk) {
    const size_t rows = std::min(kGemmRowChunk, row_end - r);
    const float* chunk = nullptr;
    if (w.type == TensorType::kF32) {
      chunk = reinterpret_cast<const float*>(w.data.data() + r * row_bytes);  // used in place
    } else {
      const std::span<float> out = scratch.first(rows * w.cols);
      CITADEL_CHECK(quant::Dequantize(w.type, w.data.subspan(r * row_bytes, rows * row_bytes), out).has_value());
      chunk = out.data();
    }
    GemmF32({chunk, rows, x.data(), n, w.cols, y.data(), y_stride, r});
  }
}

// Rows per unpacking step of the prompt path below: as the tile kernel's row chunk.
constexpr size_t kUnpackRowChunk = 32;
// Unpacking costs the same whatever the batch, so it pays off only on batches this large; smaller
// ones (the decode steps of a few concurrent streams) multiply the packed codes directly.
constexpr size_t kUnpackMinTokens = 32;

// Q4_0/Q5_0 codes as Q8_0 blocks (value - offset as a signed byte, same scale).
void UnpackToQ8_0(TensorType type, const std::byte* src, size_t blocks, quant::BlockQ8_0* dst) {
  if (type == TensorType::kQ4_0) {
    const auto* b = reinterpret_cast<const quant::BlockQ4_0*>(src);
    for (size_t i = 0; i < blocks; ++i) {
      dst[i].d = b[i].d;
      for (size_t j = 0; j < 16; ++j) {
        dst[i].qs[j] = static_cast<int8_t>((b[i].qs[j] & 0x0f) - 8);
        dst[i].qs[j + 16] = static_cast<int8_t>((b[i].qs[j] >> 4) - 8);
      }
    }
    return;
  }
  const auto* b = reinterpret_cast<const quant::BlockQ5_0*>(src);
  for (size_t i = 0; i < blocks; ++i) {
    uint32_t high;
    std::memcpy(&high, b[i].qh, sizeof(high));
    dst[i].d = b[i].d;
    for (size_t j = 0; j < 16; ++j) {
      dst[i].qs[j] = static_cast<int8_t>(((b[i].qs[j] & 0x0f) | (((high >> j) & 1) << 4)) - 16);
      dst[i].qs[j + 16] = static_cast<int8_t>(((b[i].qs[j] >> 4) | (((high >> (j + 16)) & 1) << 4)) - 16);
    }
  }
}

// Prompt batches of Q4_0/Q5_0: unpacking nibbles costs about as much as the multiply-adds when done
// per 4-token tile, so rows are unpacked to Q8_0 blocks once per chunk (into scratch) and multiplied
// by the Q8_0 tiles. The integer lane sums, and so every result, are bit-identical to the packed
// kernel's: batch invariance is kept.
void UnpackedQ8Rows(const MatrixView& w, size_t row_bytes, size_t blocks, std::span<const quant::BlockQ8_0> x,
                    size_t n, size_t row_begin, size_t row_end, std::span<float> y, size_t y_stride,
                    std::span<float> scratch) {
  const x86::Q8TileFn tiles = x86::TiledQ8Kernel(x86::Q8Weights::kQ8_0);
  auto* unpacked = reinterpret_cast<quant::BlockQ8_0*>(scratch.data());
  for (size_t r = row_begin; r < row_end; r += kUnpackRowChunk) {
    const size_t rows = std::min(kUnpackRowChunk, row_end - r);
    for (size_t i = 0; i < rows; ++i) UnpackToQ8_0(w.type, w.data.data() + (r + i) * row_bytes, blocks, unpacked + i * blocks);
    tiles({reinterpret_cast<const std::byte*>(unpacked), blocks * sizeof(quant::BlockQ8_0), blocks, x.data(), n, 0, rows,
           y.data() + r, y_stride});
  }
}

}  // namespace

bool PreparedBatch::Serves(gguf::TensorType weight_type) const {
  const Path mine = path_, theirs = PathFor(weight_type);
  const auto integer_kind = [](Path p) {
    return p == Path::kQ8_0 || p == Path::kQ4_0 || p == Path::kQ5_0 ? 1 : p == Path::kQ4_K || p == Path::kQ5_K || p == Path::kQ6_K ? 2 : 0;
  };
  if (integer_kind(mine) != 0 || integer_kind(theirs) != 0) return integer_kind(mine) == integer_kind(theirs);
  return ActivationType(weight_type_) == ActivationType(weight_type);
}

bool CanMatMul(gguf::TensorType type) {
  return quant::CanDequantize(type) && type != TensorType::kQ8_1 && type != TensorType::kQ8_K;
}

Result<void> ValidateMatMul(const MatrixView& w) {
  if (!CanMatMul(w.type)) return Err("matmul: unsupported weight type {}", gguf::Name(w.type));
  const auto& info = gguf::Info(w.type);
  if (w.cols % info.block_elements != 0) {
    return Err("matmul: {} columns is not a whole number of {} blocks ({} elements)", w.cols,
               info.name, info.block_elements);
  }
  const size_t row_bytes = w.cols / info.block_elements * info.block_bytes;
  if (w.rows != 0 && row_bytes > SIZE_MAX / w.rows) return Err("matmul: {}x{} overflows", w.rows, w.cols);
  if (w.data.size() != w.rows * row_bytes) {
    return Err("matmul: {} {}x{} needs {} bytes, got {}", info.name, w.rows, w.cols, w.rows * row_bytes,
               w.data.size());
  }
  if (!w.packed.empty()) {
    if (w.type != TensorType::kQ4_0) return Err("matmul: packed {} weights are not supported", info.name);
    const size_t blocks = w.cols / info.block_elements;
    if (w.packed.size() != x86::PackedQ4_0Bytes(w.rows, blocks)) {
      return Err("matmul: packed Q4_0 {}x{} needs {} bytes, got {}", w.rows, w.cols, x86::PackedQ4_0Bytes(w.rows, blocks),
                 w.packed.size());
    }
  }
  return Ok();
}

Result<void> ReserveBatch(gguf::TensorType weight_type, size_t cols, size_t count, PreparedBatch& out) {
  using Path = PreparedBatch::Path;
  if (!CanMatMul(weight_type)) return Err("matmul: unsupported weight type {}", gguf::Name(weight_type));
  const auto& act = gguf::Info(ActivationType(weight_type));
  if (cols % act.block_elements != 0) {
    return Err("matmul: {} activations is not a whole number of {} blocks", cols, act.name);
  }
  out.weight_type_ = weight_type;
  out.cols_ = cols;
  out.count_ = count;
  out.path_ = PathFor(weight_type);
  switch (out.path_) {
    case Path::kQ8_0:
    case Path::kQ4_0:
    case Path::kQ5_0:
      out.q8_0_.resize(count * cols / quant::kLegacyBlock);
      // Any of these preparations may serve a packed Q4_0 matrix (Serves), so all carry the sides.
      out.sides_.resize(x86::PackedQ4Kernel() != nullptr ? out.q8_0_.size() : 0);
      break;
    case Path::kQ4_K:
    case Path::kQ5_K:
    case Path::kQ6_K:
      out.q8_k_.resize(count * cols / quant::kSuperBlock);
      if (UsesGemm(out.path_, count)) out.floats_.resize(count * cols);
      break;
    default: out.floats_.resize(count * cols); break;
  }
  return Ok();
}

void PrepareBatchRows(std::span<const float> x, size_t begin, size_t end, PreparedBatch& out) {
  using Path = PreparedBatch::Path;
  const size_t cols = out.cols_;
  CITADEL_CHECK(begin <= end && end <= out.count_ && x.size() >= end * cols);
  for (size_t t = begin; t < end; ++t) {
    const std::span<const float> xt = x.subspan(t * cols, cols);
    switch (out.path_) {
      case Path::kQ8_0:
      case Path::kQ4_0:
      case Path::kQ5_0: {
        const size_t blocks = cols / quant::kLegacyBlock;
        QuantizeActivationsQ8_0(xt, std::span(out.q8_0_).subspan(t * blocks, blocks));
        if (!out.sides_.empty()) {
          x86::Q8BlockSides(std::span(out.q8_0_).subspan(t * blocks, blocks), std::span(out.sides_).subspan(t * blocks, blocks));
        }
        break;
      }
      case Path::kQ4_K:
      case Path::kQ5_K:
      case Path::kQ6_K: {
        const size_t blocks = cols / quant::kSuperBlock;
        if (UsesGemm(out.path_, out.count_)) {
          RoundActivations(out.weight_type_, xt, std::span(out.floats_).subspan(t * cols, cols));
        } else {
          QuantizeActivationsQ8_K(xt, std::span(out.q8_k_).subspan(t * blocks, blocks));
        }
        break;
      }
      default:
        RoundActivations(out.weight_type_, xt, std::span(out.floats_).subspan(t * cols, cols));
        break;
    }
  }
}

Result<void> PrepareBatch(gguf::TensorType weight_type, std::span<const float> x, size_t count,
                          PreparedBatch& out) {
  if (count != 0 && x.size() / count * count != x.size()) return Err("matmul: {} floats is not {} vectors", x.size(), count);
  const size_t cols = count == 0 ? 0 : x.size() / count;
  CITADEL_RETURN_IF_ERROR(ReserveBatch(weight_type, cols, count, out));
  PrepareBatchRows(x, 0, count, out);
  return Ok();
}

void MatMulRows(const MatrixView& w, const PreparedBatch& x, size_t row_begin, size_t row_end,
                std::span<float> y, size_t y_stride, std::span<float> scratch) {
  using Path = PreparedBatch::Path;
  CITADEL_CHECK(x.Serves(w.type) && x.cols_ == w.cols);
  CITADEL_CHECK(row_begin <= row_end && row_end <= w.rows && y_stride >= w.rows);
  CITADEL_CHECK(x.count_ == 0 || y.size() >= (x.count_ - 1) * y_stride + w.rows);
  const auto& info = gguf::Info(w.type);
  const size_t blocks = w.cols / info.block_elements;
  const size_t row_bytes = blocks * info.block_bytes;
  CITADEL_CHECK(w.data.size() == w.rows * row_bytes);
  const size_t n = x.count_;
  const std::span<const float> floats = x.floats_;
  const std::span<const quant::BlockQ8_0> q8_0 = x.q8_0_;
  const std::span<const quant::BlockQ8_K> q8_k = x.q8_k_;
  const size_t legacy_blocks = w.cols / quant::kLegacyBlock, super_blocks = w.cols / quant::kSuperBlock;
  if (UsesGemm(PathFor(w.type), n)) {
    CITADEL_CHECK(scratch.size() >= kGemmRowChunk * w.cols);
    GemmRows(w, row_bytes, floats, n, row_begin, row_end, y, y_stride, scratch);
    return;
  }
  // K-quant batches: the tiles reproduce the decode dot bit for bit, so one token takes the dot
  // (which streams one row at a time) and every larger batch the tiles.
  if (const x86::KTileFn tiles = KTiles(PathFor(w.type)); tiles != nullptr && n >= 2) {
    tiles({w.data.data(), row_bytes, blocks, q8_k.data(), n, row_begin, row_end, y.data(), y_stride});
    return;
  }
  switch (PathFor(w.type)) {
    case Path::kF32:
      TiledRows<float>(w, row_begin, row_end, blocks, row_bytes, floats, w.cols, n, y, y_stride,
                       [](auto row, auto act) { return DotF32(row, act); });
      break;
    case Path::kF16:
      TiledRows<uint16_t>(w, row_begin, row_end, blocks, row_bytes, floats, w.cols, n, y, y_stride,
                          [](auto row, auto act) { return DotF16(row, act); });
      break;
    case Path::kQ8_0:
    case Path::kQ4_0:
    case Path::kQ5_0:
      // Packed Q4_0 (any batch: the kernel is batch-invariant on its own).
      if (!w.packed.empty()) {
        const x86::PackedQ4Fn packed = x86::PackedQ4Kernel();
        CITADEL_CHECK(packed != nullptr && x.sides_.size() == q8_0.size());
        packed({w.packed.data(), blocks, q8_0.data(), x.sides_.data(), n, row_begin, row_end, y.data(), y_stride});
        break;
      }
      if (const x86::Q8TileFn tiles = x86::TiledQ8Kernel(w.type == TensorType::kQ4_0   ? x86::Q8Weights::kQ4_0
                                                         : w.type == TensorType::kQ5_0 ? x86::Q8Weights::kQ5_0
                                                                                       : x86::Q8Weights::kQ8_0)) {
        if (w.type != TensorType::kQ8_0 && n >= kUnpackMinTokens &&
            scratch.size_bytes() >= kUnpackRowChunk * blocks * sizeof(quant::BlockQ8_0)) {
          UnpackedQ8Rows(w, row_bytes, blocks, q8_0, n, row_begin, row_end, y, y_stride, scratch);
          break;
        }
        tiles({w.data.data(), row_bytes, blocks, q8_0.data(), n, row_begin, row_end, y.data(), y_stride});
        break;
      }
      if (w.type == TensorType::kQ4_0) {
        TiledRows<quant::BlockQ4_0>(w, row_begin, row_end, blocks, row_bytes, q8_0, legacy_blocks, n, y,
                                    y_stride, [](auto row, auto act) { return DotQ4_0(row, act); });
        break;
      }
      TiledRows<quant::BlockQ8_0>(w, row_begin, row_end, blocks, row_bytes, q8_0, legacy_blocks, n, y,
                                  y_stride, [](auto row, auto act) { return DotQ8_0(row, act); });
      break;
    case Path::kQ4_K:
      if (const x86::Q4KDotFn dot = x86::Q4KDotKernel()) {
        TiledRows<quant::BlockQ4_K>(w, row_begin, row_end, blocks, row_bytes, q8_k, super_blocks, n, y, y_stride,
                                    [dot](auto row, auto act) { return dot(row.data(), act.data(), row.size()); });
        break;
      }
      TiledRows<quant::BlockQ4_K>(w, row_begin, row_end, blocks, row_bytes, q8_k, super_blocks, n, y,
                                  y_stride, [](auto row, auto act) { return DotQ4_K(row, act); });
      break;
    case Path::kQ5_K:  // only chosen where the AVX2 dot exists (PathFor)
      TiledRows<quant::BlockQ5_K>(w, row_begin, row_end, blocks, row_bytes, q8_k, super_blocks, n, y, y_stride,
                                  [dot = x86::Q5KDotKernel()](auto row, auto act) { return dot(row.data(), act.data(), row.size()); });
      break;
    case Path::kQ6_K:
      if (const x86::Q6KDotFn dot = x86::Q6KDotKernel()) {
        TiledRows<quant::BlockQ6_K>(w, row_begin, row_end, blocks, row_bytes, q8_k, super_blocks, n, y, y_stride,
                                    [dot](auto row, auto act) { return dot(row.data(), act.data(), row.size()); });
        break;
      }
      TiledRows<quant::BlockQ6_K>(w, row_begin, row_end, blocks, row_bytes, q8_k, super_blocks, n, y,
                                  y_stride, [](auto row, auto act) { return DotQ6_K(row, act); });
      break;
    case Path::kDequantized: {
      CITADEL_CHECK(scratch.size() >= w.cols);
      const std::span<float> row = scratch.first(w.cols);
      for (size_t r = row_begin; r < row_end; ++r) {
        CITADEL_CHECK(quant::Dequantize(w.type, w.data.subspan(r * row_bytes, row_bytes), row).has_value());
        for (size_t t = 0; t < n; ++t) y[t * y_stride + r] = DotF32(row, floats.subspan(t * w.cols, w.cols));
      }
      break;
    }
  }
}

}  // namespace citadel::kernels
