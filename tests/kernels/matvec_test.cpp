// MatVec shape validation and results against per-row scalar reference dots. The kernels' own
// accuracy is covered per target in dot_test.cpp; here the question is whether rows, row ranges and
// activation quantization are wired correctly, so the default (best) target suffices.

#include "kernels/matvec.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <span>
#include <vector>

#include "core/float16.h"
#include "kernels/activation_rounding.h"
#include "kernels/dot_reference.h"
#include "quant/quant.h"
#include "testing/random.h"

namespace citadel::kernels {
namespace {

using gguf::TensorType;

// Same bound as dot_test.cpp: float accumulation relative to sum |w_i x_i|.
constexpr double kRelTol = 1e-5;

struct Case {
  TensorType type;
  std::vector<std::byte> bytes;
};

Case MakeMatrix(std::mt19937_64& rng, TensorType type, size_t rows, size_t cols) {
  const auto values = testing::RandomFloats(rng, rows * cols);
  const auto& info = gguf::Info(type);
  Case c{type, std::vector<std::byte>(rows * cols / info.block_elements * info.block_bytes)};
  EXPECT_TRUE(quant::Quantize(type, values, c.bytes).has_value()) << info.name;
  return c;
}

// The reference for row r: the same activation quantization, then a double dot.
reference::DotResult ReferenceRow(const Case& c, size_t cols, size_t r, std::span<const float> x) {
  const auto& info = gguf::Info(c.type);
  const size_t row_bytes = cols / info.block_elements * info.block_bytes;
  const std::span<const std::byte> row(c.bytes.data() + r * row_bytes, row_bytes);
  auto as = [&]<class T>(T*) { return std::span(reinterpret_cast<const T*>(row.data()), row_bytes / sizeof(T)); };
  std::vector<quant::BlockQ8_0> xq(cols / quant::kLegacyBlock);
  std::vector<quant::BlockQ8_K> xk(cols / quant::kSuperBlock);
  if (c.type == TensorType::kQ8_0 || c.type == TensorType::kQ4_0) {
    QuantizeActivationsQ8_0(x, xq);
  }
  if (c.type == TensorType::kQ4_K || c.type == TensorType::kQ6_K) {
    QuantizeActivationsQ8_K(x, xk);
  }
  switch (c.type) {
    case TensorType::kF32: return reference::DotF32(as(static_cast<float*>(nullptr)), x);
    case TensorType::kF16: return reference::DotF16(as(static_cast<uint16_t*>(nullptr)), x);
    case TensorType::kQ8_0: return reference::DotQ8_0(as(static_cast<quant::BlockQ8_0*>(nullptr)), xq);
    case TensorType::kQ4_0: return reference::DotQ4_0(as(static_cast<quant::BlockQ4_0*>(nullptr)), xq);
    case TensorType::kQ4_K: return reference::DotQ4_K(as(static_cast<quant::BlockQ4_K*>(nullptr)), xk);
    case TensorType::kQ6_K: return reference::DotQ6_K(as(static_cast<quant::BlockQ6_K*>(nullptr)), xk);
    default: ADD_FAILURE(); return {};
  }
}

TEST(MatVecTest, MatchesReferencePerRow) {
  CITADEL_SEEDED_RNG(rng);
  for (const TensorType type : {TensorType::kF32, TensorType::kF16, TensorType::kQ8_0, TensorType::kQ4_0,
                                TensorType::kQ4_K, TensorType::kQ6_K}) {
    SCOPED_TRACE(gguf::Name(type));
    for (const auto& [rows, cols] : {std::pair<size_t, size_t>{1, 32}, {7, 96}, {33, 256}, {3, 768}, {5, 4096}}) {
      if (cols % gguf::Info(type).block_elements != 0) continue;
      const Case c = MakeMatrix(rng, type, rows, cols);
      const auto x = testing::RandomFloats(rng, cols, 2.0f);
      const MatrixView w{type, c.bytes, rows, cols};
      std::vector<float> y(rows, -1.0f);
      PreparedInput scratch;
      ASSERT_TRUE(MatVec(w, x, scratch, y).has_value());
      for (size_t r = 0; r < rows; ++r) {
        const auto want = ReferenceRow(c, cols, r, x);
        EXPECT_NEAR(y[r], want.dot, kRelTol * want.abs_sum) << "row " << r;
      }
      // Row ranges write only their rows and agree with the full product.
      std::vector<float> y2(rows, -7.0f);
      const size_t mid = rows / 2;
      MatVecRows(w, scratch, mid, rows, y2);
      for (size_t r = 0; r < mid; ++r) EXPECT_EQ(y2[r], -7.0f);
      MatVecRows(w, scratch, 0, mid, y2);
      EXPECT_EQ(y2, y);
    }
  }
}

TEST(MatVecTest, RejectsBadShapes) {
  std::vector<std::byte> bytes(34 * 2);
  std::vector<float> x(64), y(2);
  PreparedInput scratch;
  EXPECT_FALSE(MatVec({TensorType::kQ8_0, bytes, 2, 48}, x, scratch, y).has_value());  // partial block
  EXPECT_FALSE(MatVec({TensorType::kQ8_0, bytes, 3, 32}, x, scratch, y).has_value());  // data size
  EXPECT_FALSE(MatVec({TensorType::kQ8_0, bytes, 2, 32}, x, scratch, y).has_value());  // x size
  EXPECT_FALSE(MatVec({TensorType::kQ5_K, bytes, 2, 32}, x, scratch, y).has_value());  // type
  EXPECT_FALSE(MatVec({TensorType::kQ6_K, bytes, 2, 32}, x, scratch, y).has_value());  // partial block
  std::vector<float> x32(32), y1(1);
  EXPECT_FALSE(MatVec({TensorType::kQ8_0, bytes, 2, 32}, x32, scratch, y1).has_value());  // y size
  EXPECT_TRUE(MatVec({TensorType::kQ8_0, bytes, 2, 32}, x32, scratch, y).has_value());
}

}  // namespace
}  // namespace citadel::kernels
