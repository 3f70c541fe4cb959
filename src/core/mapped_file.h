#pragma once
// A read-only memory mapping of a whole file. Move-only; unmaps on destruction.

#include <cstddef>
#include <filesystem>
#include <span>

#include "core/result.h"

namespace citadel {

class MappedFile {
 public:
  static Result<MappedFile> Open(const std::filesystem::path& path);

  MappedFile(MappedFile&& other) noexcept;
  MappedFile& operator=(MappedFile&& other) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  std::span<const std::byte> bytes() const { return {data_, size_}; }
  size_t size() const { return size_; }

  // Drops the whole pages inside `range` (part of bytes()) from this process's resident set, for
  // data a caller has copied and will rarely read again. Contents are unchanged: the mapping is
  // private and never written, so a page touched later reads back from the file.
  void ReleasePages(std::span<const std::byte> range) const;

 private:
  MappedFile(const std::byte* data, size_t size) : data_(data), size_(size) {}
  void Reset();

  const std::byte* data_ = nullptr;
  size_t size_ = 0;
};

}  // namespace citadel
