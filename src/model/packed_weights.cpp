#include "model/packed_weights.h"

#include <sys/mman.h>

#include <new>
#include <vector>

#include "kernels/x86/q4_packed.h"
#include "quant/blocks.h"

namespace citadel::model {
namespace {

// One arena for every copy, aligned to a transparent huge page and advised to use them: the
// kernels stream the copies with far fewer TLB misses (decode of qwen2.5-0.5b Q4_0 on one thread:
// 74 vs 64 tokens/s with 4 KB pages). The price is at load, where the kernel may compact memory
// to find huge pages: 663 MiB took 1.6-1.9 s instead of 0.8 s on a busy machine. Each copy starts
// on a cache line.
constexpr size_t kHugePage = size_t{2} << 20;
constexpr size_t kCopyAlignment = 64;
constexpr std::align_val_t kArenaAlignment{kHugePage};

size_t RoundUp(size_t n, size_t to) { return (n + to - 1) / to * to; }

// The matrices the forward pass multiplies that have a packed kernel. token_embd is only looked up
// by row (and `output` is a copy of its view when tied, so packing `output` leaves lookups on the
// file's rows).
std::vector<TensorRef*> Packable(Weights& weights) {
  std::vector<TensorRef*> out;
  const auto consider = [&out](TensorRef& t) {
    if (t && t.type() == gguf::TensorType::kQ4_0) out.push_back(&t);
  };
  for (LayerWeights& l : weights.layers) {
    for (TensorRef* t : {&l.wq, &l.wk, &l.wv, &l.wo, &l.ffn_gate, &l.ffn_up, &l.ffn_down}) consider(*t);
  }
  consider(weights.output);
  return out;
}

size_t PackedBytes(const TensorRef& t) {
  return kernels::x86::PackedQ4_0Bytes(static_cast<size_t>(t.rows()), static_cast<size_t>(t.cols()) / quant::kLegacyBlock);
}

}  // namespace

void PackedWeights::AlignedDelete::operator()(std::byte* p) const { ::operator delete[](p, kArenaAlignment); }

PackedWeights PackedWeights::Pack(Weights& weights, const gguf::GgufFile& file) {
  PackedWeights out;
  if (kernels::x86::PackedQ4Kernel() == nullptr) return out;
  const std::vector<TensorRef*> tensors = Packable(weights);
  size_t total = 0;
  for (const TensorRef* t : tensors) total += RoundUp(PackedBytes(*t), kCopyAlignment);
  if (total == 0) return out;
  const size_t capacity = RoundUp(total, kHugePage);
  out.arena_ = Buffer(static_cast<std::byte*>(::operator new[](capacity, kArenaAlignment)));
#ifdef MADV_HUGEPAGE  // Linux; advice only: small pages work too
  (void)::madvise(out.arena_.get(), capacity, MADV_HUGEPAGE);
#endif
  std::byte* next = out.arena_.get();
  for (TensorRef* t : tensors) {
    const size_t bytes = PackedBytes(*t);
    kernels::x86::PackQ4_0(t->data, static_cast<size_t>(t->rows()), static_cast<size_t>(t->cols()) / quant::kLegacyBlock,
                           {next, bytes});
    t->packed = {next, bytes};
    file.ReleaseTensorPages(*t->info);
    next += RoundUp(bytes, kCopyAlignment);
  }
  out.bytes_ = total;
  return out;
}

}  // namespace citadel::model
