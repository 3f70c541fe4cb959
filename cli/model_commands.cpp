#include "model_commands.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.h"
#include "gguf/gguf_file.h"
#include "model/model_info.h"
#include "quant/quant.h"

namespace citadel::cli {
namespace {

using nlohmann::ordered_json;

ordered_json ValueToJson(const gguf::Value& value) {
  if (const gguf::Array* array = value.AsArray()) {
    // Arrays (vocabularies, merges) are summarized: a description is not a dump.
    return ordered_json{{"array_of", gguf::Name(array->element_type())}, {"length", array->size()}};
  }
  return std::visit(
      [](const auto& v) -> ordered_json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, gguf::Array>) {
          return nullptr;  // handled above
        } else if constexpr (std::is_same_v<T, float>) {
          return static_cast<double>(v);
        } else {
          return v;
        }
      },
      value.storage());
}

template <class T>
void PutOptional(ordered_json& j, const char* key, const std::optional<T>& v) {
  j[key] = v ? ordered_json(*v) : ordered_json(nullptr);
}

ordered_json InfoToJson(const std::string& path, const gguf::GgufFile& file, const model::ModelInfo& info) {
  ordered_json j;
  j["file"] = path;
  j["architecture"] = info.architecture;
  j["supported"] = info.supported;
  j["name"] = info.name;
  j["gguf_version"] = info.gguf_version;
  j["file_size"] = info.file_size;
  j["n_parameters"] = info.n_parameters;
  j["tensor_bytes"] = info.tensor_bytes;
  ordered_json hp;
  PutOptional(hp, "context_length", info.context_length);
  PutOptional(hp, "embedding_length", info.embedding_length);
  PutOptional(hp, "block_count", info.block_count);
  PutOptional(hp, "feed_forward_length", info.feed_forward_length);
  PutOptional(hp, "head_count", info.head_count);
  PutOptional(hp, "head_count_kv", info.head_count_kv);
  PutOptional(hp, "key_length", info.key_length);
  PutOptional(hp, "value_length", info.value_length);
  PutOptional(hp, "rope_dimension_count", info.rope_dimension_count);
  PutOptional(hp, "rope_freq_base", info.rope_freq_base);
  PutOptional(hp, "rope_scaling_factor", info.rope_scaling_factor);
  hp["rope_scaling_type"] = info.rope_scaling_type.empty() ? ordered_json(nullptr) : ordered_json(info.rope_scaling_type);
  PutOptional(hp, "rms_norm_eps", info.rms_norm_eps);
  hp["tied_output"] = info.tied_output;
  j["hyperparameters"] = hp;
  j["tokenizer"] = {{"model", info.tokenizer_model},
                    {"pre", info.tokenizer_pre},
                    {"vocab_size", info.vocab_size},
                    {"chat_template", info.has_chat_template}};
  ordered_json mix = ordered_json::object();
  for (const auto& [type, usage] : info.type_mix) {
    mix[type] = {{"tensors", usage.tensors}, {"elements", usage.elements}, {"bytes", usage.bytes}};
  }
  j["type_mix"] = mix;
  ordered_json metadata = ordered_json::object();
  for (const auto& entry : file.metadata()) metadata[entry.key] = ValueToJson(entry.value);
  j["metadata"] = metadata;
  ordered_json tensors = ordered_json::array();
  for (const auto& t : file.tensors()) {
    tensors.push_back({{"name", t.name},
                       {"type", gguf::Name(t.type)},
                       {"shape", t.shape},
                       {"n_elements", t.n_elements},
                       {"n_bytes", t.n_bytes}});
  }
  j["tensors"] = tensors;
  return j;
}

std::string HumanBytes(uint64_t bytes) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  return fmt::format("{:.2f} {}", v, units[u]);
}

