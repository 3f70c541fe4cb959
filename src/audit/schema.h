#pragma once
// The audit database's tables and the mapping between a records row and an AuditRecord. Record
// columns are named after ForEachField, so the schema, the canonical form, queries and JSON output
// share one list of fields.
//
//   records(seq INTEGER PRIMARY KEY, <one column per field>, content_key, content_digest, content,
//           prev_hash, hash, mac)
//   subject_keys(id INTEGER PRIMARY KEY, subject, wrapped, created_ms, erased_ms)
//   checkpoints(seq INTEGER PRIMARY KEY, hash, mac)
//   meta(name TEXT PRIMARY KEY, seq, hash, mac)        -- 'head', 'anchor', 'key_check'
//   sink_cursors(sink TEXT PRIMARY KEY, shipped_seq, updated_ms)   -- see audit/sinks/outbox.h
//
// Schema changes are additive (CREATE ... IF NOT EXISTS): an older file gains new tables on open.

#include <optional>
#include <string>

#include "audit/canonical.h"
#include "audit/record.h"
#include "core/sqlite.h"

namespace citadel::audit {

// WAL with synchronous=FULL (a committed append survives power loss), secure_delete (erased keys
// and purged content are overwritten, not left in free pages), then the tables.
Result<void> PrepareWriter(Database& db);

// The shippers' cursors: the last seq each external sink acknowledged. Not covered by the chain:
// a cursor only says what was sent, and a rewound one merely re-sends (sinks are idempotent).
// Created by PrepareWriter and by the shipper itself, which may open a file an older store wrote.
Result<void> EnsureSinkCursors(Database& db);

// A records row as stored, before any decryption.
struct RecordRow {
  uint64_t seq = 0;
  AuditRecord record;
  ContentRef content;
  std::optional<Bytes> ciphertext;  // nullopt when there was none or it was purged
  Digest prev_hash{};
  Digest hash{};
  Digest mac{};
};

// "seq, kind, request_id, ..., mac": the column list ReadRecordRow expects, in order.
const std::string& RecordColumns();
size_t RecordColumnCount();
// INSERT INTO records(...) VALUES(?, ...) with BindRecordRow's placeholders.
const std::string& InsertRecordSql();
void BindRecordRow(Statement& insert, const RecordRow& row);
// An error means the row cannot be a record this store wrote: a non-canonical value, an unknown
// enum name, a digest of the wrong length.
Result<RecordRow> ReadRecordRow(const Statement& select);

// A row of the meta table: a position in the trail with its MAC.
struct SignedPosition {
  uint64_t seq = 0;
  Digest hash{};
  Digest mac{};
};
Result<std::optional<SignedPosition>> ReadMeta(Database& db, std::string_view name);
Result<void> WriteMeta(Database& db, std::string_view name, const SignedPosition& position);
// The same with a statement from PrepareWriteMeta, for the appender that writes the head per batch.
Result<Statement> PrepareWriteMeta(Database& db);
Result<void> WriteMeta(Statement& upsert, std::string_view name, const SignedPosition& position);

}  // namespace citadel::audit
