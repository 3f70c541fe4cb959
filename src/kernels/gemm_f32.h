#pragma once
// Register-tiled float matrix multiply for prompt processing: y[t][r] = dot(w[r], x[t]) for a
// chunk of weight rows already dequantized to float (exact for every GGUF format) and activations
// already rounded like llama.cpp's. A 4 x 4 tile of (row, token) sums stays in registers across the
// whole row, so each loaded vector feeds four FMAs; with dequantization amortized over all tokens
// this serves every weight format at the FMA units' rate.

#include <cstddef>
#include <span>

namespace citadel::kernels {

struct GemmF32Args {
  const float* w;       // [rows][cols]
  size_t rows;
  const float* x;       // [n][cols]
  size_t n;
  size_t cols;
  float* y;             // y[t * y_stride + y_offset + r]
  size_t y_stride;
  size_t y_offset;
};

void GemmF32(const GemmF32Args& args);

}  // namespace citadel::kernels
