#pragma once
// Reading records back by metadata. Metadata is stored in the clear, so queries need no key;
// content stays sealed (see AuditStore::Export for decrypted access).

#include <optional>
#include <string>
#include <vector>

#include "audit/record.h"
#include "audit/schema.h"

namespace citadel::audit {

struct QueryFilter {
  std::optional<std::string> tenant;
  std::optional<std::string> subject;
  std::optional<int64_t> since_ms;  // inclusive
  std::optional<int64_t> until_ms;  // exclusive
  std::optional<Decision> decision;
  std::optional<EventKind> kind;
  std::optional<uint64_t> after_seq;  // exclusive: records with seq > after_seq (the sinks' outbox)
  int64_t limit = -1;  // -1: all
};

// A stored row with what its content state is (erased keys are looked up in subject_keys).
struct QueriedRow {
  RecordRow row;
  ContentState content = ContentState::kNone;
};

Result<std::vector<QueriedRow>> QueryRows(Database& db, const QueryFilter& filter);
Result<std::vector<StoredRecord>> QueryRecords(Database& db, const QueryFilter& filter);
StoredRecord ToStored(const QueriedRow& queried);

}  // namespace citadel::audit
