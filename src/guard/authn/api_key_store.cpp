#include "guard/authn/api_key_store.h"

#include <fmt/format.h>

#include <mutex>

#include "core/crypto.h"
#include "core/key_file.h"
#include "core/sqlite.h"

namespace citadel::guard {
namespace {

constexpr std::string_view kPrefix = "ck_";
constexpr size_t kBodyChars = 40;
constexpr size_t kIdChars = 8;
constexpr std::string_view kBase62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

bool IsBase62(char c) { return kBase62.find(c) != std::string_view::npos; }

Result<std::string> NewKeyText() {
  std::string key(kPrefix);
  while (key.size() < kPrefix.size() + kBodyChars) {
    CITADEL_ASSIGN_OR_RETURN(const Bytes random, RandomBytes(64));
    for (uint8_t b : random) {
      // 62 * 4 = 248: rejecting bytes above it keeps every character equally likely.
      if (b < 248 && key.size() < kPrefix.size() + kBodyChars) key += kBase62[b % 62];
    }
  }
  return key;
}

std::string IdOf(std::string_view key) { return std::string(key.substr(0, kPrefix.size() + kIdChars)); }

std::string JoinModels(const std::vector<std::string>& models) { return fmt::format("{}", fmt::join(models, ",")); }

std::vector<std::string> SplitModels(const std::string& text) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    const size_t end = std::min(text.find(',', start), text.size());
    if (end > start) out.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

constexpr std::string_view kSelect =
    "SELECT id, tenant, role, name, models, created_at, expires_at, revoked_at, replaced_by, hash FROM api_keys";

ApiKeyRecord RecordAt(const Statement& s) {
  return {s.Text(0), s.Text(1), s.Text(2), s.Text(3), SplitModels(s.Text(4)),
          s.Int(5),  s.Int(6),  s.Int(7),  s.Text(8)};
}

Error InvalidKey(std::string message) { return Error{std::move(message), "invalid_api_key"}; }

}  // namespace

struct ApiKeyStore::Impl {
  Impl(Database d, SecretKey s) : db(std::move(d)), secret(std::move(s)) {}
  mutable std::mutex mu;  // one SQLite connection, used by request threads one at a time
  mutable Database db;
  SecretKey secret;

  Digest Hash(std::string_view key) const { return HmacSha256(secret, AsBytes(key)); }

  Result<IssuedKey> Insert(const ApiKeySpec& spec, int64_t now, std::string_view replaces) {
    CITADEL_ASSIGN_OR_RETURN(std::string key, NewKeyText());
    IssuedKey issued{key, {IdOf(key), spec.tenant, spec.role, spec.name, spec.models, now,
                           spec.lifetime_seconds > 0 ? now + spec.lifetime_seconds : 0, 0, ""}};
    CITADEL_ASSIGN_OR_RETURN(Statement s, db.Prepare("INSERT INTO api_keys (id, tenant, role, name, models, "
                                                     "created_at, expires_at, revoked_at, replaced_by, hash, replaces) "
                                                     "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 0, '', ?8, ?9)"));
    const Digest hash = Hash(key);
    s.Bind(1, issued.record.id).Bind(2, spec.tenant).Bind(3, spec.role).Bind(4, spec.name);
    s.Bind(5, JoinModels(spec.models)).Bind(6, now).Bind(7, issued.record.expires_at).Bind(8, ByteSpan(hash));
    s.Bind(9, replaces);
    CITADEL_RETURN_IF_ERROR(s.Run());
    return issued;
  }

