#pragma once
// Test-only: builds GGUF byte strings field by field, including ones no writer would produce, and
// remembers where each field starts so that tests can assert the exact offset an error names.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "gguf/gguf_file.h"

namespace citadel::gguf::testing {

class RawGguf {
 public:
  // Appends a little-endian scalar (the tests only run on little-endian hosts, as the reader).
  template <class T>
  RawGguf& Put(T v) {
    boundaries_.push_back(bytes_.size());
    const size_t old = bytes_.size();
    bytes_.resize(old + sizeof(T));
    std::memcpy(bytes_.data() + old, &v, sizeof(T));
    return *this;
  }
  RawGguf& U8(uint8_t v) { return Put(v); }
  RawGguf& U32(uint32_t v) { return Put(v); }
  RawGguf& U64(uint64_t v) { return Put(v); }
  // Raw bytes with no length prefix.
  RawGguf& Raw(std::string_view s) {
    boundaries_.push_back(bytes_.size());
    for (char c : s) bytes_.push_back(static_cast<std::byte>(c));
    return *this;
  }
  // A GGUF string: uint64 length, then the bytes.
  RawGguf& Str(std::string_view s) { return U64(s.size()).Raw(s); }

  // Header fields: magic, version, tensor count, metadata count.
  RawGguf& Header(uint64_t n_tensors, uint64_t n_metadata, uint32_t version = 3) {
    return U32(kMagic).U32(version).U64(n_tensors).U64(n_metadata);
  }
  // A metadata entry with a scalar value of the given on-disk type.
  template <class T>
  RawGguf& Kv(std::string_view key, ValueType type, T value) {
    return Str(key).U32(static_cast<uint32_t>(type)).Put(value);
  }
  RawGguf& KvString(std::string_view key, std::string_view value) {
    return Str(key).U32(static_cast<uint32_t>(ValueType::kString)).Str(value);
  }
  // A tensor info record.
  RawGguf& Tensor(std::string_view name, std::initializer_list<uint64_t> shape, uint32_t type, uint64_t offset) {
    Str(name).U32(static_cast<uint32_t>(shape.size()));
    for (uint64_t d : shape) U64(d);
    return U32(type).U64(offset);
  }
  // Zero bytes up to the next multiple of alignment (the start of the data section).
  RawGguf& PadTo(uint64_t alignment) {
    boundaries_.push_back(bytes_.size());
    while (bytes_.size() % alignment != 0) bytes_.push_back(std::byte{0});
    return *this;
  }
  RawGguf& Zeros(size_t n) {
    boundaries_.push_back(bytes_.size());
    bytes_.resize(bytes_.size() + n, std::byte{0});
    return *this;
  }

  size_t size() const { return bytes_.size(); }
  const std::vector<std::byte>& bytes() const { return bytes_; }
  // Start offsets of every field appended so far, in order.
  const std::vector<size_t>& boundaries() const { return boundaries_; }

 private:
  std::vector<std::byte> bytes_;
  std::vector<size_t> boundaries_;
};

// Parses bytes that must be rejected; the message must start with "offset <at>: " (when at is not
// npos) and contain `expected`. Returns the message for further checks.
inline std::string ExpectRejected(const std::vector<std::byte>& bytes, std::string_view expected,
                                  size_t at = std::string::npos, const ReaderLimits& limits = {}) {
  auto parsed = GgufFile::Parse(bytes, limits);
  if (parsed) {
    ADD_FAILURE() << "parse succeeded; expected an error containing '" << expected << "'";
    return {};
  }
  const std::string& message = parsed.error().message;
  EXPECT_EQ(message.rfind("offset ", 0), 0u) << message;
  if (at != std::string::npos) {
    const std::string prefix = fmt::format("offset {}: ", at);
    EXPECT_EQ(message.rfind(prefix, 0), 0u) << "expected prefix '" << prefix << "' in: " << message;
  }
  EXPECT_NE(message.find(expected), std::string::npos) << "expected '" << expected << "' in: " << message;
  return message;
}

inline std::vector<std::byte> ToBytes(std::string_view s) {
  std::vector<std::byte> out(s.size());
  if (!s.empty()) std::memcpy(out.data(), s.data(), s.size());
  return out;
}

}  // namespace citadel::gguf::testing
