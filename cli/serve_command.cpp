#include "serve_command.h"

#include <fmt/format.h>

#include <csignal>
#include <filesystem>
#include <memory>
#include <optional>

#include "cli_support.h"
#include "engine/engine.h"
#include "guard/authn/jwt_verifier.h"
#include "guard/gatekeeper.h"
#include "model/model.h"
#include "server/audit_writer.h"
#include "server/config.h"
#include "server/retention_job.h"
#include "server/http_server.h"
#include "server/metrics.h"
#include "server/openai_routes.h"
#include "server/tls_context.h"

namespace citadel::cli {
namespace {

struct ServeArgs {
  std::string config_file;
  std::optional<std::string> model, model_id, host, kv_memory, kv_type;
  std::optional<int> port, threads, parallel;
  bool insecure_no_auth = false;
};

Result<server::ServeConfig> Resolve(const ServeArgs& a) {
  server::ServeConfig c;
  if (!a.config_file.empty()) {
    CITADEL_ASSIGN_OR_RETURN(c, server::LoadConfig(a.config_file));
  }
  if (a.model) c.model_path = *a.model;
  if (a.model_id) c.model_id = *a.model_id;
  if (a.host) c.host = *a.host;
  if (a.port) c.port = *a.port;
  if (a.threads) c.threads = *a.threads;
  if (a.parallel) c.parallel = *a.parallel;
  if (a.insecure_no_auth) c.allow_unauthenticated_remote = true;
  if (a.kv_memory) {
    auto bytes = server::ParseSize(*a.kv_memory);
    if (!bytes) return bytes.error().Wrap("--kv-memory");
    c.kv_memory_bytes = *bytes;
  }
  if (a.kv_type) {
    auto type = model::ParseKvType(*a.kv_type);
    if (!type) return type.error().Wrap("--kv-type");
    c.kv_type = *type;
  }
  CITADEL_RETURN_IF_ERROR(server::Validate(c));
  if (c.model_path.empty()) return Err("no model: give --model FILE or [model] path in the config");
  if (c.model_id.empty()) c.model_id = std::filesystem::path(c.model_path).stem().string();
  return c;
}

// SIGHUP's certificate part, one line on stderr; the server keeps running whatever happens here.
void ReloadCertificates(server::HttpServer& http) {
  if (http.tls()) {
    const auto reloaded = http.ReloadTls();
    if (reloaded) {
      std::fprintf(stderr, "citadel: SIGHUP: certificates reloaded\n");
    } else {
      std::fprintf(stderr, "citadel: SIGHUP: certificates not reloaded, still serving the previous ones: %s\n",
                   reloaded.error().message.c_str());
    }
  } else {
  }
  std::fflush(stderr);
}

Result<guard::IpAllowlist> Allowlist(const server::AccessConfig& access) {
  return guard::IpAllowlist::Parse(access.allow_ips);
}

Result<std::unique_ptr<guard::Gatekeeper>> BuildGuard(const server::AccessConfig& access) {
  guard::GuardSettings settings;
  if (!access.api_keys.empty()) {
    CITADEL_ASSIGN_OR_RETURN(settings.api_keys, guard::ApiKeyStore::Open(access.api_keys, /*create=*/false));
  }
  if (!access.quota_store.empty()) {
    CITADEL_ASSIGN_OR_RETURN(settings.usage_store, guard::quota::OpenSqliteUsageStore(access.quota_store));
  }
  if (!access.oidc.issuer.empty()) {
    auto verifier = guard::JwtVerifier::Create(access.oidc);
    if (!verifier) return verifier.error().Wrap("auth.oidc");
    std::shared_ptr<const guard::JwtVerifier> shared(std::move(*verifier));
    settings.verify_token = [shared](std::string_view token) { return shared->Verify(token); };
  }
  settings.policy = access.policy;
  CITADEL_ASSIGN_OR_RETURN(settings.allowlist, Allowlist(access));
  return std::make_unique<guard::Gatekeeper>(std::move(settings));
}

// SIGHUP: certificates, then the configuration's roles, tenants, allowlist and PII policies. Keys need no reload (every
// request reads the key store); settings that shape the engine or the listener need a restart.
void Reload(const ServeArgs& args, server::HttpServer& http, guard::Gatekeeper& guard, server::AuditWriter& audit,
            server::PiiFilter& pii) {
  ReloadCertificates(http);
  if (args.config_file.empty()) {
    std::fprintf(stderr, "citadel: SIGHUP: no --config file; nothing to reload\n");
    return;
  }
  auto config = server::LoadConfig(args.config_file);
  auto allowlist = config ? Allowlist(config->access) : Result<guard::IpAllowlist>(config.error());
  if (!allowlist) {
    std::fprintf(stderr, "citadel: SIGHUP: %s; keeping the current policies\n", allowlist.error().message.c_str());
    return;
  }
  if (auto ok = pii.Reload(config->pii); !ok) {
    std::fprintf(stderr, "citadel: SIGHUP: %s; keeping the current policies\n", ok.error().message.c_str());
    return;
  }
  guard.ReplacePolicy(config->access.policy, std::move(*allowlist));
  std::fprintf(stderr, "citadel: SIGHUP: roles, tenants, allowlist and PII policies reloaded from %s\n",
               args.config_file.c_str());
  audit::AuditRecord event;
  event.kind = audit::EventKind::kConfigReloaded;
  event.time_ms = server::NowMs();
  event.detail = fmt::format("roles, tenants, allowlist and PII policies from {}", args.config_file);
  if (auto seq = audit.WriteNow(event); !seq) {
    std::fprintf(stderr, "citadel: SIGHUP: the reload could not be audited: %s\n", seq.error().message.c_str());
  }
}

int Serve(const ServeArgs& args) {
  auto config = Resolve(args);
  if (!config) return Fail(config.error().message);
  const server::ServeConfig& c = *config;
  // SIGINT/SIGTERM (stop) and SIGHUP (reload) are taken with sigwait on this thread; every thread
  // started from here on inherits the blocked mask, so none of them is interrupted by the signal.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGHUP);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  std::signal(SIGPIPE, SIG_IGN);
  // A write beyond the file-size limit (ulimit -f) must fail as an error the audit trail reports
  // (and refuses requests over), not kill the server.
  std::signal(SIGXFSZ, SIG_IGN);

  auto model = model::Model::Load(c.model_path);
  if (!model) return Fail(model.error().message);
  auto tok = tokenizer::Tokenizer::FromGguf(model->file());
  if (!tok) return Fail(fmt::format("{}: {}", c.model_path, tok.error().message));
  auto chat = LoadChatTemplate(model->file(), *tok);
  if (!chat) std::fprintf(stderr, "citadel: %s; chat endpoints will answer 400\n", chat.error().message.c_str());
  auto engine = engine::Engine::Create(*model, *tok,
                                       {.threads = c.threads,
                                        .kv_memory_bytes = c.kv_memory_bytes,
                                        .kv_type = c.kv_type,
                                        .max_batch_tokens = c.max_batch_tokens,
                                        .max_running = c.parallel,
                                        .max_waiting = static_cast<size_t>(c.max_queue)});
  if (!engine) return Fail(engine.error().message);
  auto guard = BuildGuard(c.access);
  if (!guard) return Fail(guard.error().message);
  auto audit = server::AuditWriter::Open(c.audit);
  if (!audit) return Fail(audit.error().message);
  server::RetentionJob retention(**audit, c.audit);
  std::unique_ptr<audit::sinks::Shipper> shipper;
  if ((*audit)->enabled() && !c.audit.sinks.empty()) {
    std::vector<std::unique_ptr<audit::sinks::Sink>> sinks;
    for (const auto& settings : c.audit.sinks) {
      auto sink = audit::sinks::MakeSink(settings);
      if (!sink) return Fail(sink.error().message);
      sinks.push_back(std::move(*sink));
    }
    auto started = audit::sinks::Shipper::Start(c.audit.store, std::move(sinks));
    if (!started) return Fail(started.error().Wrap("audit.sinks").message);
    shipper = std::move(*started);
  }
  auto pii = server::PiiFilter::Create(c.pii);
  if (!pii) return Fail(pii.error().message);
  auto watermarker = server::Watermarker::Create(c.watermark);
  if (!watermarker) return Fail(watermarker.error().message);
  std::vector<std::string> tenants;
  for (const auto& [name, limits] : c.access.policy.tenants) tenants.push_back(name);
  std::vector<std::string> warnings;
  if (!(*guard)->authentication_required()) {
    warnings.push_back(c.allow_unauthenticated_remote
                           ? "AUTHENTICATION IS OFF on a listener that may be reachable from the network (--insecure-no-auth)"
                           : "authentication is off (loopback only); configure [auth] api_keys or [auth.oidc] before exposing it");
  }
  server::Metrics metrics;
  if (shipper) metrics.SetSinkStats([&shipper] { return shipper->Stats(); });
  server::OpenAiRoutes routes(**engine, *tok, chat ? &*chat : nullptr,
                             {c.model_id, c.default_max_tokens, std::chrono::seconds(c.request_timeout_seconds), warnings,
                              tenants},
                             metrics, **guard, **audit, **pii, **watermarker);
  auto http = server::HttpServer::Start(c.host, static_cast<uint16_t>(c.port), c.limits,
                                        [&routes](server::Exchange& ex) { return routes.Handle(ex); }, c.tls);
  if (!http) return Fail(http.error().message);
  std::fprintf(stderr, "citadel: serving %s as '%s' on %s://%s:%u (%d threads, context %d, %d KV blocks of %s)\n",
               c.model_path.c_str(), c.model_id.c_str(), c.tls.enabled() ? "https" : "http", c.host.c_str(),
               (*http)->port(), (*engine)->Stats().threads, (*engine)->max_context(), (*engine)->Stats().kv_blocks_total,
               std::string(model::Name(c.kv_type)).c_str());
  for (const std::string& w : warnings) {
    const bool loud = c.allow_unauthenticated_remote && !(*guard)->authentication_required();
    std::fprintf(stderr, "citadel: %s%s\n", loud ? "WARNING: " : "", w.c_str());
  }
  std::fflush(stderr);

  int signal = 0;
  while (sigwait(&signals, &signal) == 0 && signal == SIGHUP) Reload(args, **http, **guard, **audit, **pii);
  std::fprintf(stderr, "citadel: %s: draining for up to %d s\n", signal == SIGINT ? "SIGINT" : "SIGTERM", c.drain_seconds);
  (*http)->StopAccepting();
  (*engine)->StopAccepting();
  const bool drained = (*http)->WaitIdle(std::chrono::seconds(c.drain_seconds));
  if (!drained) {
    (*engine)->CancelAll();  // clients still waiting get a clean end: a 503 or the end of their stream
    (*http)->WaitIdle(std::chrono::seconds(5));
  }
  (*http)->Stop(std::chrono::milliseconds(0));
  std::fprintf(stderr, "citadel: stopped (%s)\n", drained ? "all requests finished" : "unfinished requests cancelled");
  return 0;
}

}  // namespace

void AddServeCommands(CLI::App& app, int& exit_code) {
  auto args = std::make_shared<ServeArgs>();
  auto* serve = app.add_subcommand("serve", "Serve a model over the OpenAI-compatible HTTP API");
  serve->add_option("--model,-m", args->model, "GGUF model file (or [model] path in the config)");
  serve->add_option("--config,-c", args->config_file, "TOML configuration file (see docs/api.md)");
  serve->add_option("--model-id", args->model_id, "the model name clients send (default: file name without .gguf)");
  serve->add_option("--host", args->host, "listen address (default 127.0.0.1)");
  serve->add_option("--port,-p", args->port, "listen port (default 8080; 0 picks a free one)");
  serve->add_option("--threads,-t", args->threads, "inference threads (default: physical cores)");
  serve->add_option("--kv-memory", args->kv_memory, "KV cache size, e.g. 2GiB (default: 1 GiB or less)");
  serve->add_option("--kv-type", args->kv_type, "KV cache type: f16 (default) or q8_0 (about twice the tokens per byte)");
  serve->add_option("--parallel", args->parallel, "sequences generated at once (default 64)");
  serve->add_flag("--insecure-no-auth", args->insecure_no_auth,
                  "allow a non-loopback --host without authentication (anyone who can connect can use the model)");
  serve->callback([args, &exit_code] { exit_code = Serve(*args); });

  auto file = std::make_shared<std::string>();
  auto* config = app.add_subcommand("config", "Configuration files");
  config->require_subcommand(1);
  auto* check = config->add_subcommand("check", "Validate a citadel.toml: every key known, every value in range, TLS files loadable");
  check->add_option("file", *file, "TOML file")->required();
  check->callback([file, &exit_code] {
    auto c = server::LoadConfig(*file);
    if (!c) {
      exit_code = Fail(c.error().message);
      return;
    }
    // The files' contents too (a key that does not match its certificate), as `serve` would at start.
    if (c->tls.enabled()) {
      if (auto tls = server::TlsContext::Create(c->tls); !tls) {
        exit_code = Fail(tls.error().Wrap("tls").message);
        return;
      }
    }
    std::printf("%s: ok\n", file->c_str());
    exit_code = 0;
  });
}

}  // namespace citadel::cli
