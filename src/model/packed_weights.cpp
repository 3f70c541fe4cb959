#include "model/packed_weights.h"

#include <new>

#include "kernels/x86/q4_packed.h"
#include "quant/blocks.h"

namespace citadel::model {
namespace {

// A cache line, so a group's 64-byte code vectors never straddle two.
constexpr std::align_val_t kAlignment{64};

}  // namespace

void PackedWeights::AlignedDelete::operator()(std::byte* p) const { ::operator delete[](p, kAlignment); }

PackedWeights PackedWeights::Pack(Weights& weights) {
  PackedWeights out;
  if (kernels::x86::PackedQ4Kernel() == nullptr) return out;
  const auto pack = [&out](TensorRef& t) {
    if (!t || t.type() != gguf::TensorType::kQ4_0) return;
    const auto rows = static_cast<size_t>(t.rows());
    const size_t blocks = static_cast<size_t>(t.cols()) / quant::kLegacyBlock;
    const size_t bytes = kernels::x86::PackedQ4_0Bytes(rows, blocks);
    Buffer buffer(static_cast<std::byte*>(::operator new[](bytes, kAlignment)));
    kernels::x86::PackQ4_0(t.data, rows, blocks, {buffer.get(), bytes});
    t.packed = {buffer.get(), bytes};
    out.buffers_.push_back(std::move(buffer));
    out.bytes_ += bytes;
  };
  // The matrices the forward pass multiplies; token_embd is only looked up by row (and `output` is
  // a copy of its view when tied, so packing `output` leaves the lookups on the file's rows).
  for (LayerWeights& l : weights.layers) {
    for (TensorRef* t : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) pack(*t);
  }
  pack(weights.output);
  return out;
}

}  // namespace citadel::model
