#include "gguf/gguf_file.h"

#include <algorithm>
#include <optional>
#include <unordered_map>

#include "core/mapped_file.h"
#include "core/utf8.h"
#include "gguf/byte_cursor.h"
#include "gguf/metadata_reader.h"
#include "gguf/writer.h"

namespace citadel::gguf {

struct GgufFile::State {
  std::optional<MappedFile> mapping;
  std::vector<std::byte> owned;
  std::span<const std::byte> bytes;
  uint32_t version = 0;
  uint64_t alignment = kDefaultAlignment;
  uint64_t data_offset = 0;
  std::vector<MetadataEntry> metadata;
  std::unordered_map<std::string, size_t> key_index;
  std::vector<TensorInfo> tensors;
  std::unordered_map<std::string, size_t> tensor_index;
};

namespace {

using internal::ByteCursor;

// Encoded size lower bounds, to refuse counts the file cannot hold before allocating for them.
constexpr uint64_t kMinMetadataEntryBytes = 8 + 1 + 4 + 1;   // key length, 1-byte key, type, 1-byte value
constexpr uint64_t kMinTensorInfoBytes = 8 + 1 + 4 + 8 + 4 + 8;  // name, 1 dim, type, offset

Result<std::string> ReadName(ByteCursor& cursor, const ReaderLimits& limits, std::string_view what) {
  const uint64_t at = cursor.offset();
  CITADEL_ASSIGN_OR_RETURN(std::string name, cursor.ReadString(what, limits.max_string_bytes));
  if (name.empty()) return Err("offset {}: empty {}", at, what);
  if (!IsValidUtf8(name)) return Err("offset {}: {} is not valid UTF-8", at, what);
  return name;
}

Result<void> ReadHeader(ByteCursor& cursor, GgufFile::State& s, uint64_t& n_tensors, uint64_t& n_metadata,
                        const ReaderLimits& limits) {
  CITADEL_ASSIGN_OR_RETURN(const uint32_t magic, cursor.Read<uint32_t>("magic"));
  if (magic != kMagic) return Err("offset 0: not a GGUF file (magic 0x{:08x}, expected 0x{:08x})", magic, kMagic);
  CITADEL_ASSIGN_OR_RETURN(s.version, cursor.Read<uint32_t>("version"));
  if (s.version == 1) return Err("offset 4: GGUF version 1 is not supported (versions 2 and 3 are)");
  if (s.version != 2 && s.version != 3) {
    // A byte-swapped 1, 2 or 3 has all its bits in the top byte; 0 is not a swapped anything.
    const bool swapped = (s.version & 0x00ffffffu) == 0 && (s.version >> 24) >= 1 && (s.version >> 24) <= 3;
    return Err("offset 4: unsupported GGUF version {}{}", s.version,
               swapped ? " (the file looks big-endian; only little-endian files are supported)" : "");
  }
  CITADEL_ASSIGN_OR_RETURN(n_tensors, cursor.Read<uint64_t>("tensor count"));
  CITADEL_ASSIGN_OR_RETURN(n_metadata, cursor.Read<uint64_t>("metadata count"));
  if (n_tensors > limits.max_tensors) return Err("offset 8: {} tensors > limit {}", n_tensors, limits.max_tensors);
  if (n_metadata > limits.max_metadata_entries) {
    return Err("offset 16: {} metadata entries > limit {}", n_metadata, limits.max_metadata_entries);
  }
  if (n_metadata > cursor.remaining() / kMinMetadataEntryBytes) {
    return Err("offset 16: {} metadata entries cannot fit in the {} bytes left", n_metadata, cursor.remaining());
  }
  if (n_tensors > cursor.remaining() / kMinTensorInfoBytes) {
    return Err("offset 8: {} tensors cannot fit in the {} bytes left", n_tensors, cursor.remaining());
  }
  return Ok();
}

Result<void> ReadMetadata(ByteCursor& cursor, GgufFile::State& s, uint64_t n_metadata, const ReaderLimits& limits) {
  s.metadata.reserve(n_metadata);
  uint64_t alignment_at = 0;  // where general.alignment's type field is, for its errors
  for (uint64_t i = 0; i < n_metadata; ++i) {
    const uint64_t at = cursor.offset();
    CITADEL_ASSIGN_OR_RETURN(std::string key, ReadName(cursor, limits, fmt::format("metadata key #{}", i)));
    if (s.key_index.count(key) != 0) return Err("offset {}: duplicate metadata key '{}'", at, key);
    const uint64_t type_at = cursor.offset();
    CITADEL_ASSIGN_OR_RETURN(const uint32_t raw_type, cursor.Read<uint32_t>(fmt::format("type of key '{}'", key)));
    if (raw_type >= kValueTypeCount) {
      return Err("offset {}: key '{}': unknown value type {}", type_at, key, raw_type);
    }
    CITADEL_ASSIGN_OR_RETURN(Value value,
                             internal::ReadValue(cursor, raw_type, limits, fmt::format("key '{}'", key)));
    if (key == "general.alignment") alignment_at = type_at;
    s.key_index.emplace(key, s.metadata.size());
    s.metadata.push_back(MetadataEntry{std::move(key), std::move(value)});
  }
  if (auto it = s.key_index.find("general.alignment"); it != s.key_index.end()) {
    const auto alignment = s.metadata[it->second].value.As<uint32_t>();
    if (!alignment) return Err("offset {}: key 'general.alignment': {}", alignment_at, alignment.error().message);
    if (*alignment == 0 || (*alignment & (*alignment - 1)) != 0) {
      return Err("offset {}: key 'general.alignment': {} is not a power of two", alignment_at, *alignment);
    }
    s.alignment = *alignment;
  }
  return Ok();
}

Result<TensorInfo> ReadTensorInfo(ByteCursor& cursor, const ReaderLimits& limits, uint64_t index) {
  const uint64_t at = cursor.offset();
  TensorInfo t;
  CITADEL_ASSIGN_OR_RETURN(t.name, ReadName(cursor, limits, fmt::format("name of tensor #{}", index)));
  const std::string what = fmt::format("tensor '{}'", t.name);
  const uint64_t dims_at = cursor.offset();
  CITADEL_ASSIGN_OR_RETURN(const uint32_t n_dims, cursor.Read<uint32_t>(what));
  if (n_dims == 0 || n_dims > kMaxDims) {
    return Err("offset {}: {}: {} dims (1 to {} allowed)", dims_at, what, n_dims, kMaxDims);
  }
  for (uint32_t d = 0; d < n_dims; ++d) {
    const uint64_t dim_at = cursor.offset();
    CITADEL_ASSIGN_OR_RETURN(const uint64_t dim, cursor.Read<uint64_t>(what));
    if (dim == 0) return Err("offset {}: {}: dimension {} is zero", dim_at, what, d);
    t.shape.push_back(dim);
  }
  const uint64_t type_at = cursor.offset();
  CITADEL_ASSIGN_OR_RETURN(const uint32_t raw_type, cursor.Read<uint32_t>(what));
  const auto type_info = LookupTensorType(raw_type);
  if (!type_info) return Err("offset {}: {}: unknown tensor type {}", type_at, what, raw_type);
  t.type = type_info->type;
  CITADEL_ASSIGN_OR_RETURN(t.offset, cursor.Read<uint64_t>(what));
  auto bytes = TensorBytes(t.type, t.shape);
  if (!bytes) return Err("offset {}: {}: {}", at, what, bytes.error().message);
  t.n_bytes = *bytes;
  t.n_elements = 1;
  for (uint64_t d : t.shape) t.n_elements *= d;  // TensorBytes proved this does not overflow
  return t;
}

// Every tensor aligned, inside the data section, and disjoint from the others.
Result<void> ValidateTensorLayout(GgufFile::State& s, uint64_t infos_end) {
  const uint64_t file_size = s.bytes.size();
  const uint64_t data_size = file_size - std::min(s.data_offset, file_size);
  if (!s.tensors.empty() && s.data_offset > file_size) {
    return Err("offset {}: data section starts at {}, past the end of the {}-byte file", infos_end, s.data_offset,
               file_size);
  }
  std::vector<const TensorInfo*> by_offset;
  by_offset.reserve(s.tensors.size());
  for (const auto& t : s.tensors) {
    if (t.offset % s.alignment != 0) {
      return Err("offset {}: tensor '{}': data offset {} is not a multiple of the alignment {}", s.data_offset,
                 t.name, t.offset, s.alignment);
    }
    if (t.offset > data_size || t.n_bytes > data_size - t.offset) {
      return Err("offset {}: tensor '{}': {} bytes at data offset {} extend past the end of the file ({} data bytes)",
                 s.data_offset, t.name, t.n_bytes, t.offset, data_size);
    }
    by_offset.push_back(&t);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const TensorInfo* a, const TensorInfo* b) { return a->offset < b->offset; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    const TensorInfo& prev = *by_offset[i - 1];
    const TensorInfo& next = *by_offset[i];
    if (prev.offset + prev.n_bytes > next.offset) {
      return Err("offset {}: tensors '{}' and '{}' overlap (data offsets {} + {} bytes > {})", s.data_offset,
                 prev.name, next.name, prev.offset, prev.n_bytes, next.offset);
    }
  }
  return Ok();
}

Result<void> ParseInto(GgufFile::State& s, const ReaderLimits& limits) {
  ByteCursor cursor(s.bytes);
  uint64_t n_tensors = 0, n_metadata = 0;
  CITADEL_RETURN_IF_ERROR(ReadHeader(cursor, s, n_tensors, n_metadata, limits));
  CITADEL_RETURN_IF_ERROR(ReadMetadata(cursor, s, n_metadata, limits));
  s.tensors.reserve(n_tensors);
  for (uint64_t i = 0; i < n_tensors; ++i) {
    const uint64_t at = cursor.offset();
    CITADEL_ASSIGN_OR_RETURN(TensorInfo t, ReadTensorInfo(cursor, limits, i));
    if (s.tensor_index.count(t.name) != 0) return Err("offset {}: duplicate tensor name '{}'", at, t.name);
    s.tensor_index.emplace(t.name, s.tensors.size());
    s.tensors.push_back(std::move(t));
  }
  const uint64_t infos_end = cursor.offset();
  s.data_offset = (infos_end + s.alignment - 1) / s.alignment * s.alignment;
  return ValidateTensorLayout(s, infos_end);
}

}  // namespace

Result<GgufFile> GgufFile::Open(const std::filesystem::path& path, const ReaderLimits& limits) {
  CITADEL_ASSIGN_OR_RETURN(MappedFile mapping, MappedFile::Open(path));
  auto state = std::make_unique<State>();
  state->mapping.emplace(std::move(mapping));
  state->bytes = state->mapping->bytes();
  CITADEL_RETURN_IF_ERROR(ParseInto(*state, limits));
  return GgufFile(std::move(state));
}

Result<GgufFile> GgufFile::Parse(std::vector<std::byte> bytes, const ReaderLimits& limits) {
  auto state = std::make_unique<State>();
  state->owned = std::move(bytes);
  state->bytes = state->owned;
  CITADEL_RETURN_IF_ERROR(ParseInto(*state, limits));
  return GgufFile(std::move(state));
}

GgufFile::GgufFile(std::unique_ptr<State> state) : state_(std::move(state)) {}
GgufFile::GgufFile(GgufFile&&) noexcept = default;
GgufFile& GgufFile::operator=(GgufFile&&) noexcept = default;
GgufFile::~GgufFile() = default;

uint32_t GgufFile::version() const { return state_->version; }
uint64_t GgufFile::alignment() const { return state_->alignment; }
uint64_t GgufFile::data_offset() const { return state_->data_offset; }
uint64_t GgufFile::file_size() const { return state_->bytes.size(); }
std::span<const MetadataEntry> GgufFile::metadata() const { return state_->metadata; }
std::span<const TensorInfo> GgufFile::tensors() const { return state_->tensors; }

const Value* GgufFile::Find(std::string_view key) const {
  const auto it = state_->key_index.find(std::string(key));
  return it == state_->key_index.end() ? nullptr : &state_->metadata[it->second].value;
}

const TensorInfo* GgufFile::FindTensor(std::string_view name) const {
  const auto it = state_->tensor_index.find(std::string(name));
  return it == state_->tensor_index.end() ? nullptr : &state_->tensors[it->second];
}

std::span<const std::byte> GgufFile::TensorData(const TensorInfo& tensor) const {
  return state_->bytes.subspan(state_->data_offset + tensor.offset, tensor.n_bytes);
}

void GgufFile::ReleaseTensorPages(const TensorInfo& tensor) const {
  if (state_->mapping) state_->mapping->ReleasePages(TensorData(tensor));
}

Error GgufFile::MissingKey(std::string_view key) { return Err("key '{}' is missing", key); }

Result<int64_t> GgufFile::GetInteger(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return MissingKey(key);
  auto r = v->AsInteger();
  if (!r) return r.error().Wrap(fmt::format("key '{}'", key));
  return r;
}

Result<double> GgufFile::GetFloat(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return MissingKey(key);
  auto r = v->AsFloat();
  if (!r) return r.error().Wrap(fmt::format("key '{}'", key));
  return r;
}

Result<const Array*> GgufFile::GetArrayValue(std::string_view key) const {
  const Value* v = Find(key);
  if (v == nullptr) return MissingKey(key);
  const Array* a = v->AsArray();
  if (a == nullptr) return Err("key '{}': has type {}, expected ARRAY", key, Name(v->type()));
  return a;
}

}  // namespace citadel::gguf
