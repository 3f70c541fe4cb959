#include "gguf/writer.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "gguf/gguf_file.h"

namespace citadel::gguf {

struct GgufWriter::PendingTensor {
  std::string name;
  TensorType type;
  std::vector<uint64_t> shape;
  uint64_t n_bytes = 0;
  std::vector<std::byte> data;  // used when fill is empty
  FillFn fill;
};

namespace {

using Sink = std::function<Result<void>(std::span<const std::byte>)>;

// Serializes into a byte buffer that is flushed to the sink in large pieces.
class Encoder {
 public:
  explicit Encoder(const Sink& sink) : sink_(sink) {}

  template <class T>
  void Put(const T& v) {
    Append(&v, sizeof(T));
  }
  void PutString(std::string_view s) {
    Put<uint64_t>(s.size());
    Append(s.data(), s.size());
  }
  void PutArray(const Array& a) {
    Put<uint32_t>(static_cast<uint32_t>(a.element_type()));
    Put<uint64_t>(a.size());
    std::visit(
        [this](const auto& items) {
          using E = typename std::decay_t<decltype(items)>::value_type;
          for (const auto& item : items) {
            if constexpr (std::is_same_v<E, std::string>) {
              PutString(item);
            } else if constexpr (std::is_same_v<E, Array>) {
              PutArray(item);
            } else {
              Put<E>(item);
            }
          }
        },
        a.items);
  }
  void PutValue(const Value& v) {
    std::visit(
        [this](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) {
            PutString(x);
          } else if constexpr (std::is_same_v<T, Array>) {
            PutArray(x);
          } else if constexpr (std::is_same_v<T, bool>) {
            Put<uint8_t>(x ? 1 : 0);
          } else {
            Put<T>(x);
          }
        },
        v.storage());
  }
  void PadTo(uint64_t alignment) {
    while ((written_ + buffer_.size()) % alignment != 0) buffer_.push_back(std::byte{0});
  }
  Result<void> Flush() {
    if (buffer_.empty()) return Ok();
    CITADEL_RETURN_IF_ERROR(sink_(buffer_));
    written_ += buffer_.size();
    buffer_.clear();
    return Ok();
  }
  Result<void> Raw(std::span<const std::byte> bytes) {
    CITADEL_RETURN_IF_ERROR(Flush());
    CITADEL_RETURN_IF_ERROR(sink_(bytes));
    written_ += bytes.size();
    return Ok();
  }

 private:
  // resize + memcpy rather than vector::insert, which trips g++ 12's -Wstringop-overflow at -O3.
  void Append(const void* data, size_t n) {
    if (n == 0) return;
    const size_t old = buffer_.size();
    buffer_.resize(old + n);
    std::memcpy(buffer_.data() + old, data, n);
  }

  const Sink& sink_;
  std::vector<std::byte> buffer_;
  uint64_t written_ = 0;
};

}  // namespace

Result<uint64_t> TensorBytes(TensorType type, std::span<const uint64_t> shape) {
  if (shape.empty() || shape.size() > 4) return Err("{} dims (1 to 4 allowed)", shape.size());
  const auto& info = Info(type);
  if (shape[0] % info.block_elements != 0) {
    return Err("first dimension {} is not a multiple of the {} block size {}", shape[0], info.name, info.block_elements);
  }
  // Row bytes, then rows: each product is checked so that no dimension can wrap the total.
  uint64_t total = shape[0] / info.block_elements;
  if (total > UINT64_MAX / info.block_bytes) return Err("byte size overflows");
  total *= info.block_bytes;
  uint64_t elements = shape[0];
  for (size_t d = 1; d < shape.size(); ++d) {
    if (shape[d] == 0) return Err("dimension {} is zero", d);
    if (total > UINT64_MAX / shape[d] || elements > UINT64_MAX / shape[d]) return Err("element count overflows");
    total *= shape[d];
    elements *= shape[d];
  }
  if (shape[0] == 0) return Err("dimension 0 is zero");
  if (elements > static_cast<uint64_t>(INT64_MAX)) return Err("element count overflows");
  return total;
}

GgufWriter::GgufWriter(uint32_t version) : version_(version) {}

void GgufWriter::Set(std::string key, Value value) {
  for (auto& [k, v] : metadata_) {
    if (k == key) {
      v = std::move(value);
      return;
    }
  }
  metadata_.emplace_back(std::move(key), std::move(value));
}

bool GgufWriter::Remove(std::string_view key) {
  for (auto it = metadata_.begin(); it != metadata_.end(); ++it) {
    if (it->first == key) {
      metadata_.erase(it);
      return true;
    }
  }
  return false;
}

