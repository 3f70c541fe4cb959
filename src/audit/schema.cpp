#include "audit/schema.h"

#include <fmt/format.h>

#include <type_traits>
#include <vector>

namespace citadel::audit {
namespace {

struct FieldColumn {
  std::string_view name;
  bool integer;
};

// The record's field columns in ForEachField order, listed once. The probe is static: as a local,
// g++ 12 with the sanitizers warns (falsely) that its optional content strings may be uninitialized.
const std::vector<FieldColumn>& FieldColumns() {
  static const std::vector<FieldColumn> kColumns = [] {
    static const AuditRecord probe;
    std::vector<FieldColumn> out;
    ForEachField(probe, [&out](std::string_view name, const auto& value) {
      out.push_back({name, std::is_same_v<std::decay_t<decltype(value)>, int64_t>});
    });
    return out;
  }();
  return kColumns;
}

std::string RecordTableSql() {
  std::string sql = "CREATE TABLE IF NOT EXISTS records(seq INTEGER PRIMARY KEY";
  for (const FieldColumn& c : FieldColumns()) {
    sql += fmt::format(", {} {} NOT NULL", c.name, c.integer ? "INTEGER" : "TEXT");
  }
  return sql +
         ", content_key INTEGER NOT NULL, content_digest BLOB, content BLOB, prev_hash BLOB NOT NULL,"
         " hash BLOB NOT NULL, mac BLOB NOT NULL)";
}

}  // namespace

Result<void> PrepareWriter(Database& db) {
  CITADEL_RETURN_IF_ERROR(db.Exec("PRAGMA journal_mode=WAL"));
  CITADEL_RETURN_IF_ERROR(db.Exec("PRAGMA synchronous=FULL"));
  CITADEL_RETURN_IF_ERROR(db.Exec("PRAGMA secure_delete=ON"));
  CITADEL_RETURN_IF_ERROR(db.Exec(RecordTableSql()));
  CITADEL_RETURN_IF_ERROR(EnsureSinkCursors(db));
  return db.Exec(
      "CREATE INDEX IF NOT EXISTS records_subject ON records(subject);"
      "CREATE INDEX IF NOT EXISTS records_tenant ON records(tenant);"
      "CREATE INDEX IF NOT EXISTS records_time ON records(time_ms);"
      "CREATE TABLE IF NOT EXISTS subject_keys(id INTEGER PRIMARY KEY, subject TEXT NOT NULL, wrapped BLOB,"
      " created_ms INTEGER NOT NULL, erased_ms INTEGER);"
      "CREATE INDEX IF NOT EXISTS subject_keys_subject ON subject_keys(subject);"
      "CREATE TABLE IF NOT EXISTS checkpoints(seq INTEGER PRIMARY KEY, hash BLOB NOT NULL, mac BLOB NOT NULL);"
      "CREATE TABLE IF NOT EXISTS meta(name TEXT PRIMARY KEY, seq INTEGER NOT NULL, hash BLOB NOT NULL,"
      " mac BLOB NOT NULL);");
}

Result<void> EnsureSinkCursors(Database& db) {
  return db.Exec(
      "CREATE TABLE IF NOT EXISTS sink_cursors(sink TEXT PRIMARY KEY, shipped_seq INTEGER NOT NULL,"
      " updated_ms INTEGER NOT NULL)");
}

const std::string& RecordColumns() {
  static const std::string kColumns = [] {
    std::string cols = "seq";
    for (const FieldColumn& c : FieldColumns()) cols += fmt::format(", {}", c.name);
    return cols + ", content_key, content_digest, content, prev_hash, hash, mac";
  }();
  return kColumns;
}

size_t RecordColumnCount() { return FieldColumns().size() + 7; }

const std::string& InsertRecordSql() {
  static const std::string kSql = [] {
    std::string marks = "?";
    for (size_t i = 1; i < RecordColumnCount(); ++i) marks += ", ?";
    return fmt::format("INSERT INTO records({}) VALUES({})", RecordColumns(), marks);
  }();
  return kSql;
}

void BindRecordRow(Statement& insert, const RecordRow& row) {
  int index = 1;
  insert.Bind(index++, static_cast<int64_t>(row.seq));
  ForEachField(row.record, [&insert, &index](std::string_view, const auto& value) {
    using T = std::decay_t<decltype(value)>;
    if constexpr (std::is_enum_v<T>) {
      insert.Bind(index++, Name(value));
    } else if constexpr (std::is_same_v<T, std::map<std::string, int64_t>>) {
      insert.Bind(index++, std::string_view(PiiToText(value)));
    } else {
      insert.Bind(index++, value);
    }
  });
  insert.Bind(index++, row.content.key_id);
  insert.Bind(index++, row.content.digest);
  if (row.ciphertext) {
    insert.Bind(index++, ByteSpan(*row.ciphertext));
  } else {
    insert.BindNull(index++);
  }
  insert.Bind(index, ByteSpan(row.prev_hash)).Bind(index + 1, ByteSpan(row.hash)).Bind(index + 2, ByteSpan(row.mac));
}

Result<RecordRow> ReadRecordRow(const Statement& select) {
  RecordRow row;
  int column = 0;
  row.seq = static_cast<uint64_t>(select.Int(column++));
  std::optional<Error> error;
  ForEachField(row.record, [&](std::string_view name, auto& value) {
    using T = std::decay_t<decltype(value)>;
    const int c = column++;
    if (error) return;
    if constexpr (std::is_same_v<T, int64_t>) {
      value = select.Int(c);
    } else if constexpr (std::is_same_v<T, std::string>) {
      value = select.Text(c);
    } else {
      const std::string text = select.Text(c);
      Result<T> parsed = [&text]() -> Result<T> {
        if constexpr (std::is_same_v<T, EventKind>) return ParseEventKind(text);
        else if constexpr (std::is_same_v<T, Decision>) return ParseDecision(text);
        else return PiiFromText(text);
      }();
      if (!parsed) {
        error = parsed.error().Wrap(name);
        return;
      }
      value = std::move(*parsed);
      // Only the canonical spelling hashes to what was written; anything else was rewritten.
      if constexpr (std::is_same_v<T, std::map<std::string, int64_t>>) {
        if (PiiToText(value) != text) error = Err("{}: '{}' is not in canonical form", name, text);
      }
    }
  });
  if (error) return *error;
  row.content.key_id = select.Int(column++);
  if (!select.IsNull(column)) {
    CITADEL_ASSIGN_OR_RETURN(row.content.digest, select.DigestAt(column));
  }
  ++column;
  if (!select.IsNull(column)) row.ciphertext = select.Blob(column);
  ++column;
  CITADEL_ASSIGN_OR_RETURN(row.prev_hash, select.DigestAt(column++));
  CITADEL_ASSIGN_OR_RETURN(row.hash, select.DigestAt(column++));
  CITADEL_ASSIGN_OR_RETURN(row.mac, select.DigestAt(column++));
  return row;
}

Result<std::optional<SignedPosition>> ReadMeta(Database& db, std::string_view name) {
  CITADEL_ASSIGN_OR_RETURN(Statement select, db.Prepare("SELECT seq, hash, mac FROM meta WHERE name = ?"));
  select.Bind(1, name);
  CITADEL_ASSIGN_OR_RETURN(const bool found, select.Step());
  if (!found) return std::optional<SignedPosition>();
  SignedPosition p;
  p.seq = static_cast<uint64_t>(select.Int(0));
  CITADEL_ASSIGN_OR_RETURN(p.hash, select.DigestAt(1));
  CITADEL_ASSIGN_OR_RETURN(p.mac, select.DigestAt(2));
  return std::optional<SignedPosition>(p);
}

Result<Statement> PrepareWriteMeta(Database& db) {
  return db.Prepare("INSERT OR REPLACE INTO meta(name, seq, hash, mac) VALUES(?, ?, ?, ?)");
}

Result<void> WriteMeta(Statement& upsert, std::string_view name, const SignedPosition& position) {
  upsert.Reset();
  upsert.Bind(1, name).Bind(2, static_cast<int64_t>(position.seq));
  upsert.Bind(3, ByteSpan(position.hash)).Bind(4, ByteSpan(position.mac));
  return upsert.Run();
}

Result<void> WriteMeta(Database& db, std::string_view name, const SignedPosition& position) {
  CITADEL_ASSIGN_OR_RETURN(Statement upsert, PrepareWriteMeta(db));
  return WriteMeta(upsert, name, position);
}

}  // namespace citadel::audit
