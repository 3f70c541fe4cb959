#include "audit/sinks/outbox.h"

#include <filesystem>

#include "audit/query.h"
#include "audit/schema.h"

namespace citadel::audit::sinks {

Result<Outbox> Outbox::Open(const std::string& audit_db_path) {
  // Read-write for the cursors, but never create: a typo in the path must not start an empty trail.
  std::error_code ec;
  if (!std::filesystem::is_regular_file(audit_db_path, ec)) return Err("no audit database at '{}'", audit_db_path);
  CITADEL_ASSIGN_OR_RETURN(Database db, Database::Open(audit_db_path, Database::Mode::kReadWriteCreate));
  CITADEL_RETURN_IF_ERROR(EnsureSinkCursors(db));
  return Outbox(std::move(db));
}

Result<uint64_t> Outbox::ShippedSeq(const std::string& sink) {
  CITADEL_ASSIGN_OR_RETURN(Statement select, db_.Prepare("SELECT shipped_seq FROM sink_cursors WHERE sink = ?"));
  select.Bind(1, sink);
  CITADEL_ASSIGN_OR_RETURN(const bool found, select.Step());
  return found ? static_cast<uint64_t>(select.Int(0)) : uint64_t{0};
}

Result<std::vector<StoredRecord>> Outbox::ReadAfter(uint64_t after, size_t limit) {
  QueryFilter filter;
  filter.after_seq = after;
  filter.limit = static_cast<int64_t>(limit);
  return QueryRecords(db_, filter);
}

Result<void> Outbox::Advance(const std::string& sink, uint64_t seq, int64_t now_ms) {
  // MAX keeps the cursor monotonic even if two shippers for the same sink ever race.
  CITADEL_ASSIGN_OR_RETURN(
      Statement upsert,
      db_.Prepare("INSERT INTO sink_cursors(sink, shipped_seq, updated_ms) VALUES(?1, ?2, ?3) ON CONFLICT(sink) "
                  "DO UPDATE SET shipped_seq = MAX(shipped_seq, excluded.shipped_seq), updated_ms = excluded.updated_ms"));
  upsert.Bind(1, sink).Bind(2, static_cast<int64_t>(seq)).Bind(3, now_ms);
  return upsert.Run();
}

Result<uint64_t> Outbox::LastSeq() {
  CITADEL_ASSIGN_OR_RETURN(Statement select, db_.Prepare("SELECT COALESCE(MAX(seq), 0) FROM records"));
  CITADEL_ASSIGN_OR_RETURN(const bool found, select.Step());
  return found ? static_cast<uint64_t>(select.Int(0)) : uint64_t{0};
}

}  // namespace citadel::audit::sinks
