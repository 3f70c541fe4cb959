#include "keys_commands.h"

#include <nlohmann/json.hpp>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>

#include "cli_support.h"
#include "audit/store.h"
#include "core/key_file.h"
#include "guard/authn/api_key_store.h"
#include "server/config.h"

namespace citadel::cli {
namespace {

struct KeysArgs {
  std::string store, config;
  std::string tenant, role, name, expires, grace = "0s", id;
  std::vector<std::string> models;
  bool json = false;
};

int64_t UnixNow() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

// "90d", "12h", "30m", "45s" -> seconds.
Result<int64_t> ParseDuration(std::string_view text) {
  int64_t n = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  const std::string_view unit(end, static_cast<size_t>(text.data() + text.size() - end));
  const int64_t scale = unit == "d" ? 86400 : unit == "h" ? 3600 : unit == "m" ? 60 : unit == "s" ? 1 : 0;
  if (ec != std::errc() || scale == 0 || n < 0 || n > 100 * 365) {
    return Err("'{}' is not a duration such as 90d, 12h, 30m or 45s", text);
  }
  return n * scale;
}

struct Target {
  std::string store;
  server::AuditSettings audit;  // where key events are recorded; none without --config
};

Result<Target> Resolve(const KeysArgs& a) {
  Target t{a.store, {}};
  if (a.config.empty()) {
    if (t.store.empty()) return Err("give --store FILE or --config citadel.toml (its [auth] api_keys)");
    return t;
  }
  CITADEL_ASSIGN_OR_RETURN(const server::ServeConfig c, server::LoadConfig(a.config));
  if (t.store.empty()) t.store = c.access.api_keys;
  if (t.store.empty()) return Err("{}: [auth] api_keys is not set", a.config);
  t.audit = c.audit;
  return t;
}

// Key creation, revocation and rotation are administrative events of the audit trail.
Result<void> AuditKeyEvent(const server::AuditSettings& settings, audit::EventKind kind, const guard::ApiKeyRecord& key,
                           const std::string& what) {
  if (settings.store.empty()) return Ok();
  CITADEL_ASSIGN_OR_RETURN(const SecretKey master, ReadKeyFile(settings.key_file));
  CITADEL_ASSIGN_OR_RETURN(auto store, audit::AuditStore::Open(settings.store, master));
  audit::AuditRecord r;
  r.kind = kind;
  r.time_ms = UnixNow() * 1000;
  r.tenant = key.tenant;
  r.key_id = key.id;
  r.subject = key.id;
  r.detail = fmt::format("{} (role {})", what, key.role);
  auto seq = store->Append(r);
  if (!seq) return seq.error().Wrap("the key event could not be audited");
  return Ok();
}

std::string Date(int64_t t) {
  if (t == 0) return "-";
  const std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

nlohmann::ordered_json RecordJson(const guard::ApiKeyRecord& r) {
  return {{"id", r.id},           {"tenant", r.tenant},
          {"role", r.role},       {"name", r.name},
          {"models", r.models},   {"created_at", Date(r.created_at)},
          {"expires_at", r.expires_at ? nlohmann::ordered_json(Date(r.expires_at)) : nullptr},
          {"revoked_at", r.revoked_at ? nlohmann::ordered_json(Date(r.revoked_at)) : nullptr},
          {"replaced_by", r.replaced_by.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(r.replaced_by)}};
}

void PrintIssued(const guard::IssuedKey& k) {
  std::printf("%s\n", k.secret.c_str());
  std::fprintf(stderr, "citadel: key %s for tenant '%s', role '%s'%s; it is shown only this once\n", k.record.id.c_str(),
               k.record.tenant.c_str(), k.record.role.c_str(),
               k.record.expires_at ? (", expires " + Date(k.record.expires_at)).c_str() : "");
}

Result<void> Run(const KeysArgs& a, const std::string& action) {
  CITADEL_ASSIGN_OR_RETURN(const Target target, Resolve(a));
  CITADEL_ASSIGN_OR_RETURN(auto store, guard::ApiKeyStore::Open(target.store, /*create=*/action == "create"));
  const int64_t now = UnixNow();
  if (action == "create") {
    guard::ApiKeySpec spec{a.tenant, a.role, a.name, a.models, 0};
    if (!a.expires.empty()) {
      CITADEL_ASSIGN_OR_RETURN(spec.lifetime_seconds, ParseDuration(a.expires));
    }
    CITADEL_ASSIGN_OR_RETURN(const guard::IssuedKey issued, store->Create(spec, now));
    PrintIssued(issued);
    CITADEL_RETURN_IF_ERROR(AuditKeyEvent(target.audit, audit::EventKind::kKeyCreated, issued.record, "key created"));
  } else if (action == "list") {
    CITADEL_ASSIGN_OR_RETURN(const auto records, store->List());
    for (const guard::ApiKeyRecord& r : records) {
      if (a.json) {
        std::printf("%s\n", RecordJson(r).dump().c_str());
        continue;
      }
      const char* state = r.revoked_at != 0 && r.revoked_at <= now   ? "revoked"
                          : r.expires_at != 0 && r.expires_at <= now ? "expired"
                                                                     : "active";
      std::printf("%s  %-8s tenant=%s role=%s name=%s models=%s expires=%s\n", r.id.c_str(), state, r.tenant.c_str(),
                  r.role.c_str(), r.name.empty() ? "-" : r.name.c_str(),
                  r.models.empty() ? "*" : fmt::format("{}", fmt::join(r.models, ",")).c_str(), Date(r.expires_at).c_str());
    }
  } else if (action == "revoke") {
    CITADEL_RETURN_IF_ERROR(store->Revoke(a.id, now));
    std::fprintf(stderr, "citadel: key %s revoked\n", a.id.c_str());
    CITADEL_ASSIGN_OR_RETURN(const auto records, store->List());
    for (const guard::ApiKeyRecord& r : records) {
      if (r.id == a.id) CITADEL_RETURN_IF_ERROR(AuditKeyEvent(target.audit, audit::EventKind::kKeyRevoked, r, "key revoked"));
    }
  } else {
    CITADEL_ASSIGN_OR_RETURN(const int64_t grace, ParseDuration(a.grace));
    CITADEL_ASSIGN_OR_RETURN(const guard::IssuedKey issued, store->Rotate(a.id, now, grace));
    PrintIssued(issued);
    CITADEL_RETURN_IF_ERROR(AuditKeyEvent(target.audit, audit::EventKind::kKeyCreated, issued.record,
                                          fmt::format("key created to replace {}", a.id)));
    guard::ApiKeyRecord old = issued.record;
    old.id = a.id;
    CITADEL_RETURN_IF_ERROR(AuditKeyEvent(target.audit, audit::EventKind::kKeyRevoked, old,
                                          fmt::format("key revoked by rotation to {} (grace {} s)", issued.record.id, grace)));
    std::fprintf(stderr, "citadel: key %s %s\n", a.id.c_str(),
                 grace > 0 ? ("stops working at " + Date(now + grace)).c_str() : "revoked");
  }
  return Ok();
}

}  // namespace

void AddKeysCommands(CLI::App& app, int& exit_code) {
  auto* group = app.add_subcommand("keys", "Manage API keys (stored as keyed hashes in a SQLite file)");
  group->require_subcommand(1);
  auto args = std::make_shared<KeysArgs>();
  const auto common = [args](CLI::App* cmd) {
    cmd->add_option("--store", args->store, "key store file (default: [auth] api_keys of --config)");
    cmd->add_option("--config,-c", args->config, "citadel.toml whose [auth] api_keys names the store");
  };
  auto* create = group->add_subcommand("create", "Issue a key; prints it once on stdout");
  common(create);
  create->add_option("--tenant", args->tenant, "tenant the key belongs to")->required();
  create->add_option("--role", args->role, "role from the configuration's [roles.NAME]")->required();
  create->add_option("--name", args->name, "a label for people");
  create->add_option("--expires", args->expires, "lifetime, e.g. 90d, 12h (default: none)");
  create->add_option("--models", args->models, "models this key alone may use (default: the role decides)")->delimiter(',');
  auto* list = group->add_subcommand("list", "List keys (ids and metadata, never secrets)");
  common(list);
  list->add_flag("--json", args->json, "one JSON object per line");
  auto* revoke = group->add_subcommand("revoke", "Revoke a key; the server refuses it from the next request");
  common(revoke);
  revoke->add_option("id", args->id, "key id (ck_ and 8 characters, from `keys list`)")->required();
  auto* rotate = group->add_subcommand("rotate", "Issue a replacement key and revoke the old one");
  common(rotate);
  rotate->add_option("id", args->id, "key id to replace")->required();
  rotate->add_option("--grace", args->grace, "how long the old key keeps working, e.g. 24h (default 0s)");
  for (auto* cmd : {create, list, revoke, rotate}) {
    const std::string action = cmd->get_name();
    cmd->callback([args, action, &exit_code] {
      auto ok = Run(*args, action);
      exit_code = ok ? 0 : Fail(ok.error().message);
    });
  }
}

}  // namespace citadel::cli
