#pragma once
// Where daily and monthly token counts persist, so a restart does not hand out a fresh quota.
// SQLite is the embedded default; a store shared by several replicas (e.g. Redis) implements the
// same two calls.

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "core/result.h"

namespace citadel::guard::quota {

class UsageStore {
 public:
  virtual ~UsageStore() = default;
  // Tokens recorded for `scope` in `period` ("2026-11-25" or "2026-11"); 0 when none.
  virtual Result<int64_t> Load(std::string_view scope, std::string_view period) = 0;
  virtual Result<void> Add(std::string_view scope, std::string_view period, int64_t tokens) = 0;
};

// A SQLite file (WAL). Creates the table on first use.
Result<std::unique_ptr<UsageStore>> OpenSqliteUsageStore(const std::string& path);
// Keeps counts in memory only (no quota file configured): they reset on restart.
std::unique_ptr<UsageStore> MemoryUsageStore();

}  // namespace citadel::guard::quota
