#include "guard/quota/usage_store.h"

#include <map>
#include <mutex>
#include <utility>

#include "core/sqlite.h"

namespace citadel::guard::quota {
namespace {

class SqliteUsageStore final : public UsageStore {
 public:
  explicit SqliteUsageStore(Database db) : db_(std::move(db)) {}

  Result<int64_t> Load(std::string_view scope, std::string_view period) override {
    std::lock_guard lock(mu_);
    CITADEL_ASSIGN_OR_RETURN(Statement s, db_.Prepare("SELECT tokens FROM usage WHERE scope = ?1 AND period = ?2"));
    s.Bind(1, scope).Bind(2, period);
    CITADEL_ASSIGN_OR_RETURN(const bool row, s.Step());
    return row ? s.Int(0) : int64_t{0};
  }

  Result<void> Add(std::string_view scope, std::string_view period, int64_t tokens) override {
    std::lock_guard lock(mu_);
    CITADEL_ASSIGN_OR_RETURN(
        Statement s, db_.Prepare("INSERT INTO usage (scope, period, tokens) VALUES (?1, ?2, ?3) "
                                 "ON CONFLICT (scope, period) DO UPDATE SET tokens = tokens + excluded.tokens"));
    s.Bind(1, scope).Bind(2, period).Bind(3, tokens);
    return s.Run();
  }

 private:
  std::mutex mu_;
  Database db_;
};

class MemoryStore final : public UsageStore {
 public:
  Result<int64_t> Load(std::string_view scope, std::string_view period) override {
    std::lock_guard lock(mu_);
    const auto it = counts_.find(Key(scope, period));
    return it == counts_.end() ? 0 : it->second;
  }
  Result<void> Add(std::string_view scope, std::string_view period, int64_t tokens) override {
    std::lock_guard lock(mu_);
    counts_[Key(scope, period)] += tokens;
    return Ok();
  }

 private:
  static std::string Key(std::string_view scope, std::string_view period) {
    return std::string(scope) + '\n' + std::string(period);
  }
  std::mutex mu_;
  std::map<std::string, int64_t> counts_;
};

}  // namespace

Result<std::unique_ptr<UsageStore>> OpenSqliteUsageStore(const std::string& path) {
  auto db = Database::Open(path, Database::Mode::kReadWriteCreate);
  if (!db) return db.error().Wrap(path);
  CITADEL_RETURN_IF_ERROR(db->Exec("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; PRAGMA busy_timeout = 5000;"
                                   "CREATE TABLE IF NOT EXISTS usage (scope TEXT NOT NULL, period TEXT NOT NULL, "
                                   "tokens INTEGER NOT NULL, PRIMARY KEY (scope, period))"));
  return std::unique_ptr<UsageStore>(std::make_unique<SqliteUsageStore>(std::move(*db)));
}

std::unique_ptr<UsageStore> MemoryUsageStore() { return std::make_unique<MemoryStore>(); }

}  // namespace citadel::guard::quota
