#pragma once
// Elasticsearch (or OpenSearch) through the _bulk API: POST /<index>/_bulk with NDJSON, one index
// action per record whose _id is the seq, so a re-sent batch overwrites the same documents
// instead of duplicating them. A batch is acknowledged only when the response says errors=false
// and every item has a 2xx status. Documents carry "@timestamp" (ISO 8601 UTC) for Kibana.

#include <chrono>
#include <memory>
#include <string>

#include "audit/sinks/sink.h"

namespace citadel::audit::sinks {

struct ElasticSinkSettings {
  std::string url;    // e.g. "http://127.0.0.1:9200"
  std::string index;  // e.g. "citadel-audit": lowercase, no '/', '\\', '*', '?', '"', '<', '>', '|', ' ', ',', '#'
  std::string name;   // cursor name; default "elastic:<url>/<index>"
  std::chrono::milliseconds timeout{30000};
};

Result<std::unique_ptr<Sink>> MakeElasticSink(const ElasticSinkSettings& settings);

// The NDJSON request body for a batch (exposed for tests).
std::string ElasticBulkBody(std::span<const StoredRecord> records);
// Ok when the _bulk response reports all `expected_items` stored; otherwise the first failure.
Result<void> CheckBulkResponse(std::string_view body, size_t expected_items);

}  // namespace citadel::audit::sinks
