#pragma once
// `citadel serve` settings: a TOML file (`--config`), then command-line flags over it, validated
// once at start. Every setting has a safe default; errors name the key ("server.port: ...").
//
//   [model]   path = "model.gguf"   id = "my-model"
//   [server]  host = "127.0.0.1"  port = 8080  max_connections = 256  max_body_size = "1MiB"
//             max_header_size = "16KiB"  idle_timeout = 30  read_timeout = 30  write_timeout = 30
//             shutdown_timeout = 30  allow_insecure_remote = false
//   [engine]  threads = 0  kv_memory = "1GiB"  parallel = 16  max_queue = 256  max_context = 0

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace citadel::server {

struct ServerConfig {
  std::string model_path;
  std::string model_id;  // empty: the model file's name without .gguf
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: an ephemeral port, printed at start
  int max_connections = 256;
  int64_t max_body_bytes = 1 << 20;
  int64_t max_header_bytes = 16 << 10;
  double idle_timeout_s = 30;   // a keep-alive connection waits this long for its next request
  double read_timeout_s = 30;   // a request's headers and body must arrive within this
  double write_timeout_s = 30;  // a client must take each write within this
  double shutdown_timeout_s = 30;  // SIGTERM: in-flight requests get this long, then are cancelled
  // The server has no authentication yet; a listener beyond loopback needs this set on purpose.
  bool allow_insecure_remote = false;
  int threads = 0;              // inference threads; 0 = physical cores
  int64_t kv_memory_bytes = 0;  // 0: the engine's default
  int parallel = 16;            // sequences running at once
  int max_queue = 256;          // waiting requests beyond which new ones get 429
  int max_context = 0;          // per request; 0 = the model's
};

// Parses TOML text (`source` names it in errors) over the defaults. Unknown keys are errors, so a
// typo is not silently a default.
Result<ServerConfig> ParseConfig(std::string_view toml, std::string_view source);
Result<ServerConfig> LoadConfigFile(const std::string& path);

// Range and consistency checks; errors name the key.
Result<void> Validate(const ServerConfig& config);

// "512MiB", "4G", "1.5GiB", "65536" -> bytes (K/M/G/T powers of 1024 with or without "iB"/"B").
Result<int64_t> ParseSize(std::string_view text);

}  // namespace citadel::server
