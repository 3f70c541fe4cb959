// Writes the seed corpus for gguf_reader_fuzz: a few small valid files that between them hold
// every metadata value type, several tensor types and ranks, both versions and a custom alignment.
// Usage: gguf_seed_corpus <output-dir>

#include <cstdio>
#include <filesystem>
#include <string>
#include <vector>

#include "gguf/writer.h"

namespace {

using citadel::Result;
using citadel::gguf::Array;
using citadel::gguf::GgufWriter;
using citadel::gguf::TensorType;

std::vector<std::byte> Bytes(size_t n, unsigned seed) {
  std::vector<std::byte> out(n);
  for (size_t i = 0; i < n; ++i) out[i] = static_cast<std::byte>((i * 131 + seed) & 0xff);
  return out;
}

GgufWriter AllValueTypes() {
  GgufWriter w;
  w.Set("general.architecture", "llama");
  w.Set("u8", uint8_t{200});
  w.Set("i8", int8_t{-3});
  w.Set("u16", uint16_t{60000});
  w.Set("i16", int16_t{-300});
  w.Set("u32", uint32_t{70000});
  w.Set("i32", int32_t{-70000});
  w.Set("f32", 1e-5f);
  w.Set("bool", true);
  w.Set("str", "\u00e9t\u00e9 \U0001F600");
  w.Set("u64", uint64_t{1} << 40);
  w.Set("i64", int64_t{-1} << 40);
  w.Set("f64", 10000.0);
  w.Set("tokens", Array::Of<std::string>({"<s>", "</s>", "\u2581a", ""}));
  w.Set("scores", Array::Of<float>({0.0f, -1.5f, -2.0f, 3.0f}));
  w.Set("types", Array::Of<int32_t>({1, 3, 1, 6}));
  w.Set("flags", Array::OfBools({1, 0, 1}));
  w.Set("u64s", Array::Of<uint64_t>({1, 2}));
  w.Set("nested", Array::OfArrays({Array::Of<uint8_t>({1, 2}), Array::OfArrays({Array::Of<double>({0.5})})}));
  w.Set("empty", Array::Of<int16_t>({}));
  return w;
}

Result<GgufWriter> SeveralTensorTypes(uint32_t version) {
  GgufWriter w(version);
  w.Set("general.architecture", "qwen3");
  w.Set("qwen3.block_count", uint32_t{1});
  CITADEL_RETURN_IF_ERROR(w.AddTensor("output_norm.weight", TensorType::kF32, {8}, Bytes(32, 1)));
  CITADEL_RETURN_IF_ERROR(w.AddTensor("token_embd.weight", TensorType::kQ8_0, {32, 4}, Bytes(136, 2)));
  CITADEL_RETURN_IF_ERROR(w.AddTensor("blk.0.attn_q.weight", TensorType::kQ4_0, {64, 2}, Bytes(72, 3)));
  CITADEL_RETURN_IF_ERROR(w.AddTensor("blk.0.ffn_up.weight", TensorType::kQ4_K, {256, 1}, Bytes(144, 4)));
  CITADEL_RETURN_IF_ERROR(w.AddTensor("blk.0.ffn_down.weight", TensorType::kQ6_K, {256}, Bytes(210, 5)));
  CITADEL_RETURN_IF_ERROR(w.AddTensor("blk.0.attn_k.weight", TensorType::kF16, {4, 2, 2}, Bytes(32, 6)));
  CITADEL_RETURN_IF_ERROR(w.AddTensor("blk.0.attn_v.weight", TensorType::kBF16, {2, 1, 2, 2}, Bytes(16, 7)));
  return w;
}

Result<GgufWriter> CustomAlignment() {
  GgufWriter w(2);
  w.Set("general.alignment", uint32_t{64});
  w.Set("general.name", "aligned");
  CITADEL_RETURN_IF_ERROR(w.AddTensor("a", TensorType::kI8, {3}, Bytes(3, 8)));
  CITADEL_RETURN_IF_ERROR(w.AddTensor("b", TensorType::kI32, {5}, Bytes(20, 9)));
  return w;
}

Result<void> Write(const GgufWriter& w, const std::filesystem::path& path) {
  CITADEL_RETURN_IF_ERROR(w.WriteFile(path));
  std::printf("wrote %s (%ju bytes)\n", path.c_str(), static_cast<uintmax_t>(std::filesystem::file_size(path)));
  return citadel::Ok();
}

Result<void> Run(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (ec) return citadel::Err("cannot create '{}': {}", dir.string(), ec.message());
  CITADEL_RETURN_IF_ERROR(Write(GgufWriter(), dir / "empty.gguf"));
  CITADEL_RETURN_IF_ERROR(Write(AllValueTypes(), dir / "all-value-types.gguf"));
  CITADEL_ASSIGN_OR_RETURN(const GgufWriter v3, SeveralTensorTypes(3));
  CITADEL_RETURN_IF_ERROR(Write(v3, dir / "tensors-v3.gguf"));
  CITADEL_ASSIGN_OR_RETURN(const GgufWriter v2, SeveralTensorTypes(2));
  CITADEL_RETURN_IF_ERROR(Write(v2, dir / "tensors-v2.gguf"));
  CITADEL_ASSIGN_OR_RETURN(const GgufWriter aligned, CustomAlignment());
  return Write(aligned, dir / "alignment-64.gguf");
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::fprintf(stderr, "usage: %s <output-dir>\n", argv[0]);
    return 2;
  }
  if (auto done = Run(argv[1]); !done) {
    std::fprintf(stderr, "gguf_seed_corpus: %s\n", done.error().message.c_str());
    return 1;
  }
  return 0;
}
