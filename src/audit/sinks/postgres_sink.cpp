#include "audit/sinks/postgres_sink.h"

#include <libpq-fe.h>

#include <array>

#include "audit/iso_time.h"

namespace citadel::audit::sinks {
namespace {

struct ConnCloser {
  void operator()(PGconn* c) const { PQfinish(c); }
};
struct ResultClearer {
  void operator()(PGresult* r) const { PQclear(r); }
};
using Conn = std::unique_ptr<PGconn, ConnCloser>;
using PgResult = std::unique_ptr<PGresult, ResultClearer>;

constexpr int kParams = 14;
constexpr std::string_view kInsertName = "citadel_insert_record";

// Identifiers cannot be parameters; accept only plain ones and quote them anyway.
Result<std::string> QuotedTable(std::string_view table) {
  std::string out;
  size_t start = 0;
  for (int part = 0; part < 2; ++part) {
    const size_t dot = table.find('.', start);
    const std::string_view ident = table.substr(start, dot == std::string_view::npos ? dot : dot - start);
    if (ident.empty() || ident.size() > 63 || (ident.front() >= '0' && ident.front() <= '9') ||
        ident.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_") !=
            std::string_view::npos) {
      return Err("postgres table '{}': expected [schema.]name of letters, digits and '_'", table);
    }
    out += (out.empty() ? "\"" : ".\"") + std::string(ident) + "\"";
    if (dot == std::string_view::npos) return out;
    start = dot + 1;
  }
  return Err("postgres table '{}': expected [schema.]name", table);
}

// The server's message without the trailing newline, as one line.
std::string ConnError(PGconn* conn) { return OneLine(conn ? PQerrorMessage(conn) : "out of memory"); }

// host:port/dbname from the connection string, leaving out everything else (notably a password).
std::string DescribeTarget(const std::string& conninfo) {
  char* error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &error);
  if (error) PQfreemem(error);
  if (!options) return "?";
  std::string host = "localhost", port = "5432", dbname = "";
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val || !*o->val) continue;
    const std::string_view k = o->keyword;
    if (k == "host") host = o->val;
    if (k == "port") port = o->val;
    if (k == "dbname") dbname = o->val;
  }
  PQconninfoFree(options);
  return fmt::format("{}:{}/{}", host, port, dbname);
}

class PostgresSink final : public Sink {
 public:
  PostgresSink(PostgresSinkSettings settings, std::string table, std::string name)
      : settings_(std::move(settings)), table_(std::move(table)), name_(std::move(name)) {}

