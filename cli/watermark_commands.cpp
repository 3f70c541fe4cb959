#include "watermark_commands.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <string>
#include <vector>

#include "cli_support.h"
#include "core/key_file.h"
#include "gguf/gguf_file.h"
#include "tokenizer/tokenizer.h"
#include "watermark/detector.h"
#include "watermark/keys.h"

namespace citadel::cli {
namespace {

namespace wm = watermark;

struct DetectArgs {
  std::string model, key_file, input, scheme = "previous";
  std::vector<std::string> tenants;
  double threshold = wm::kDefaultThreshold;
  double gamma = wm::WatermarkSettings{}.gamma;
  int h = wm::WatermarkSettings{}.context_width;
  bool json = false;
};

Result<std::string> ReadText(const std::string& path) {
  if (path == "-") return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  std::ifstream in(path, std::ios::binary);
  if (!in) return Err("cannot read '{}'", path);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

Result<void> RunDetect(const DetectArgs& a) {
  CITADEL_ASSIGN_OR_RETURN(const wm::Scheme scheme, wm::ParseScheme(a.scheme));
  const wm::WatermarkSettings settings{.gamma = a.gamma, .context_width = a.h, .scheme = scheme};
  CITADEL_RETURN_IF_ERROR(settings.Validate());
  if (a.tenants.empty()) return Err("--tenants needs at least one tenant id");
  if (!(a.threshold > 0)) return Err("--threshold must be a positive z-score");
  CITADEL_ASSIGN_OR_RETURN(const wm::WatermarkKeys keys, wm::WatermarkKeys::Load(a.key_file));
  auto file = gguf::GgufFile::Open(a.model);
  if (!file) return file.error().Wrap(a.model);
  auto tok = tokenizer::Tokenizer::FromGguf(*file);
  if (!tok) return tok.error().Wrap(a.model);
  CITADEL_ASSIGN_OR_RETURN(const std::string text, ReadText(a.input));
  // No BOS: the generated text the watermark lives in never started with one.
  CITADEL_ASSIGN_OR_RETURN(const std::vector<int32_t> ids, tok->Encode(text, {.add_special = false}));

  std::vector<wm::TenantKey> tenant_keys;
  for (const std::string& t : a.tenants) tenant_keys.push_back(keys.ForTenant(t));
  const wm::DetectionReport r = wm::Detect(ids, tenant_keys, settings, a.threshold);

  if (a.json) {
    nlohmann::ordered_json scores = nlohmann::ordered_json::array();
    for (const wm::KeyScore& s : r.scores) {
      scores.push_back({{"tenant", s.tenant}, {"key_id", s.key_id}, {"scored", s.scored}, {"green", s.green},
                        {"z", s.z}, {"p_value", s.p_value}});
    }
    const nlohmann::ordered_json out = {
        {"tokens", r.tokens},
        {"scored", r.scored},
        {"repeated", r.repeated},
        {"threshold", r.threshold},
        {"p_threshold", r.p_threshold},
        {"watermarked", r.watermarked()},
        {"tenant", r.best ? nlohmann::ordered_json(r.scores[*r.best].tenant) : nlohmann::ordered_json(nullptr)},
        {"key_id", r.best ? nlohmann::ordered_json(r.scores[*r.best].key_id) : nlohmann::ordered_json(nullptr)},
        {"verdict", r.Verdict()},
        {"scores", scores}};
    std::printf("%s\n", out.dump(2).c_str());
    return Ok();
  }
  std::printf("%lld tokens, %lld scored (%lld repeated n-grams skipped), gamma %.3g, h %d, %s\n",
              static_cast<long long>(r.tokens), static_cast<long long>(r.scored), static_cast<long long>(r.repeated),
              settings.gamma, settings.context_width, std::string(wm::SchemeName(scheme)).c_str());
  std::printf("%-20s %-16s %7s %7s %9s %12s\n", "tenant", "key id", "T", "G", "z", "p");
  for (const wm::KeyScore& s : r.scores) {
    std::printf("%-20s %-16s %7lld %7lld %9.3f %12.3g\n", s.tenant.c_str(), s.key_id.c_str(),
                static_cast<long long>(s.scored), static_cast<long long>(s.green), s.z, s.p_value);
  }
  std::printf("verdict: %s (threshold z >= %g, read as exact binomial p <= %.3g)\n", r.Verdict().c_str(), r.threshold,
              r.p_threshold);
  return Ok();
}

}  // namespace

void AddWatermarkCommands(CLI::App& app, int& exit_code) {
  auto* group = app.add_subcommand("watermark", "Output watermark keys and leak attribution");
  group->require_subcommand(1);

  auto out = std::make_shared<std::string>();
  auto* keygen = group->add_subcommand("keygen", "Write a new watermark master secret (mode 0600)");
  keygen->add_option("--out", *out, "key file to create; never overwritten")->required();
  keygen->callback([out, &exit_code] {
    if (auto r = WriteNewKeyFile(*out); !r) {
      exit_code = Fail("watermark keygen: " + r.error().message);
      return;
    }
    std::printf("wrote %s\n", out->c_str());
  });

  auto args = std::make_shared<DetectArgs>();
  auto* detect = group->add_subcommand("detect", "Score a text under each tenant's key and name the tenant whose watermark it carries");
  detect->add_option("--model", args->model, "GGUF model whose tokenizer produced the text")->required();
  detect->add_option("--key-file", args->key_file, "watermark master secret")->required();
  detect->add_option("--tenants", args->tenants, "candidate tenant ids, comma-separated")->required()->delimiter(',');
  detect->add_option("--threshold", args->threshold, "z-score from which a text counts as watermarked, applied as its normal p-value to the exact binomial p-value (default 4)");
  detect->add_option("--gamma", args->gamma, "green fraction used when embedding (default 0.25)");
  detect->add_option("--h", args->h, "context width used when embedding (default 1)");
  detect->add_option("--scheme", args->scheme, "previous | minhash (default previous)");
  detect->add_flag("--json", args->json, "print the report as JSON");
  detect->add_option("input", args->input, "text file, or - for standard input")->required();
  detect->callback([args, &exit_code] {
    if (auto r = RunDetect(*args); !r) exit_code = Fail("watermark detect: " + r.error().message);
  });
}

}  // namespace citadel::cli
