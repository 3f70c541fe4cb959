#pragma once
// Weight matrices repacked once at load into the layouts faster kernels read: on x86 with AVX2,
// Q4_0 matrices in 16-row groups (kernels/x86/q4_packed.h). The copies are owned here; the views in
// Weights keep pointing at the mapped file too (embedding lookups and the reference path read
// those), and the forward pass reads the packed copy wherever a TensorRef has one.

#include <cstddef>
#include <memory>

#include "model/weights.h"

namespace citadel::model {

class PackedWeights {
 public:
  // Packs every matrix of `weights` that has a packed kernel on this CPU and points its
  // TensorRef::packed at the copy. Does nothing on CPUs without one.
  // The packed tensors' pages of `file` are released (gguf::GgufFile::ReleaseTensorPages): the
  // matmuls no longer read them, and the copy would otherwise double their resident memory.
  static PackedWeights Pack(Weights& weights, const gguf::GgufFile& file);

  size_t bytes() const { return bytes_; }  // total size of the copies

 private:
  struct AlignedDelete {
    void operator()(std::byte* p) const;
  };
  using Buffer = std::unique_ptr<std::byte[], AlignedDelete>;

  Buffer arena_;  // every copy; a heap block, so views into it survive moving this object
  size_t bytes_ = 0;
};

}  // namespace citadel::model
