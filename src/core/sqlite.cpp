#include "core/sqlite.h"

#include <sqlite3.h>

#include <climits>
#include <cstring>

namespace citadel {

void Statement::Finalize::operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
void Database::Close::operator()(sqlite3* db) const { sqlite3_close_v2(db); }

Error Statement::Failure(int code) const {
  return Err("sqlite: {} ({})", sqlite3_errmsg(db_), sqlite3_errstr(code));
}

Statement& Statement::Bind(int index, int64_t value) {
  const int rc = sqlite3_bind_int64(stmt_.get(), index, value);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, std::string_view text) {
  const int rc = text.size() > static_cast<size_t>(INT_MAX)
                     ? SQLITE_TOOBIG
                     : sqlite3_bind_text(stmt_.get(), index, text.data(), static_cast<int>(text.size()),
                                         SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, ByteSpan blob) {
  // A zero-length blob must stay a blob, not NULL: pass a non-null pointer.
  static const uint8_t kEmpty = 0;
  const int rc = blob.size() > static_cast<size_t>(INT_MAX)
                     ? SQLITE_TOOBIG
                     : sqlite3_bind_blob(stmt_.get(), index, blob.empty() ? &kEmpty : blob.data(),
                                         static_cast<int>(blob.size()), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::BindNull(int index) {
  const int rc = sqlite3_bind_null(stmt_.get(), index);
  if (rc != SQLITE_OK && bind_error_ == 0) bind_error_ = rc;
  return *this;
}

Statement& Statement::Bind(int index, const std::optional<Digest>& digest) {
  return digest ? Bind(index, ByteSpan(*digest)) : BindNull(index);
}

Result<bool> Statement::Step() {
  if (bind_error_ != 0) return Failure(bind_error_);
  const int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Failure(rc);
}

Result<void> Statement::Run() {
  CITADEL_ASSIGN_OR_RETURN(const bool row, Step());
  if (row) return Err("sqlite: statement returned a row where none was expected");
  return Ok();
}

void Statement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
  bind_error_ = 0;
}

bool Statement::IsNull(int column) const { return sqlite3_column_type(stmt_.get(), column) == SQLITE_NULL; }
int64_t Statement::Int(int column) const { return sqlite3_column_int64(stmt_.get(), column); }

std::string Statement::Text(int column) const {
  const auto* p = sqlite3_column_text(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n)) : std::string();
}

Bytes Statement::Blob(int column) const {
  const void* p = sqlite3_column_blob(stmt_.get(), column);
  const int n = sqlite3_column_bytes(stmt_.get(), column);
  Bytes out(static_cast<size_t>(n));
  if (n > 0) std::memcpy(out.data(), p, out.size());
  return out;
}

Result<Digest> Statement::DigestAt(int column) const {
  const Bytes b = Blob(column);
  if (b.size() != kDigestBytes) return Err("column {} holds {} bytes, not a 32-byte digest", column, b.size());
  Digest d{};
  std::memcpy(d.data(), b.data(), kDigestBytes);
  return d;
}

Result<Database> Database::Open(const std::string& path, Mode mode) {
  sqlite3* raw = nullptr;
  const int flags = (mode == Mode::kReadOnly ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE) |
                    SQLITE_OPEN_FULLMUTEX;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  Database db(raw);
  if (rc != SQLITE_OK) {
    return Err("cannot open '{}': {}", path, raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc));
  }
  sqlite3_extended_result_codes(raw, 1);
  // Readers and the appender in other processes wait for each other instead of failing at once.
  sqlite3_busy_timeout(raw, 10000);
  return db;
}

Result<void> Database::Exec(std::string_view sql) {
  const std::string text(sql);
  char* message = nullptr;
  const int rc = sqlite3_exec(db_.get(), text.c_str(), nullptr, nullptr, &message);
  if (rc != SQLITE_OK) {
    Error e = Err("sqlite: {}", message ? message : sqlite3_errstr(rc));
    sqlite3_free(message);
    return e;
  }
  return Ok();
}

Result<Statement> Database::Prepare(std::string_view sql) {
  sqlite3_stmt* raw = nullptr;
  const int rc = sqlite3_prepare_v2(db_.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr);
  Statement stmt(db_.get(), raw);
  if (rc != SQLITE_OK) return Err("sqlite: {} in '{}'", sqlite3_errmsg(db_.get()), sql);
  return stmt;
}

int64_t Database::Changes() const { return sqlite3_changes64(db_.get()); }

bool Database::InTransaction() const { return sqlite3_get_autocommit(db_.get()) == 0; }

Result<Transaction> Transaction::Begin(Database& db) {
  CITADEL_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE"));
  return Transaction(&db);
}

Transaction::~Transaction() {
  if (db_ != nullptr && db_->InTransaction()) (void)db_->Exec("ROLLBACK");
}

Result<void> Transaction::Commit() {
  CITADEL_CHECK(db_ != nullptr);
  auto r = db_->Exec("COMMIT");
  if (r) db_ = nullptr;
  return r;
}

}  // namespace citadel