std::string HumanCount(uint64_t n) {
  if (n >= 1'000'000'000) return fmt::format("{:.2f} B", static_cast<double>(n) / 1e9);
  if (n >= 1'000'000) return fmt::format("{:.2f} M", static_cast<double>(n) / 1e6);
  if (n >= 1'000) return fmt::format("{:.2f} K", static_cast<double>(n) / 1e3);
  return std::to_string(n);
}

std::string Show(const std::optional<int64_t>& v) { return v ? fmt::format("{}", *v) : std::string("-"); }
std::string Show(const std::optional<double>& v) { return v ? fmt::format("{:g}", *v) : std::string("-"); }

void PrintInfoText(const std::string& path, const gguf::GgufFile& file, const model::ModelInfo& info) {
  fmt::print("file          {}\n", path);
  fmt::print("architecture  {}{}\n", info.architecture,
             info.supported ? "" : fmt::format("  (not supported for inference; supported: {})",
                                               fmt::join(model::SupportedArchitectures(), ", ")));
  if (!info.name.empty()) fmt::print("name          {}\n", info.name);
  fmt::print("size          {} (GGUF v{}, {} tensors)\n", HumanBytes(info.file_size), info.gguf_version, info.n_tensors);
  fmt::print("parameters    {}\n", HumanCount(info.n_parameters));
  fmt::print("context       {}\n", Show(info.context_length));
  fmt::print("layers        {}   embedding {}   FFN {}\n", Show(info.block_count), Show(info.embedding_length),
             Show(info.feed_forward_length));
  fmt::print("heads         {}   KV heads {}   key/value length {}/{}\n", Show(info.head_count),
             Show(info.head_count_kv), Show(info.key_length), Show(info.value_length));
  fmt::print("RoPE          base {}   dims {}   scaling {}{}\n", Show(info.rope_freq_base),
             Show(info.rope_dimension_count), info.rope_scaling_type.empty() ? "none" : info.rope_scaling_type,
             info.rope_scaling_factor ? fmt::format(" x{}", *info.rope_scaling_factor) : "");
  fmt::print("RMS norm eps  {}\n", Show(info.rms_norm_eps));
  fmt::print("output        {}\n", info.tied_output ? "tied to token embedding" : "separate matrix");
  fmt::print("tokenizer     {} (pre: {})   vocabulary {}   chat template {}\n",
             info.tokenizer_model.empty() ? "none" : info.tokenizer_model,
             info.tokenizer_pre.empty() ? "-" : info.tokenizer_pre, info.vocab_size,
             info.has_chat_template ? "yes" : "no");
  fmt::print("tensor types\n");
  for (const auto& [type, usage] : info.type_mix) {
    fmt::print("  {:<8} {:>5} tensors  {:>10} params  {:>12}\n", type, usage.tensors, HumanCount(usage.elements),
               HumanBytes(usage.bytes));
  }
  fmt::print("tensors (first 12 of {})\n", file.tensors().size());
  size_t shown = 0;
  for (const auto& t : file.tensors()) {
    if (shown++ == 12) break;
    fmt::print("  {:<32} {:<6} [{}]\n", t.name, gguf::Name(t.type), fmt::join(t.shape, ", "));
  }
}

int RunInfo(const std::string& path, bool json) {
  auto file = gguf::GgufFile::Open(path);
  if (!file) return Fail(fmt::format("{}: {}", path, file.error().message));
  auto info = model::Describe(*file);
  if (!info) return Fail(fmt::format("{}: {}", path, info.error().message));
  if (json) {
    fmt::print("{}\n", InfoToJson(path, *file, *info).dump(1));
  } else {
    PrintInfoText(path, *file, *info);
  }
  return 0;
}

// A dry load: every tensor's bytes are decoded to floats and checked for NaN and infinity, which
// touches every page of the file and proves each block decodes.
int RunCheck(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  auto file = gguf::GgufFile::Open(path);
  if (!file) return Fail(fmt::format("{}: {}", path, file.error().message));
  auto info = model::Describe(*file);
  if (!info) return Fail(fmt::format("{}: {}", path, info.error().message));

  uint64_t decoded_bytes = 0, non_finite = 0;
  std::vector<std::string> undecodable;
  std::vector<float> row;
  for (const auto& t : file->tensors()) {
    if (!quant::CanDequantize(t.type)) {
      undecodable.push_back(fmt::format("{} ({})", t.name, gguf::Name(t.type)));
      continue;
    }
    const auto data = file->TensorData(t);
    const uint64_t n_rows = t.n_elements / t.shape[0];
    const uint64_t row_bytes = t.n_bytes / n_rows;
    row.resize(t.shape[0]);
    for (uint64_t r = 0; r < n_rows; ++r) {
      auto decoded = quant::Dequantize(t.type, data.subspan(r * row_bytes, row_bytes), row);
      if (!decoded) return Fail(fmt::format("{}: tensor '{}' row {}: {}", path, t.name, r, decoded.error().message));
      for (float x : row) non_finite += std::isfinite(x) ? 0 : 1;
    }
    decoded_bytes += t.n_bytes;
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  fmt::print("checked {}: {} tensors, {} decoded in {:.2f} s ({:.0f} MiB/s)\n", path, file->tensors().size(),
             HumanBytes(decoded_bytes), seconds, static_cast<double>(decoded_bytes) / (1 << 20) / std::max(seconds, 1e-9));
  if (!undecodable.empty()) {
    return Fail(fmt::format("{}: {} tensor(s) of types Citadel cannot compute with: {}", path, undecodable.size(),
                            fmt::join(undecodable, ", ")));
  }
  if (non_finite != 0) return Fail(fmt::format("{}: {} weights are NaN or infinite", path, non_finite));
  if (!info->supported) {
    return Fail(fmt::format("{}: architecture '{}' is not supported (supported: {})", path, info->architecture,
                            fmt::join(model::SupportedArchitectures(), ", ")));
  }
  fmt::print("ok: every weight decodes to a finite value; architecture {} is supported\n", info->architecture);
  return 0;
}

}  // namespace

void AddModelCommands(CLI::App& app, int& exit_code) {
  auto* model = app.add_subcommand("model", "Inspect GGUF model files");
  model->require_subcommand(1);

  auto* info = model->add_subcommand("info", "Describe a GGUF model: architecture, size, shapes, tokenizer");
  auto info_path = std::make_shared<std::string>();
  auto info_json = std::make_shared<bool>(false);
  info->add_option("file", *info_path, "GGUF file")->required();
  info->add_flag("--json", *info_json, "machine-readable output with every metadata key and tensor");
  info->callback([info_path, info_json, &exit_code] { exit_code = RunInfo(*info_path, *info_json); });

  auto* check = model->add_subcommand("check", "Dry load: validate the file and decode every tensor");
  auto check_path = std::make_shared<std::string>();
  check->add_option("file", *check_path, "GGUF file")->required();
  check->callback([check_path, &exit_code] { exit_code = RunCheck(*check_path); });
}

}  // namespace citadel::cli
