#include "serve_command.h"

#include <fmt/format.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "cli_support.h"
#include "engine/engine.h"
#include "model/model.h"
#include "server/config.h"
#include "server/serve.h"
#include "tokenizer/tokenizer.h"

namespace citadel::cli {
namespace {

// Flags given on the command line; each overrides the config file's key.
struct ServeFlags {
  std::string config_path;
  std::optional<std::string> model, host, kv_memory, model_id;
  std::optional<int> port, threads, parallel;
};

Result<server::ServerConfig> Resolve(const ServeFlags& f) {
  server::ServerConfig config;
  if (!f.config_path.empty()) {
    CITADEL_ASSIGN_OR_RETURN(config, server::LoadConfigFile(f.config_path));
  }
  if (f.model) config.model_path = *f.model;
  if (f.model_id) config.model_id = *f.model_id;
  if (f.host) config.host = *f.host;
  if (f.port) config.port = *f.port;
  if (f.threads) config.threads = *f.threads;
  if (f.parallel) config.parallel = *f.parallel;
  if (f.kv_memory) {
    auto bytes = server::ParseSize(*f.kv_memory);
    if (!bytes) return bytes.error().Wrap("--kv-memory");
    config.kv_memory_bytes = *bytes;
  }
  CITADEL_RETURN_IF_ERROR(server::Validate(config));
  return config;
}

int Serve(const ServeFlags& flags) {
  auto config = Resolve(flags);
  if (!config) return Fail(config.error().message);
  auto model = model::Model::Load(config->model_path);
  if (!model) return Fail(model.error().message);
  auto tok = tokenizer::Tokenizer::FromGguf(model->file());
  if (!tok) return Fail(fmt::format("{}: {}", config->model_path, tok.error().message));
  auto chat = LoadChatTemplate(model->file(), *tok);
  if (!chat) std::fprintf(stderr, "citadel: %s; chat endpoints are disabled\n", chat.error().message.c_str());
  const std::string id =
      config->model_id.empty() ? std::filesystem::path(config->model_path).stem().string() : config->model_id;
  engine::EngineOptions options{.threads = config->threads,
                                .kv_memory_bytes = config->kv_memory_bytes,
                                .max_running = config->parallel,
                                .max_context = config->max_context,
                                .max_waiting = static_cast<size_t>(config->max_queue),
                                .model_id = id};
  auto engine = engine::Engine::Create(*model, *tok, options);
  if (!engine) return Fail(engine.error().message);
  server::ServeModel serve{.engine = std::move(*engine),
                           .tokenizer = &*tok,
                           .chat = chat ? &*chat : nullptr,
                           .id = id,
                           .render_options = TodayRenderOptions};
  auto ok = server::Serve(*config, std::move(serve), [&](const std::string& address) {
    std::fprintf(stderr, "citadel: serving model '%s'\nlistening on %s\n", id.c_str(), address.c_str());
    std::fflush(stderr);
  });
  if (!ok) return Fail(ok.error().message);
  std::fprintf(stderr, "citadel: stopped\n");
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, int& exit_code) {
  auto flags = std::make_shared<ServeFlags>();
  auto* serve = app.add_subcommand("serve", "Serve a model over the OpenAI-compatible HTTP API");
  serve->add_option("--model,-m", flags->model, "GGUF model file (config: model.path)");
  serve->add_option("--config,-c", flags->config_path, "TOML configuration file (see docs/api.md)");
  serve->add_option("--model-id", flags->model_id, "the model's name in the API (default: the file's name)");
  serve->add_option("--host", flags->host, "listen address (default 127.0.0.1)");
  serve->add_option("--port,-p", flags->port, "listen port; 0 picks a free one (default 8080)");
  serve->add_option("--threads,-t", flags->threads, "inference threads (default: physical cores)");
  serve->add_option("--kv-memory", flags->kv_memory, "KV cache size, e.g. 2GiB (default 1GiB)");
  serve->add_option("--parallel", flags->parallel, "sequences running at once (default 16)");
  serve->callback([flags, &exit_code] { exit_code = Serve(*flags); });
}

void AddConfigCommands(CLI::App& app, int& exit_code) {
  auto path = std::make_shared<std::string>();
  auto* config = app.add_subcommand("config", "Configuration files");
  config->require_subcommand(1);
  auto* check = config->add_subcommand("check", "Validate a citadel.toml; prints the first error naming its key");
  check->add_option("FILE", *path, "TOML file")->required();
  check->callback([path, &exit_code] {
    auto parsed = server::LoadConfigFile(*path);
    if (!parsed) {
      exit_code = Fail(parsed.error().message);
      return;
    }
    if (auto ok = server::Validate(*parsed); !ok) {
      exit_code = Fail(fmt::format("{}: {}", *path, ok.error().message));
      return;
    }
    std::printf("%s: ok\n", path->c_str());
    exit_code = 0;
  });
}

}  // namespace citadel::cli
