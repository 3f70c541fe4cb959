#pragma once
// The server's side of the audit trail: what [audit] configures, and writing one record per
// request without blocking the connection threads. Appends run on a small pool of their own, so
// concurrent requests share the store's group commit (one fsync for many records). With
// fail_closed (the default) a caller learns whether its record is durable before it answers; the
// routes then refuse to serve (503) rather than answer without a record.

#include <boost/asio/awaitable.hpp>
#include <boost/asio/thread_pool.hpp>

#include <atomic>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "audit/record.h"
#include "audit/sinks/sink_factory.h"
#include "audit/store.h"
#include "core/result.h"
#include "guard/pii/scanner.h"

namespace citadel::server {

// How much of a prompt and response the trail keeps (per role: [roles.X] audit_policy).
enum class ContentMode { kNone, kHash, kMasked, kFull };
Result<ContentMode> ParseContentMode(std::string_view name);  // "none", "hash", "masked", "full"

struct AuditSettings {
  std::string store;     // [audit] store: SQLite file; "" = no audit trail
  std::string key_file;  // [audit] key_file: from `citadel audit keygen`
  bool fail_closed = true;
  ContentMode content = ContentMode::kNone;  // for roles without an audit_policy
  int retention_days = 180;          // metadata; below 180 only with allow_short_retention
  int content_retention_days = 30;   // prompts and responses
  bool allow_short_retention = false;
  std::vector<audit::sinks::SinkSettings> sinks;  // [audit.sinks.syslog|loki|postgres|elastic]
};

class AuditWriter {
 public:
  // A disabled writer when settings.store is empty.
  static Result<std::unique_ptr<AuditWriter>> Open(const AuditSettings& settings);
  ~AuditWriter();

  bool enabled() const { return store_ != nullptr; }
  bool fail_closed() const { return settings_.fail_closed; }
  audit::AuditStore* store() const { return store_.get(); }

  // Appends on the writer's pool. True when the record is durable, or there is no trail; false
  // when the append failed (the failure is counted).
  boost::asio::awaitable<bool> Write(const audit::AuditRecord& record);
  // Blocking, for administrative events.
  Result<uint64_t> WriteNow(const audit::AuditRecord& record);

  // The content to record under `mode` ("none" gives nothing; "hash" a keyed digest; "masked"
  // the text with PII redacted).
  std::optional<std::string> Content(ContentMode mode, std::string_view text) const;
  ContentMode default_content() const { return settings_.content; }

  int64_t failures() const { return failures_.load(); }

 private:
  AuditWriter(AuditSettings settings, std::unique_ptr<audit::AuditStore> store, SecretKey hash_key,
              std::unique_ptr<guard::pii::Scanner> scanner);

  AuditSettings settings_;
  std::unique_ptr<audit::AuditStore> store_;
  SecretKey hash_key_;
  std::unique_ptr<guard::pii::Scanner> scanner_;
  std::unique_ptr<boost::asio::thread_pool> pool_;
  std::atomic<int64_t> failures_{0};
};

}  // namespace citadel::server
