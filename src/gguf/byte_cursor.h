#pragma once
// Internal to gguf/: a bounds-checked little-endian reader over untrusted bytes. Every failure
// names the offset where it happened and what was being read.

#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/result.h"

namespace citadel::gguf::internal {

class ByteCursor {
 public:
  explicit ByteCursor(std::span<const std::byte> bytes) : bytes_(bytes) {}

  uint64_t offset() const { return offset_; }
  uint64_t remaining() const { return bytes_.size() - offset_; }

  // Loads are memcpy'd: nothing in a GGUF file is guaranteed to be aligned.
  template <class T>
    requires std::is_trivially_copyable_v<T>
  Result<T> Read(std::string_view what) {
    if (remaining() < sizeof(T)) return Truncated(what, sizeof(T));
    T value;
    std::memcpy(&value, bytes_.data() + offset_, sizeof(T));
    offset_ += sizeof(T);
    return value;
  }

  // A GGUF string: uint64 length, then that many bytes (no terminator).
  Result<std::string> ReadString(std::string_view what, uint64_t max_bytes) {
    const uint64_t at = offset_;
    CITADEL_ASSIGN_OR_RETURN(const uint64_t length, Read<uint64_t>(what));
    if (length > max_bytes) return Err("offset {}: {} has length {} > limit {}", at, what, length, max_bytes);
    if (length > remaining()) return Truncated(what, length);
    std::string s(reinterpret_cast<const char*>(bytes_.data() + offset_), length);
    offset_ += length;
    return s;
  }

  Error ErrorHere(std::string_view message) const { return Err("offset {}: {}", offset_, message); }

 private:
  Error Truncated(std::string_view what, uint64_t need) const {
    return Err("offset {}: file truncated reading {} (needs {} bytes, {} left)", offset_, what, need, remaining());
  }

  std::span<const std::byte> bytes_;
  uint64_t offset_ = 0;
};

}  // namespace citadel::gguf::internal
