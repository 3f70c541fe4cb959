// libFuzzer entry point for the GGUF reader. Beyond "no crash", it turns the reader's promises into
// aborts the fuzzer can find: every error names an offset; an accepted file has every tensor
// aligned, in bounds and sized by its type; and an accepted file survives a writer round trip.

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "core/check.h"
#include "gguf/gguf_file.h"
#include "gguf/writer.h"

namespace {

using citadel::gguf::Array;
using citadel::gguf::GgufFile;
using citadel::gguf::GgufWriter;
using citadel::gguf::Value;

uint64_t Touch(const Array& a);

uint64_t Touch(const Value& v) {
  return std::visit(
      [](const auto& x) -> uint64_t {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          uint64_t h = x.size();
          for (char c : x) h = h * 31 + static_cast<uint8_t>(c);
          return h;
        } else if constexpr (std::is_same_v<T, Array>) {
          return Touch(x);
        } else {
          uint64_t h = 0;
          std::memcpy(&h, &x, sizeof(x));  // floats by their bits: NaN is fine
          return h;
        }
      },
      v.storage());
}

uint64_t Touch(const Array& a) {
  return std::visit(
      [](const auto& items) {
        uint64_t h = items.size();
        for (const auto& item : items) h = h * 7 + Touch(Value(item));
        return h;
      },
      a.items);
}

// Writer output of what was parsed: the canonical form of an accepted file.
std::vector<std::byte> Canonical(const GgufFile& file) {
  GgufWriter w(file.version());
  for (const auto& entry : file.metadata()) w.Set(entry.key, entry.value);
  for (const auto& t : file.tensors()) {
    const auto data = file.TensorData(t);
    auto added = w.AddTensor(t.name, t.type, t.shape, std::vector<std::byte>(data.begin(), data.end()));
    CITADEL_CHECK_MSG(added.has_value(), added.error().message.c_str());
  }
  auto bytes = w.Serialize();
  CITADEL_CHECK_MSG(bytes.has_value(), bytes.error().message.c_str());
  return std::move(bytes).value();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // Parse takes ownership of a copy, so ASan sees reads past the input's end as heap overflows.
  std::vector<std::byte> bytes(size);
  if (size != 0) std::memcpy(bytes.data(), data, size);
  auto file = GgufFile::Parse(std::move(bytes));
  if (!file) {
    CITADEL_CHECK_MSG(file.error().message.rfind("offset ", 0) == 0, file.error().message.c_str());
    return 0;
  }
  volatile uint64_t sink = 0;
  for (const auto& entry : file->metadata()) {
    sink = sink + entry.key.size() + Touch(entry.value);
    CITADEL_CHECK(file->Find(entry.key) == &entry.value);
  }
  CITADEL_CHECK(file->data_offset() % file->alignment() == 0);
  for (const auto& t : file->tensors()) {
    CITADEL_CHECK(file->FindTensor(t.name) == &t);
    CITADEL_CHECK(t.offset % file->alignment() == 0);
    const auto expected = citadel::gguf::TensorBytes(t.type, t.shape);
    CITADEL_CHECK(expected.has_value() && *expected == t.n_bytes);
    CITADEL_CHECK(file->data_offset() + t.offset + t.n_bytes <= file->file_size());
    const auto span = file->TensorData(t);
    CITADEL_CHECK(span.size() == t.n_bytes);
    for (std::byte b : span) sink = sink + static_cast<uint8_t>(b);
  }
  // The writer pads to the alignment, so a hostile 2^31 would only measure memory, not the code.
  if (file->alignment() <= 4096) {
    const std::vector<std::byte> once = Canonical(*file);
    auto reparsed = GgufFile::Parse(once);
    CITADEL_CHECK_MSG(reparsed.has_value(), reparsed.error().message.c_str());
    CITADEL_CHECK(Canonical(*reparsed) == once);
  }
  return 0;
}