  Result<ApiKeyRecord> Find(std::string_view id) const {
    CITADEL_ASSIGN_OR_RETURN(Statement s, db.Prepare(std::string(kSelect) + " WHERE id = ?1"));
    s.Bind(1, id);
    CITADEL_ASSIGN_OR_RETURN(const bool row, s.Step());
    if (!row) return Err("no API key with id '{}'", id);
    return RecordAt(s);
  }
};

ApiKeyStore::ApiKeyStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
ApiKeyStore::~ApiKeyStore() = default;

Result<std::unique_ptr<ApiKeyStore>> ApiKeyStore::Open(const std::filesystem::path& path, bool create) {
  const std::string secret_file = path.string() + ".secret";
  if (!create && !std::filesystem::exists(path)) {
    return Err("API key store '{}' does not exist (create a key with `citadel keys create`)", path.string());
  }
  if (create && !std::filesystem::exists(secret_file)) {
    if (std::filesystem::exists(path)) {
      return Err("'{}' is missing: without it the keys in '{}' cannot be checked", secret_file, path.string());
    }
    CITADEL_RETURN_IF_ERROR(WriteNewKeyFile(secret_file));
  }
  CITADEL_ASSIGN_OR_RETURN(SecretKey secret, ReadKeyFile(secret_file));
  const bool fresh = !std::filesystem::exists(path);
  auto db = Database::Open(path.string(), Database::Mode::kReadWriteCreate);
  if (!db) return db.error().Wrap(path.string());
  // Tenants, roles and key hashes are nobody else's business: owner-only, like the secret.
  std::error_code ignored;  // a file system without modes keeps its own
  if (fresh) std::filesystem::permissions(path, std::filesystem::perms::owner_read | std::filesystem::perms::owner_write, ignored);
  CITADEL_RETURN_IF_ERROR(db->Exec(
      "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;"
      "CREATE TABLE IF NOT EXISTS api_keys (id TEXT PRIMARY KEY, tenant TEXT NOT NULL, role TEXT NOT NULL, "
      "name TEXT NOT NULL, models TEXT NOT NULL, created_at INTEGER NOT NULL, expires_at INTEGER NOT NULL, "
      "revoked_at INTEGER NOT NULL, replaced_by TEXT NOT NULL, hash BLOB NOT NULL, replaces TEXT NOT NULL)"));
  auto impl = std::make_unique<Impl>(std::move(*db), std::move(secret));
  return std::unique_ptr<ApiKeyStore>(new ApiKeyStore(std::move(impl)));
}

Result<IssuedKey> ApiKeyStore::Create(const ApiKeySpec& spec, int64_t now) {
  if (spec.tenant.empty()) return Err("a key needs a tenant");
  if (spec.role.empty()) return Err("a key needs a role");
  std::lock_guard lock(impl_->mu);
  return impl_->Insert(spec, now, "");
}

Result<std::vector<ApiKeyRecord>> ApiKeyStore::List() const {
  std::lock_guard lock(impl_->mu);
  CITADEL_ASSIGN_OR_RETURN(Statement s, impl_->db.Prepare(std::string(kSelect) + " ORDER BY created_at, id"));
  std::vector<ApiKeyRecord> out;
  while (true) {
    CITADEL_ASSIGN_OR_RETURN(const bool row, s.Step());
    if (!row) break;
    out.push_back(RecordAt(s));
  }
  return out;
}

Result<void> ApiKeyStore::Revoke(std::string_view id, int64_t now) {
  std::lock_guard lock(impl_->mu);
  CITADEL_ASSIGN_OR_RETURN(const ApiKeyRecord record, impl_->Find(id));
  if (record.revoked_at != 0 && record.revoked_at <= now) return Err("API key '{}' is already revoked", id);
  CITADEL_ASSIGN_OR_RETURN(Statement s, impl_->db.Prepare("UPDATE api_keys SET revoked_at = ?1 WHERE id = ?2"));
  s.Bind(1, now).Bind(2, id);
  return s.Run();
}

Result<IssuedKey> ApiKeyStore::Rotate(std::string_view id, int64_t now, int64_t grace_seconds) {
  std::lock_guard lock(impl_->mu);
  CITADEL_ASSIGN_OR_RETURN(const ApiKeyRecord old, impl_->Find(id));
  if (old.revoked_at != 0 && old.revoked_at <= now) return Err("API key '{}' is revoked; create a new one", id);
  CITADEL_ASSIGN_OR_RETURN(Transaction tx, Transaction::Begin(impl_->db));
  const int64_t lifetime = old.expires_at > 0 ? old.expires_at - old.created_at : 0;
  CITADEL_ASSIGN_OR_RETURN(IssuedKey issued, impl_->Insert({old.tenant, old.role, old.name, old.models, lifetime}, now, id));
  CITADEL_ASSIGN_OR_RETURN(Statement s,
                           impl_->db.Prepare("UPDATE api_keys SET revoked_at = ?1, replaced_by = ?2 WHERE id = ?3"));
  s.Bind(1, now + std::max<int64_t>(0, grace_seconds)).Bind(2, issued.record.id).Bind(3, id);
  CITADEL_RETURN_IF_ERROR(s.Run());
  CITADEL_RETURN_IF_ERROR(tx.Commit());
  return issued;
}

bool ApiKeyStore::LooksLikeKey(std::string_view text) {
  if (text.size() != kPrefix.size() + kBodyChars || text.substr(0, kPrefix.size()) != kPrefix) return false;
  for (char c : text.substr(kPrefix.size())) {
    if (!IsBase62(c)) return false;
  }
  return true;
}

Result<Identity> ApiKeyStore::Authenticate(std::string_view presented, int64_t now) const {
  if (!LooksLikeKey(presented)) return InvalidKey("the API key is malformed");
  const Digest hash = impl_->Hash(presented);
  ApiKeyRecord record;
  Bytes stored;
  {
    std::lock_guard lock(impl_->mu);
    auto s = impl_->db.Prepare(std::string(kSelect) + " WHERE id = ?1");
    if (!s) return Error{"the API key store cannot be read", "key_store_unavailable"};
    s->Bind(1, IdOf(presented));
    auto row = s->Step();
    if (!row) return Error{"the API key store cannot be read", "key_store_unavailable"};
    if (!*row) return InvalidKey("unknown API key");
    record = RecordAt(*s);
    stored = s->Blob(9);
  }
  if (!ConstantTimeEqual(stored, hash)) return InvalidKey("unknown API key");
  if (record.revoked_at != 0 && record.revoked_at <= now) return InvalidKey(fmt::format("API key {} is revoked", record.id));
  if (record.expires_at != 0 && record.expires_at <= now) return InvalidKey(fmt::format("API key {} has expired", record.id));
  Identity id;
  id.method = AuthMethod::kApiKey;
  id.tenant = record.tenant;
  id.subject = record.id;
  id.roles = {record.role};
  id.credential_id = record.id;
  id.models = record.models;
  id.expires_at = record.expires_at;
  return id;
}

}  // namespace citadel::guard
