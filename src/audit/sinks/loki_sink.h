#pragma once
// Grafana Loki through its push API (POST /loki/api/v1/push, JSON). Each record is one log line
// (the sink document as JSON) at the record's time. Labels stay few and low-cardinality:
// app="citadel", kind, tenant (optional) and the configured static labels; request ids, subjects
// and keys are in the line, never labels. Loki drops an entry identical to one it already has in
// the same stream (same timestamp and line), so a re-sent batch does not duplicate lines.

#include <chrono>
#include <map>
#include <memory>
#include <string>

#include "audit/sinks/sink.h"

namespace citadel::audit::sinks {

struct LokiSinkSettings {
  std::string url;                            // base, e.g. "http://127.0.0.1:3100"; the push path is appended
  std::map<std::string, std::string> labels;  // static extra labels, e.g. {"env", "prod"}
  bool tenant_label = true;                   // label streams by tenant (turn off with many tenants)
  std::string org_id;                         // X-Scope-OrgID for a multi-tenant Loki; empty: none
  std::string name;                           // cursor name; default "loki:<url>"
  std::chrono::milliseconds timeout{10000};
};

Result<std::unique_ptr<Sink>> MakeLokiSink(const LokiSinkSettings& settings);

// The push request body for a batch (exposed for tests).
std::string LokiPushBody(const LokiSinkSettings& settings, std::span<const StoredRecord> records);

}  // namespace citadel::audit::sinks
