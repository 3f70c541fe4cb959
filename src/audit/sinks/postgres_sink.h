#pragma once
// PostgreSQL through libpq. The table (created when missing) has one row per record, keyed by
// seq, with the main metadata as columns for SQL and the whole sink document as JSONB:
//
//   <table>(seq BIGINT PRIMARY KEY, kind TEXT, request_id TEXT, time TIMESTAMPTZ, tenant TEXT,
//           subject TEXT, key_id TEXT, client_ip TEXT, endpoint TEXT, model TEXT, decision TEXT,
//           http_status INTEGER, hash TEXT, record JSONB)
//
// A batch is one transaction of parameterized INSERT ... ON CONFLICT (seq) DO NOTHING, so a batch
// re-sent after a crash or a lost COMMIT acknowledgement adds nothing twice. The connection is
// kept between batches and reopened after any error.

#include <chrono>
#include <memory>
#include <string>

#include "audit/sinks/sink.h"

namespace citadel::audit::sinks {

struct PostgresSinkSettings {
  std::string conninfo;                 // libpq connection string or URI (a password may be in it)
  std::string table = "citadel_audit";  // [schema.]name, letters, digits and '_'
  std::string name;                     // cursor name; default "postgres:<host>:<port>/<dbname>/<table>"
  std::chrono::seconds connect_timeout{10};
  std::chrono::seconds statement_timeout{30};
};

Result<std::unique_ptr<Sink>> MakePostgresSink(const PostgresSinkSettings& settings);

}  // namespace citadel::audit::sinks
