#pragma once
// The durable outbox the sinks are fed from: the records table itself, plus one cursor per sink
// in sink_cursors (the last seq the sink acknowledged). A record is never copied anywhere before
// it is shipped, so nothing can be lost between the trail and the outbox; after a crash or a
// restart a sink resumes after its cursor and at most one unacknowledged batch is sent twice.

#include <cstdint>
#include <string>
#include <vector>

#include "audit/record.h"
#include "core/sqlite.h"

namespace citadel::audit::sinks {

class Outbox {
 public:
  // Opens its own connection to an existing audit database (the store's writer is not touched;
  // WAL lets it read while the server appends) and creates sink_cursors if the file predates it.
  static Result<Outbox> Open(const std::string& audit_db_path);

  // The sink's cursor; 0 when it never shipped anything.
  Result<uint64_t> ShippedSeq(const std::string& sink);
  // Records with seq > after, in seq order, at most `limit`. Metadata only: content stays sealed.
  Result<std::vector<StoredRecord>> ReadAfter(uint64_t after, size_t limit);
  // Moves the cursor forward (never back) once the sink acknowledged everything up to `seq`.
  Result<void> Advance(const std::string& sink, uint64_t seq, int64_t now_ms);
  // The highest seq in the trail; 0 when empty.
  Result<uint64_t> LastSeq();

 private:
  explicit Outbox(Database db) : db_(std::move(db)) {}
  Database db_;
};

}  // namespace citadel::audit::sinks
