#include "audit_commands.h"

#include <nlohmann/json.hpp>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include "audit/iso_time.h"
#include "audit/query.h"
#include "audit/store.h"
#include "audit/verify.h"
#include "audit_ship_command.h"

namespace citadel::cli {
namespace {

int Fail(const std::string& message) {
  std::fprintf(stderr, "citadel audit: %s\n", message.c_str());
  return 1;
}

void PrintJson(const nlohmann::ordered_json& json) {
  std::printf("%s\n", json.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
}

// The store creates missing files; commands on an existing trail must not.
Result<void> RequireFile(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::is_regular_file(path, ec)) return Err("no audit database at '{}'", path);
  return Ok();
}

Result<std::unique_ptr<audit::AuditStore>> OpenStore(const std::string& db, const std::string& key_file) {
  CITADEL_RETURN_IF_ERROR(RequireFile(db));
  CITADEL_ASSIGN_OR_RETURN(const SecretKey key, ReadKeyFile(key_file));
  return audit::AuditStore::Open(db, key);
}

Result<Database> OpenReader(const std::string& db) {
  CITADEL_RETURN_IF_ERROR(RequireFile(db));
  return Database::Open(db, Database::Mode::kReadOnly);
}

struct StoreArgs {
  std::string db, key_file, subject;
};

void AddStoreOptions(CLI::App* command, StoreArgs& a, bool with_subject) {
  command->add_option("--db", a.db, "audit database (SQLite)")->required();
  command->add_option("--key-file", a.key_file, "audit key file (64 hex digits, see keygen)")->required();
  if (with_subject) command->add_option("--subject", a.subject, "the data subject")->required();
}

// Read-only unless `record` asks for an audit_verified record to be appended.
Result<audit::VerifyReport> Verify(const StoreArgs& a, bool record) {
  if (record) {
    CITADEL_ASSIGN_OR_RETURN(auto store, OpenStore(a.db, a.key_file));
    return store->VerifyAndRecord();
  }
  CITADEL_ASSIGN_OR_RETURN(Database db, OpenReader(a.db));
  CITADEL_ASSIGN_OR_RETURN(const SecretKey key, ReadKeyFile(a.key_file));
  return audit::VerifyTrail(db, audit::AuditKeys::Derive(key));
}

int RunVerify(const StoreArgs& a, bool json, bool record) {
  auto report = Verify(a, record);
  if (!report) return Fail(report.error().message);
  if (json) {
    nlohmann::ordered_json out{{"intact", report->intact()}, {"records", report->records},
                               {"first_seq", report->first_seq}, {"last_seq", report->last_seq},
                               {"checkpoints", report->checkpoints}};
    if (report->broken) {
      out["broken"] = {{"seq", report->broken->seq}, {"reason", audit::Name(report->broken->reason)},
                       {"detail", report->broken->detail}};
    }
    PrintJson(out);
  } else if (report->broken) {
    std::printf("BROKEN at record %llu: %s (%s); %llu records before it are intact\n",
                static_cast<unsigned long long>(report->broken->seq), std::string(audit::Name(report->broken->reason)).c_str(),
                report->broken->detail.c_str(), static_cast<unsigned long long>(report->records));
  } else {
    std::printf("intact: %llu records (seq %llu to %llu), %llu checkpoints\n",
                static_cast<unsigned long long>(report->records), static_cast<unsigned long long>(report->first_seq),
                static_cast<unsigned long long>(report->last_seq),
                static_cast<unsigned long long>(report->checkpoints));
  }
  return report->intact() ? 0 : 1;
}

struct QueryArgs {
  std::string db, tenant, subject, since, until, decision, kind;
  int64_t limit = -1;
  bool json = false;
};

Result<audit::QueryFilter> ToFilter(const QueryArgs& a) {
  audit::QueryFilter f;
  if (!a.tenant.empty()) f.tenant = a.tenant;
  if (!a.subject.empty()) f.subject = a.subject;
  if (!a.since.empty()) { CITADEL_ASSIGN_OR_RETURN(f.since_ms, audit::ParseIsoUtcMs(a.since)); }
  if (!a.until.empty()) { CITADEL_ASSIGN_OR_RETURN(f.until_ms, audit::ParseIsoUtcMs(a.until)); }
  if (!a.decision.empty()) { CITADEL_ASSIGN_OR_RETURN(f.decision, audit::ParseDecision(a.decision)); }
  if (!a.kind.empty()) { CITADEL_ASSIGN_OR_RETURN(f.kind, audit::ParseEventKind(a.kind)); }
  f.limit = a.limit;
  return f;
}

void PrintRecords(const std::vector<audit::StoredRecord>& records, bool json) {
  if (json) {
    nlohmann::ordered_json out = nlohmann::ordered_json::array();
    for (const auto& r : records) out.push_back(audit::ToJson(r));
    PrintJson(out);
    return;
  }
  for (const auto& s : records) {
    const audit::AuditRecord& r = s.record;
    std::printf("%llu %s %s tenant=%s subject=%s %s %lld %s %s\n", static_cast<unsigned long long>(s.seq),
                audit::FormatIsoUtcMs(r.time_ms).c_str(), std::string(audit::Name(r.kind)).c_str(), r.tenant.c_str(),
                r.subject.c_str(), std::string(audit::Name(r.decision)).c_str(), static_cast<long long>(r.http_status),
                r.endpoint.c_str(), r.request_id.c_str());
  }
}

int RunQuery(const QueryArgs& a) {
  auto filter = ToFilter(a);
  if (!filter) return Fail(filter.error().message);
  auto db = OpenReader(a.db);
  if (!db) return Fail(db.error().message);
  auto records = audit::QueryRecords(*db, *filter);
  if (!records) return Fail(records.error().Wrap(a.db).message);
  PrintRecords(*records, a.json);
  return 0;
}

// Opens the store and runs `action` on it; any error becomes one line on stderr.
template <class Action>
int WithStore(const StoreArgs& a, Action&& action) {
  auto store = OpenStore(a.db, a.key_file);
  if (!store) return Fail(store.error().message);
  Result<void> done = action(**store);
  return done ? 0 : Fail(done.error().message);
}

int RunErase(const StoreArgs& a) {
  return WithStore(a, [&a](audit::AuditStore& store) -> Result<void> {
    CITADEL_ASSIGN_OR_RETURN(const uint64_t seq, store.Erase(a.subject));
    std::printf("erased the content keys of subject '%s' (erasure recorded at seq %llu)\n", a.subject.c_str(),
                static_cast<unsigned long long>(seq));
    return Ok();
  });
}

int RunExport(const StoreArgs& a) {
  return WithStore(a, [&a](audit::AuditStore& store) -> Result<void> {
    CITADEL_ASSIGN_OR_RETURN(const auto records, store.Export(a.subject));
    PrintRecords(records, true);
    return Ok();
  });
}

struct PurgeArgs {
  StoreArgs store;
  std::string content_before, records_before;
};

int RunPurge(const PurgeArgs& a) {
  auto content = audit::ParseIsoUtcMs(a.content_before);
  if (!content) return Fail(content.error().message);
  auto records = audit::ParseIsoUtcMs(a.records_before);
  if (!records) return Fail(records.error().message);
  return WithStore(a.store, [&](audit::AuditStore& store) -> Result<void> {
    CITADEL_ASSIGN_OR_RETURN(const audit::PurgeReport report, store.Purge(*content, *records));
    std::printf("content dropped from %lld records, %lld records deleted, trail starts after seq %llu\n",
                static_cast<long long>(report.content_purged), static_cast<long long>(report.records_deleted),
                static_cast<unsigned long long>(report.anchor_seq));
    return Ok();
  });
}

}  // namespace

void AddAuditCommands(CLI::App& app, int& exit_code) {
  auto* audit = app.add_subcommand("audit", "Verify, query and administer the tamper-evident audit trail");
  audit->require_subcommand(1);

  auto key_out = std::make_shared<std::string>();
  auto* keygen = audit->add_subcommand("keygen", "Create a new audit key file (32 random bytes, hex, mode 0600)");
  keygen->add_option("--out", *key_out, "file to create; an existing file is never overwritten")->required();
  keygen->callback([key_out, &exit_code] {
    auto written = WriteNewKeyFile(*key_out);
    exit_code = written ? 0 : Fail(written.error().message);
  });

  auto verify_args = std::make_shared<StoreArgs>();
  auto verify_json = std::make_shared<bool>(false);
  auto verify_record = std::make_shared<bool>(false);
  auto* verify = audit->add_subcommand("verify", "Check the hash chain, MACs and checkpoints; exit 1 when broken");
  AddStoreOptions(verify, *verify_args, false);
  verify->add_flag("--json", *verify_json, "print the report as JSON");
  verify->add_flag("--record", *verify_record, "append an audit_verified record with the verdict");
  verify->callback([=, &exit_code] { exit_code = RunVerify(*verify_args, *verify_json, *verify_record); });

  auto q = std::make_shared<QueryArgs>();
  auto* query = audit->add_subcommand("query", "List records by metadata (no key needed; content stays sealed)");
  query->add_option("--db", q->db, "audit database (SQLite)")->required();
  const struct {
    const char* flag;
    std::string QueryArgs::*member;
    const char* help;
  } kFilters[] = {
      {"--tenant", &QueryArgs::tenant, "only this tenant"},
      {"--subject", &QueryArgs::subject, "only this data subject"},
      {"--since", &QueryArgs::since, "from this UTC time on (ISO 8601, inclusive)"},
      {"--until", &QueryArgs::until, "before this UTC time (ISO 8601, exclusive)"},
      {"--decision", &QueryArgs::decision, "allowed, denied, rate_limited, failed or none"},
      {"--kind", &QueryArgs::kind, "request, key_created, key_revoked, config_reloaded, erasure, export, purge, ..."},
  };
  for (const auto& f : kFilters) query->add_option(f.flag, (*q).*f.member, f.help);
  query->add_option("--limit", q->limit, "at most this many records");
  query->add_flag("--json", q->json, "print a JSON array of records");
  query->callback([q, &exit_code] { exit_code = RunQuery(*q); });

  auto erase_args = std::make_shared<StoreArgs>();
  auto* erase = audit->add_subcommand("erase", "Destroy a subject's content keys (GDPR erasure) and record it");
  AddStoreOptions(erase, *erase_args, true);
  erase->callback([erase_args, &exit_code] { exit_code = RunErase(*erase_args); });

  auto export_args = std::make_shared<StoreArgs>();
  auto* exp = audit->add_subcommand("export", "Print every record about a subject with decrypted content (JSON)");
  AddStoreOptions(exp, *export_args, true);
  exp->callback([export_args, &exit_code] { exit_code = RunExport(*export_args); });

  auto purge_args = std::make_shared<PurgeArgs>();
  auto* purge = audit->add_subcommand("purge", "Apply retention: drop old content, delete old records");
  AddStoreOptions(purge, purge_args->store, false);
  purge->add_option("--content-before", purge_args->content_before, "drop content of records before this UTC time")
      ->required();
  purge->add_option("--records-before", purge_args->records_before,
                    "delete whole records before this UTC time (up to a checkpoint)")
      ->required();
  purge->callback([purge_args, &exit_code] { exit_code = RunPurge(*purge_args); });

  AddAuditShipCommand(*audit, exit_code);
}

}  // namespace citadel::cli
