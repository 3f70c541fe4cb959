#pragma once
// How llama.cpp rounds activations before a dot product with weights of a given type, reproduced in
// float. The integer kernels quantize activations for real; the paths that dequantize weights to
// float (formats without an integer kernel, and the reference forward pass) round the activations
// the same way, because a random-weight network amplifies one-code differences into visible logit
// drift against llama.cpp.

#include <span>

#include "gguf/tensor_type.h"
#include "quant/blocks.h"

namespace citadel::kernels {

// Q8_0 for Q4_0/Q5_0/Q8_0, Q8_1 for Q4_1/Q5_1, Q8_K for the K-quants, F16 for F16, BF16 for BF16,
// F32 otherwise.
gguf::TensorType ActivationType(gguf::TensorType weight_type);

// Activation blocks exactly as llama.cpp's CPU backend quantizes them for the integer dot products:
// Q8_0 codes round(x * (127 / amax)) to even, d = amax / 127 stored as F16; Q8_K
// maps the signed element of largest magnitude to -127, clamps at 127, keeps d in float and fills
// bsums. x.size() is out.size() blocks.
void QuantizeActivationsQ8_0(std::span<const float> x, std::span<quant::BlockQ8_0> out);
void QuantizeActivationsQ8_K(std::span<const float> x, std::span<quant::BlockQ8_K> out);

// out[i] = x[i] after quantization to ActivationType(weight_type) and back. x.size() must be a whole
// number of that type's blocks (checked; a model that passed binding satisfies it).
void RoundActivations(gguf::TensorType weight_type, std::span<const float> x, std::span<float> out);

}  // namespace citadel::kernels
