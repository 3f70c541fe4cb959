#include "audit/query.h"

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "audit_fixture.h"

namespace citadel::audit {
namespace {

using testing::MakeRecord;

class QueryTest : public testing::StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = OpenStore();
    ASSERT_TRUE(store_);
    AppendMany(*store_, 0, 30, "alice");
    ASSERT_TRUE(store_->Erase("bob"));
  }
  std::vector<uint64_t> Seqs(const QueryFilter& filter) const {
    auto records = store_->Query(filter);
    EXPECT_TRUE(records) << records.error().message;
    std::vector<uint64_t> seqs;
    if (records) {
      for (const StoredRecord& r : *records) seqs.push_back(r.seq);
    }
    return seqs;
  }
  std::unique_ptr<AuditStore> store_;
};

TEST_F(QueryTest, FiltersCombine) {
  EXPECT_EQ(Seqs({}).size(), 31u);
  // Record i has seq i + 1 and time base + i seconds; i % 7 == 0 is denied, even i is acme.
  EXPECT_EQ(Seqs({.decision = Decision::kDenied}), (std::vector<uint64_t>{1, 8, 15, 22, 29}));
  EXPECT_EQ(Seqs({.tenant = "acme", .decision = Decision::kDenied}), (std::vector<uint64_t>{1, 15, 29}));
  EXPECT_EQ(Seqs({.since_ms = MakeRecord(10, "").time_ms, .until_ms = MakeRecord(13, "").time_ms}),
            (std::vector<uint64_t>{11, 12, 13}));
  EXPECT_EQ(Seqs({.kind = EventKind::kErasure}), std::vector<uint64_t>{31});
  EXPECT_EQ(Seqs({.subject = "bob"}), std::vector<uint64_t>{31});
  EXPECT_EQ(Seqs({.tenant = "acme", .limit = 2}), (std::vector<uint64_t>{1, 3}));
  EXPECT_TRUE(Seqs({.tenant = "initech"}).empty());
}

TEST_F(QueryTest, JsonHasEveryFieldButNoPlaintext) {
  auto records = store_->Query({.subject = "alice", .limit = 1});
  ASSERT_TRUE(records && records->size() == 1);
  const auto json = ToJson(records->front());
  EXPECT_EQ(json["seq"], 1);
  EXPECT_EQ(json["kind"], "request");
  EXPECT_EQ(json["decision"], "denied");
  EXPECT_EQ(json["reason"], "model not allowed");
  EXPECT_EQ(json["pii_findings"]["phone"], 1);
  EXPECT_EQ(json["content"], "present");
  EXPECT_EQ(json["hash"].get<std::string>().size(), 64u);
  EXPECT_FALSE(json.contains("prompt"));
  EXPECT_EQ(json.size(), 22u);  // seq, the 19 fields, content state and hash
}

}  // namespace
}  // namespace citadel::audit
