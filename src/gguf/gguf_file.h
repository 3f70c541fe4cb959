#pragma once
// A parsed, validated GGUF file (v2 or v3). The bytes are either a read-only memory mapping (Open)
// or an owned copy (Parse, for fuzzing and tests); tensor data is always a view into them, never
// copied. Every structural property a consumer relies on is checked once, here: after a successful
// Open, every tensor's bytes lie inside the file, aligned, without overlap.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "gguf/tensor_type.h"
#include "gguf/value.h"

namespace citadel::gguf {

inline constexpr uint32_t kMagic = 0x46554747;  // "GGUF" read as little-endian uint32
inline constexpr uint64_t kDefaultAlignment = 32;
inline constexpr size_t kMaxDims = 4;

struct MetadataEntry {
  std::string key;
  Value value;
};

struct TensorInfo {
  std::string name;
  TensorType type;
  std::vector<uint64_t> shape;  // GGUF order: shape[0] (ne0) is the innermost, contiguous dimension
  uint64_t offset = 0;          // from the start of the data section
  uint64_t n_elements = 0;
  uint64_t n_bytes = 0;
};

// Bounds on what a file may declare, so that a hostile header cannot make the reader allocate
// unbounded memory before the file's own size has been checked against it.
struct ReaderLimits {
  uint64_t max_tensors = 1u << 20;
  uint64_t max_metadata_entries = 1u << 20;
  uint64_t max_string_bytes = 1u << 26;    // 64 MiB: chat templates are large, not that large
  uint64_t max_array_elements = 1u << 28;
  uint32_t max_array_depth = 8;
};

class GgufFile {
 public:
  static Result<GgufFile> Open(const std::filesystem::path& path, const ReaderLimits& limits = {});
  static Result<GgufFile> Parse(std::vector<std::byte> bytes, const ReaderLimits& limits = {});

  GgufFile(GgufFile&&) noexcept;
  GgufFile& operator=(GgufFile&&) noexcept;
  ~GgufFile();

  uint32_t version() const;
  uint64_t alignment() const;
  uint64_t data_offset() const;  // absolute file offset of the data section
  uint64_t file_size() const;

  std::span<const MetadataEntry> metadata() const;  // in file order
  const Value* Find(std::string_view key) const;

  // Typed access with errors that name the key: "key 'llama.block_count' is missing",
  // "key 'llama.block_count': has type UINT64, expected UINT32".
  template <class T>
  Result<T> Get(std::string_view key) const {
    const Value* v = Find(key);
    if (v == nullptr) return MissingKey(key);
    auto r = v->As<T>();
    if (!r) return r.error().Wrap(fmt::format("key '{}'", key));
    return r;
  }
  Result<int64_t> GetInteger(std::string_view key) const;  // any integer type
  Result<double> GetFloat(std::string_view key) const;     // FLOAT32 or FLOAT64
  // Array whose elements are exactly of type T ("key 'x': array of INT32, expected array of FLOAT32").
  template <class T>
  Result<std::span<const T>> GetArray(std::string_view key) const {
    CITADEL_ASSIGN_OR_RETURN(const Array* a, GetArrayValue(key));
    if (a->element_type() != ValueTypeOf<T>::value) {
      return Err("key '{}': array of {}, expected array of {}", key, Name(a->element_type()),
                 Name(ValueTypeOf<T>::value));
    }
    return a->Elements<T>();
  }
  Result<const Array*> GetArrayValue(std::string_view key) const;

  std::span<const TensorInfo> tensors() const;  // in file order
  const TensorInfo* FindTensor(std::string_view name) const;
  std::span<const std::byte> TensorData(const TensorInfo& tensor) const;  // zero-copy view
  // For a tensor the caller has copied (repacked weights): lets the OS drop its mapped pages from
  // the resident set; they read back from the file if touched. Nothing for Parse'd bytes.
  void ReleaseTensorPages(const TensorInfo& tensor) const;

  struct State;  // opaque; defined in gguf_file.cpp

 private:
  explicit GgufFile(std::unique_ptr<State> state);
  static Error MissingKey(std::string_view key);

  std::unique_ptr<State> state_;
};

}  // namespace citadel::gguf
