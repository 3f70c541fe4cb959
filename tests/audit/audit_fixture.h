#pragma once
// Shared pieces of the audit tests: a temp directory with a store in it, records that fill every
// field, and raw SQL on the file as an attacker without the key would use it. Header-only because
// the stage builds every tests/audit/*_test.cpp into one binary and nothing else.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "audit/store.h"
#include "testing/shared_data.h"

namespace citadel::audit::testing {

// A request record whose fields all depend on `i`; content present when `with_content`.
inline AuditRecord MakeRecord(int i, const std::string& subject, bool with_content = true) {
  AuditRecord r;
  r.kind = EventKind::kRequest;
  r.request_id = fmt::format("req-{}", i);
  r.time_ms = 1'700'000'000'000 + static_cast<int64_t>(i) * 1000;
  r.tenant = i % 2 == 0 ? "acme" : "globex";
  r.subject = subject;
  r.key_id = fmt::format("key-{}", i % 5);
  r.client_ip = "10.0.0.1";
  r.endpoint = "/v1/chat/completions";
  r.model = "qwen3-0.6b";
  r.decision = i % 7 == 0 ? Decision::kDenied : Decision::kAllowed;
  r.reason = i % 7 == 0 ? "model not allowed" : "";
  r.http_status = i % 7 == 0 ? 403 : 200;
  r.prompt_tokens = 10 + i;
  r.cached_tokens = i % 3;
  r.completion_tokens = 20 + i;
  r.latency_ms = 5 + i % 11;
  r.pii_findings = {{"email", i % 4}, {"phone", 1}};
  r.watermark_key_id = "wm-1";
  if (with_content) {
    r.prompt = fmt::format("prompt {} of {}", i, subject);
    r.response = fmt::format("response {} for {}", i, subject);
  }
  return r;
}

// 32 fixed bytes: tests that reopen a store need the same key.
inline SecretKey TestKey(uint8_t fill = 7) {
  std::array<uint8_t, kKeyBytes> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<uint8_t>(fill + i);
  return SecretKey(bytes);
}

// Runs SQL on the database file directly, bypassing the store (and its key).
inline void RawSql(const std::string& path, const std::string& sql) {
  auto db = Database::Open(path, Database::Mode::kReadWriteCreate);
  ASSERT_TRUE(db) << db.error().message;
  auto r = db->Exec(sql);
  ASSERT_TRUE(r) << r.error().message << " in " << sql;
}

// Calls body(thread, i) for i in [0, per_thread) on `threads` threads running at once.
template <class Body>
void RunConcurrently(int threads, int per_thread, Body&& body) {
  std::vector<std::jthread> running;
  for (int t = 0; t < threads; ++t) {
    running.emplace_back([&body, t, per_thread] {
      for (int i = 0; i < per_thread; ++i) body(t, i);
    });
  }
}

// An attack that is one SQL script, where the trail must break, and how.
struct SqlAttack {
  const char* name;
  const char* sql;
  uint64_t seq;
  BreakReason reason;
};
inline std::string AttackName(const ::testing::TestParamInfo<SqlAttack>& info) { return info.param.name; }

class StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = citadel::testing::MakeTempDir("citadel-audit");
    db_path_ = (dir_ / "audit.db").string();
  }

  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::unique_ptr<AuditStore> OpenStore(StoreOptions options = {}) const {
    auto store = AuditStore::Open(db_path_, TestKey(), std::move(options));
    EXPECT_TRUE(store) << store.error().message;
    return store ? std::move(*store) : nullptr;
  }

  // Appends records first..first+n-1 for `subject`; fails the test on any error.
  void AppendMany(AuditStore& store, int first, int n, const std::string& subject = "alice") const {
    for (int i = first; i < first + n; ++i) {
      auto seq = store.Append(MakeRecord(i, subject));
      ASSERT_TRUE(seq) << seq.error().message;
    }
  }

  VerifyReport VerifyOk(const AuditStore& store) const {
    auto report = store.Verify();
    EXPECT_TRUE(report) << report.error().message;
    if (!report) return {};
    EXPECT_TRUE(report->intact()) << "broken at " << report->broken->seq << ": " << Name(report->broken->reason)
                                  << " (" << report->broken->detail << ")";
    return *report;
  }

  // Export that must succeed; an error fails the test and yields no records.
  std::vector<StoredRecord> ExportOk(AuditStore& store, const std::string& subject) const {
    auto records = store.Export(subject);
    EXPECT_TRUE(records) << records.error().message;
    return records ? std::move(*records) : std::vector<StoredRecord>();
  }

  void ExpectBroken(const AuditStore& store, uint64_t seq, BreakReason reason) const {
    auto report = store.Verify();
    ASSERT_TRUE(report) << report.error().message;
    ASSERT_FALSE(report->intact()) << "tampering went unnoticed";
    EXPECT_EQ(report->broken->seq, seq) << report->broken->detail;
    EXPECT_EQ(report->broken->reason, reason) << Name(report->broken->reason) << ": " << report->broken->detail;
  }

  std::filesystem::path dir_;
  std::string db_path_;
};

}  // namespace citadel::audit::testing
