#pragma once
// Writes GGUF v3 (or v2) files: everything GgufFile reads round-trips. Tensor data can be given as
// bytes or produced on demand by a fill function, so that generating a model of real size never
// holds all its weights in memory.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "gguf/tensor_type.h"
#include "gguf/value.h"

namespace citadel::gguf {

class GgufWriter {
 public:
  // Writes exactly out.size() bytes (the tensor's n_bytes) into out.
  using FillFn = std::function<Result<void>(std::span<std::byte> out)>;

  explicit GgufWriter(uint32_t version = 3);

  // Sets a key, replacing an earlier value in place (file order is first-insertion order).
  // "general.alignment" set here (UINT32, a power of two) also governs the data layout.
  void Set(std::string key, Value value);
  bool Remove(std::string_view key);

  // Errors: duplicate name, more than 4 dims, a zero or overflowing shape, ne0 not a multiple of
  // the type's block size, or data whose size differs from the shape's byte size.
  Result<void> AddTensor(std::string name, TensorType type, std::vector<uint64_t> shape,
                         std::vector<std::byte> data);
  Result<void> AddTensor(std::string name, TensorType type, std::vector<uint64_t> shape, FillFn fill);

  Result<std::vector<std::byte>> Serialize() const;
  // Writes to a temporary file next to path and renames it over path once complete.
  Result<void> WriteFile(const std::filesystem::path& path) const;

 private:
  struct PendingTensor;
  Result<void> Emit(const std::function<Result<void>(std::span<const std::byte>)>& sink) const;

  uint32_t version_;
  std::vector<std::pair<std::string, Value>> metadata_;
  std::vector<std::shared_ptr<PendingTensor>> tensors_;
};

// Bytes a tensor of this type and shape occupies; error when ne0 is not a whole number of blocks
// or the product overflows.
Result<uint64_t> TensorBytes(TensorType type, std::span<const uint64_t> shape);

}  // namespace citadel::gguf
