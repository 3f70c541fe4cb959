#pragma once
// Move-only owners of sqlite3* and sqlite3_stmt*, with errors as values carrying SQLite's message.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "core/bytes.h"
#include "core/result.h"

struct sqlite3;
struct sqlite3_stmt;

namespace citadel {

class Statement {
 public:
  Statement() = default;
  // Bind indexes start at 1, as in SQLite.
  Statement& Bind(int index, int64_t value);
  Statement& Bind(int index, std::string_view text);
  Statement& Bind(int index, ByteSpan blob);
  Statement& BindNull(int index);
  Statement& Bind(int index, const std::optional<Digest>& digest);

  // True while a row is available; an error when SQLite reports one (including a failed bind).
  Result<bool> Step();
  // Steps once and expects no row back (INSERT, UPDATE, DELETE).
  Result<void> Run();
  void Reset();

  bool IsNull(int column) const;
  int64_t Int(int column) const;
  std::string Text(int column) const;
  Bytes Blob(int column) const;
  // An error when the column is not exactly 32 bytes (a digest someone shortened).
  Result<Digest> DigestAt(int column) const;

 private:
  friend class Database;
  struct Finalize {
    void operator()(sqlite3_stmt* s) const;
  };
  Statement(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Error Failure(int code) const;

  sqlite3* db_ = nullptr;
  std::unique_ptr<sqlite3_stmt, Finalize> stmt_;
  int bind_error_ = 0;  // first failed bind, reported by Step so call sites can chain Bind
};

class Database {
 public:
  enum class Mode { kReadOnly, kReadWriteCreate };
  static Result<Database> Open(const std::string& path, Mode mode);

  Result<void> Exec(std::string_view sql);
  Result<Statement> Prepare(std::string_view sql);
  bool InTransaction() const;
  // Rows changed by the last INSERT, UPDATE or DELETE.
  int64_t Changes() const;

 private:
  struct Close {
    void operator()(sqlite3* db) const;
  };
  explicit Database(sqlite3* db) : db_(db) {}
  std::unique_ptr<sqlite3, Close> db_;
};

// BEGIN IMMEDIATE on construction; ROLLBACK on destruction unless Commit succeeded, so an error
// return anywhere in between leaves the database as it was.
class Transaction {
 public:
  static Result<Transaction> Begin(Database& db);
  Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();
  Result<void> Commit();

 private:
  explicit Transaction(Database* db) : db_(db) {}
  Database* db_;
};

}  // namespace citadel