Result<void> GgufWriter::AddTensor(std::string name, TensorType type, std::vector<uint64_t> shape,
                                   std::vector<std::byte> data) {
  CITADEL_ASSIGN_OR_RETURN(const uint64_t n_bytes, TensorBytes(type, shape));
  if (data.size() != n_bytes) {
    return Err("tensor '{}': {} bytes of data for a {} tensor of {} bytes", name, data.size(), Name(type), n_bytes);
  }
  CITADEL_RETURN_IF_ERROR(AddTensor(std::move(name), type, std::move(shape), FillFn{}));
  tensors_.back()->data = std::move(data);
  return Ok();
}

Result<void> GgufWriter::AddTensor(std::string name, TensorType type, std::vector<uint64_t> shape, FillFn fill) {
  if (name.empty()) return Err("tensor name is empty");
  for (const auto& t : tensors_) {
    if (t->name == name) return Err("duplicate tensor name '{}'", name);
  }
  auto n_bytes = TensorBytes(type, shape);
  if (!n_bytes) return n_bytes.error().Wrap(fmt::format("tensor '{}'", name));
  auto t = std::make_shared<PendingTensor>();
  t->name = std::move(name);
  t->type = type;
  t->shape = std::move(shape);
  t->n_bytes = *n_bytes;
  t->fill = std::move(fill);
  tensors_.push_back(std::move(t));
  return Ok();
}

Result<void> GgufWriter::Emit(const Sink& sink) const {
  uint64_t alignment = kDefaultAlignment;
  for (const auto& [key, value] : metadata_) {
    if (key != "general.alignment") continue;
    auto a = value.As<uint32_t>();
    if (!a || *a == 0 || (*a & (*a - 1)) != 0) return Err("general.alignment must be a UINT32 power of two");
    alignment = *a;
  }
  Encoder e(sink);
  e.Put<uint32_t>(kMagic);
  e.Put<uint32_t>(version_);
  e.Put<uint64_t>(tensors_.size());
  e.Put<uint64_t>(metadata_.size());
  for (const auto& [key, value] : metadata_) {
    e.PutString(key);
    e.Put<uint32_t>(static_cast<uint32_t>(value.type()));
    e.PutValue(value);
  }
  uint64_t offset = 0;
  for (const auto& t : tensors_) {
    e.PutString(t->name);
    e.Put<uint32_t>(static_cast<uint32_t>(t->shape.size()));
    for (uint64_t d : t->shape) e.Put<uint64_t>(d);
    e.Put<uint32_t>(static_cast<uint32_t>(t->type));
    e.Put<uint64_t>(offset);
    offset += (t->n_bytes + alignment - 1) / alignment * alignment;
  }
  e.PadTo(alignment);
  std::vector<std::byte> scratch;
  for (const auto& t : tensors_) {
    if (t->fill) {
      scratch.assign(t->n_bytes, std::byte{0});
      if (auto filled = t->fill(scratch); !filled) return filled.error().Wrap(fmt::format("tensor '{}'", t->name));
      CITADEL_RETURN_IF_ERROR(e.Raw(scratch));
    } else {
      // Only reachable through AddTensor(..., FillFn{}): an empty fill would silently shift every
      // later tensor, so it is an error rather than a corrupt file.
      if (t->data.size() != t->n_bytes) return Err("tensor '{}': no data and no fill function", t->name);
      CITADEL_RETURN_IF_ERROR(e.Raw(t->data));
    }
    e.PadTo(alignment);
  }
  return e.Flush();
}

Result<std::vector<std::byte>> GgufWriter::Serialize() const {
  std::vector<std::byte> out;
  CITADEL_RETURN_IF_ERROR(Emit([&out](std::span<const std::byte> bytes) -> Result<void> {
    const size_t old = out.size();
    out.resize(old + bytes.size());
    if (!bytes.empty()) std::memcpy(out.data() + old, bytes.data(), bytes.size());
    return Ok();
  }));
  return out;
}

Result<void> GgufWriter::WriteFile(const std::filesystem::path& path) const {
  const std::filesystem::path tmp = path.string() + ".tmp";
  std::unique_ptr<FILE, int (*)(FILE*)> file(std::fopen(tmp.c_str(), "wb"), &std::fclose);
  if (!file) return Err("cannot create '{}': {}", tmp.string(), std::strerror(errno));
  auto emitted = Emit([&file, &tmp](std::span<const std::byte> bytes) -> Result<void> {
    if (std::fwrite(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) {
      return Err("cannot write '{}': {}", tmp.string(), std::strerror(errno));
    }
    return Ok();
  });
  const bool closed = std::fclose(file.release()) == 0;
  std::error_code ec;
  if (!emitted || !closed) {
    std::filesystem::remove(tmp, ec);
    return emitted ? Err("cannot write '{}'", tmp.string()) : std::move(emitted).error();
  }
  std::filesystem::rename(tmp, path, ec);
  if (ec) {
    std::filesystem::remove(tmp, ec);
    return Err("cannot rename '{}' to '{}': {}", tmp.string(), path.string(), ec.message());
  }
  return Ok();
}

}  // namespace citadel::gguf
