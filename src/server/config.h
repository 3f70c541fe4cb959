#pragma once
// `citadel serve` settings: defaults, a TOML file (toml++) and command-line overrides, validated at
// start with errors that name the key. Unknown keys are errors too, so a typo never silently leaves
// a default in place. `citadel config check FILE` runs the same validation.

#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "core/result.h"
#include "model/kv_cache.h"
#include "server/access_config.h"
#include "server/audit_writer.h"
#include "server/http_server.h"
#include "server/pii_filter.h"
#include "server/watermark_config.h"

namespace citadel::server {

struct ServeConfig {
  std::string model_path;   // [model] path
  std::string model_id;     // [model] id: the name clients send; default: the file name without .gguf
  std::string host = "127.0.0.1";
  int port = 8080;
  bool allow_unauthenticated_remote = false;  // listening beyond loopback without authentication (--insecure-no-auth)
  int drain_seconds = 30;                     // graceful stop deadline
  int request_timeout_seconds = 600;          // generation deadline per request
  ServerLimits limits;
  int threads = 0;               // [engine] inference threads; 0 = physical cores
  int64_t kv_memory_bytes = 0;   // [engine] kv_memory; 0 = engine default
  model::KvType kv_type = model::KvType::kF16;  // [engine] kv_type: "f16" or "q8_0"
  int parallel = 64;             // [engine] running sequences
  int max_batch_tokens = 512;    // [engine]
  int max_queue = 1024;          // [engine] waiting requests before 429
  int default_max_tokens = 0;    // [engine] when a request gives none; 0 = until the context is full
  AccessConfig access;           // [auth], [roles.*], [tenants.*], [quota]
  AuditSettings audit;           // [audit]
  PiiSettings pii;               // [pii]
  WatermarkConfig watermark;     // [watermark]
  TlsSettings tls;               // [tls] cert, key, allow_tls12, client_ca; off unless cert and key are set
};

// Reads a TOML file over `base`. Errors name the key, e.g. "server.port: 70000 is outside [0, 65535]".
Result<ServeConfig> LoadConfig(const std::filesystem::path& file, ServeConfig base = {});

// Checks the values (ranges, the remote-listener rule). Errors name the key.
Result<void> Validate(const ServeConfig& config);

// "512MiB", "2GiB", "1.5GB", "1000000" (bytes) -> bytes.
Result<int64_t> ParseSize(std::string_view text);

}  // namespace citadel::server
