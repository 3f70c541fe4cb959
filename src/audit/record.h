#pragma once
// One audit event: a request's decision and exchange, or an administrative action. Every field
// that ForEachField visits is covered by the record's hash; prompt and response are stored only
// encrypted (see content_cipher.h) and covered through the digest of their ciphertext.

#include <nlohmann/json_fwd.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>

#include "core/bytes.h"
#include "core/result.h"

namespace citadel::audit {

enum class EventKind { kRequest, kKeyCreated, kKeyRevoked, kConfigReloaded, kErasure, kAuditVerified, kExport, kPurge };
enum class Decision { kNone, kAllowed, kDenied, kRateLimited, kFailed };

std::string_view Name(EventKind kind);
std::string_view Name(Decision decision);
Result<EventKind> ParseEventKind(std::string_view name);
Result<Decision> ParseDecision(std::string_view name);

struct AuditRecord {
  EventKind kind = EventKind::kRequest;
  std::string request_id;
  int64_t time_ms = 0;  // UTC, milliseconds since the epoch
  std::string tenant;
  std::string subject;  // the person the record is about: erasure and export go by this
  std::string key_id;   // API key id or token jti
  std::string client_ip;
  std::string endpoint;
  std::string model;
  Decision decision = Decision::kNone;
  std::string reason;  // why denied or failed
  int64_t http_status = 0;
  int64_t prompt_tokens = 0;
  int64_t cached_tokens = 0;
  int64_t completion_tokens = 0;
  int64_t latency_ms = 0;
  std::map<std::string, int64_t> pii_findings;  // type -> count; ordered so the hash is stable
  std::string watermark_key_id;
  std::string detail;  // administrative events: what was done, e.g. the erased subject's key count
  std::optional<std::string> prompt;
  std::optional<std::string> response;

  bool has_content() const { return prompt.has_value() || response.has_value(); }
};

// Visits the hashed metadata fields in canonical order with (name, member). The order and names
// are part of the on-disk format: append new fields at the end and never rename one.
template <class Record, class Visitor>
void ForEachField(Record& r, Visitor&& f) {
  f("kind", r.kind);
  f("request_id", r.request_id);
  f("time_ms", r.time_ms);
  f("tenant", r.tenant);
  f("subject", r.subject);
  f("key_id", r.key_id);
  f("client_ip", r.client_ip);
  f("endpoint", r.endpoint);
  f("model", r.model);
  f("decision", r.decision);
  f("reason", r.reason);
  f("http_status", r.http_status);
  f("prompt_tokens", r.prompt_tokens);
  f("cached_tokens", r.cached_tokens);
  f("completion_tokens", r.completion_tokens);
  f("latency_ms", r.latency_ms);
  f("pii_findings", r.pii_findings);
  f("watermark_key_id", r.watermark_key_id);
  f("detail", r.detail);
}

// What became of a record's encrypted content.
enum class ContentState { kNone, kPresent, kErased, kPurged };
std::string_view Name(ContentState state);

// A record as read back from the store.
struct StoredRecord {
  uint64_t seq = 0;
  AuditRecord record;  // prompt/response set only when decrypted (Export)
  ContentState content = ContentState::kNone;
  Digest hash{};
};

// The pii_findings column: compact JSON with sorted keys.
std::string PiiToText(const std::map<std::string, int64_t>& findings);
Result<std::map<std::string, int64_t>> PiiFromText(std::string_view text);

// For query and export output; content appears only when decrypted.
nlohmann::ordered_json ToJson(const StoredRecord& stored);

}  // namespace citadel::audit
