#include "audit/query.h"

#include <fmt/format.h>

namespace citadel::audit {

Result<std::vector<QueriedRow>> QueryRows(Database& db, const QueryFilter& filter) {
  std::string sql = fmt::format(
      "SELECT {}, (SELECT k.wrapped IS NULL FROM subject_keys k WHERE k.id = records.content_key) "
      "FROM records WHERE 1",
      RecordColumns());
  if (filter.tenant) sql += " AND tenant = :tenant";
  if (filter.subject) sql += " AND subject = :subject";
  if (filter.since_ms) sql += " AND time_ms >= :since";
  if (filter.until_ms) sql += " AND time_ms < :until";
  if (filter.decision) sql += " AND decision = :decision";
  if (filter.kind) sql += " AND kind = :kind";
  if (filter.after_seq) sql += " AND seq > :after";
  sql += " ORDER BY seq LIMIT :limit";
  CITADEL_ASSIGN_OR_RETURN(Statement select, db.Prepare(sql));
  // Parameters are numbered in the order they first appear in the SQL.
  int index = 1;
  if (filter.tenant) select.Bind(index++, std::string_view(*filter.tenant));
  if (filter.subject) select.Bind(index++, std::string_view(*filter.subject));
  if (filter.since_ms) select.Bind(index++, *filter.since_ms);
  if (filter.until_ms) select.Bind(index++, *filter.until_ms);
  if (filter.decision) select.Bind(index++, Name(*filter.decision));
  if (filter.kind) select.Bind(index++, Name(*filter.kind));
  if (filter.after_seq) select.Bind(index++, static_cast<int64_t>(*filter.after_seq));
  select.Bind(index, filter.limit);

  const int erased_column = static_cast<int>(RecordColumnCount());
  std::vector<QueriedRow> out;
  for (;;) {
    CITADEL_ASSIGN_OR_RETURN(const bool more, select.Step());
    if (!more) return out;
    QueriedRow q;
    auto row = ReadRecordRow(select);
    if (!row) return row.error().Wrap(fmt::format("record {}", select.Int(0)));
    q.row = std::move(*row);
    if (!q.row.content.digest) {
      q.content = ContentState::kNone;
    } else if (select.Int(erased_column) != 0) {
      q.content = ContentState::kErased;
    } else if (!q.row.ciphertext) {
      q.content = ContentState::kPurged;
    } else {
      q.content = ContentState::kPresent;
    }
    out.push_back(std::move(q));
  }
}

StoredRecord ToStored(const QueriedRow& queried) {
  return StoredRecord{queried.row.seq, queried.row.record, queried.content, queried.row.hash};
}

Result<std::vector<StoredRecord>> QueryRecords(Database& db, const QueryFilter& filter) {
  CITADEL_ASSIGN_OR_RETURN(const auto rows, QueryRows(db, filter));
  std::vector<StoredRecord> out;
  out.reserve(rows.size());
  for (const QueriedRow& q : rows) out.push_back(ToStored(q));
  return out;
}

}  // namespace citadel::audit
