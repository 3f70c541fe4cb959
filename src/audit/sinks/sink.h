#pragma once
// An external log system that audit records are shipped to (syslog, Loki, PostgreSQL,
// Elasticsearch). Sinks receive metadata only: who, what, when, the decision and the record's
// hash, never prompt or response (neither plaintext nor ciphertext). Delivery is at-least-once:
// the shipper re-sends a batch the sink did not acknowledge, so Send must tolerate records it has
// seen before (the seq is the idempotency key where the destination can use one).

#include <nlohmann/json_fwd.hpp>

#include <span>
#include <string>

#include "audit/record.h"
#include "core/result.h"

namespace citadel::audit::sinks {

class Sink {
 public:
  virtual ~Sink() = default;
  // Returns only when the destination has acknowledged every record in the batch (records are in
  // seq order). An error means none, some or all may have arrived; the batch will be sent again.
  // Called from one thread at a time.
  virtual Result<void> Send(std::span<const StoredRecord> records) = 0;
  // Stable across restarts and unique per destination: it names the cursor in the audit database.
  // Never contains a secret (it appears in metrics and logs).
  virtual const std::string& name() const = 0;
};

// The document every sink ships for a record: seq, the metadata fields, content state and hash.
// Prompt and response are left out even when the StoredRecord carries them.
nlohmann::ordered_json SinkDocument(const StoredRecord& stored);
// SinkDocument as compact single-line JSON (invalid UTF-8 replaced, so it is always valid JSON).
std::string SinkDocumentText(const StoredRecord& stored);

// One line, at most `max_chars`, for last_error and logs: control characters become spaces.
std::string OneLine(std::string_view text, size_t max_chars = 300);

}  // namespace citadel::audit::sinks
