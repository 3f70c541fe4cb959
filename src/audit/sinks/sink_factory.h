#pragma once
// Settings -> Sink, for the server's configuration and the CLI: one variant alternative per kind
// of destination.

#include <memory>
#include <variant>

#include "audit/sinks/elastic_sink.h"
#include "audit/sinks/loki_sink.h"
#include "audit/sinks/postgres_sink.h"
#include "audit/sinks/syslog_sink.h"

namespace citadel::audit::sinks {

using SinkSettings = std::variant<SyslogSinkSettings, LokiSinkSettings, PostgresSinkSettings, ElasticSinkSettings>;

// Validates the settings (no connection is made: a destination that is down at start is retried
// by the shipper, not fatal).
Result<std::unique_ptr<Sink>> MakeSink(const SinkSettings& settings);

}  // namespace citadel::audit::sinks