  Result<void> Send(std::span<const StoredRecord> records) override {
    if (records.empty()) return Ok();
    if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) CITADEL_RETURN_IF_ERROR(Connect());
    auto sent = SendBatch(records);
    if (!sent) {
      // The connection's state is unknown (mid-transaction, or broken): start over next time.
      conn_.reset();
      return sent.error().Wrap(name_);
    }
    return Ok();
  }
  const std::string& name() const override { return name_; }

 private:
  Result<void> Connect() {
    conn_.reset();
    const std::string connect_timeout = std::to_string(settings_.connect_timeout.count());
    const std::string options = fmt::format("-c statement_timeout={}s", settings_.statement_timeout.count());
    // Ours first: with expand_dbname the conninfo expands in place of dbname, and later values
    // win, so whatever the operator wrote there overrides these defaults.
    const std::array<const char*, 5> keys = {"connect_timeout", "options", "application_name", "dbname", nullptr};
    const std::array<const char*, 5> values = {connect_timeout.c_str(), options.c_str(), "citadel-audit",
                                               settings_.conninfo.c_str(), nullptr};
    Conn conn(PQconnectdbParams(keys.data(), values.data(), 1));
    if (!conn || PQstatus(conn.get()) != CONNECTION_OK) {
      return Err("{}: connecting: {}", name_, ConnError(conn.get()));
    }
    conn_ = std::move(conn);
    // libpq prints server notices ("relation ... already exists, skipping") to stderr by default.
    PQsetNoticeProcessor(conn_.get(), [](void*, const char*) {}, nullptr);
    CITADEL_RETURN_IF_ERROR(Exec(fmt::format(
        "CREATE TABLE IF NOT EXISTS {}(seq BIGINT PRIMARY KEY, kind TEXT NOT NULL, request_id TEXT NOT NULL,"
        " time TIMESTAMPTZ NOT NULL, tenant TEXT NOT NULL, subject TEXT NOT NULL, key_id TEXT NOT NULL,"
        " client_ip TEXT NOT NULL, endpoint TEXT NOT NULL, model TEXT NOT NULL, decision TEXT NOT NULL,"
        " http_status INTEGER NOT NULL, hash TEXT NOT NULL, record JSONB NOT NULL)",
        table_)));
    PgResult prepared(PQprepare(
        conn_.get(), kInsertName.data(),
        fmt::format("INSERT INTO {}(seq, kind, request_id, time, tenant, subject, key_id, client_ip, endpoint, model,"
                    " decision, http_status, hash, record) VALUES($1, $2, $3, $4::timestamptz, $5, $6, $7, $8, $9,"
                    " $10, $11, $12, $13, $14::jsonb) ON CONFLICT (seq) DO NOTHING",
                    table_)
            .c_str(),
        kParams, nullptr));
    if (PQresultStatus(prepared.get()) != PGRES_COMMAND_OK) {
      const std::string error = ConnError(conn_.get());
      conn_.reset();
      return Err("{}: preparing the insert: {}", name_, error);
    }
    return Ok();
  }

  Result<void> Exec(const std::string& sql) {
    PgResult result(PQexec(conn_.get(), sql.c_str()));
    if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
      const std::string error = ConnError(conn_.get());
      conn_.reset();
      return Err("{}: {}", name_, error);
    }
    return Ok();
  }

  Result<void> SendBatch(std::span<const StoredRecord> records) {
    CITADEL_RETURN_IF_ERROR(Exec("BEGIN"));
    for (const StoredRecord& s : records) {
      const AuditRecord& r = s.record;
      const std::array<std::string, kParams> text = {
          std::to_string(s.seq), std::string(Name(r.kind)), r.request_id, FormatIsoUtcMs(r.time_ms),
          r.tenant, r.subject, r.key_id, r.client_ip, r.endpoint, r.model, std::string(Name(r.decision)),
          std::to_string(r.http_status), ToHex(s.hash), SinkDocumentText(s)};
      std::array<const char*, kParams> values{};
      for (int i = 0; i < kParams; ++i) values[i] = text[i].c_str();
      PgResult result(PQexecPrepared(conn_.get(), kInsertName.data(), kParams, values.data(), nullptr, nullptr, 0));
      if (PQresultStatus(result.get()) != PGRES_COMMAND_OK) {
        return Err("inserting seq {}: {}", s.seq, ConnError(conn_.get()));
      }
    }
    // Acknowledged only once COMMIT returns: if that answer is lost the batch is sent again, and
    // ON CONFLICT makes the second copy a no-op.
    return Exec("COMMIT");
  }

  const PostgresSinkSettings settings_;
  const std::string table_;  // quoted
  const std::string name_;
  Conn conn_;  // used by Send's caller thread only
};

}  // namespace

Result<std::unique_ptr<Sink>> MakePostgresSink(const PostgresSinkSettings& settings) {
  CITADEL_ASSIGN_OR_RETURN(std::string table, QuotedTable(settings.table));
  char* error = nullptr;
  PQconninfoOption* parsed = PQconninfoParse(settings.conninfo.c_str(), &error);
  if (!parsed) {
    const std::string message = error ? OneLine(error) : "out of memory";
    if (error) PQfreemem(error);
    return Err("postgres conninfo: {}", message);
  }
  PQconninfoFree(parsed);
  std::string name = settings.name.empty()
                         ? fmt::format("postgres:{}/{}", DescribeTarget(settings.conninfo), settings.table)
                         : settings.name;
  return std::unique_ptr<Sink>(std::make_unique<PostgresSink>(settings, std::move(table), std::move(name)));
}

}  // namespace citadel::audit::sinks
