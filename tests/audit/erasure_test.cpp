// Right to erasure, right of access and retention against the chain.

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>

#include "audit/subject_keys.h"
#include "audit_fixture.h"

namespace citadel::audit {
namespace {

using testing::MakeRecord;
using testing::StoreTest;

class ErasureTest : public StoreTest {
 protected:
  Bytes WrappedKeyOf(const std::string& subject) const {
    auto db = Database::Open(db_path_, Database::Mode::kReadOnly);
    EXPECT_TRUE(db);
    auto select = db->Prepare("SELECT wrapped FROM subject_keys WHERE subject = ? AND wrapped IS NOT NULL");
    EXPECT_TRUE(select);
    select->Bind(1, std::string_view(subject));
    return select->Step().value_or(false) ? select->Blob(0) : Bytes();
  }
  bool FilesContain(ByteSpan needle) const {
    for (const char* suffix : {"", "-wal"}) {
      std::ifstream in(db_path_ + suffix, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
      const std::string_view n(reinterpret_cast<const char*>(needle.data()), needle.size());
      if (bytes.find(n) != std::string::npos) return true;
    }
    return false;
  }
};

TEST_F(ErasureTest, ErasedSubjectIsUnreadableOthersAreNotAndTheChainHolds) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  AppendMany(*store, 0, 20, "alice");
  AppendMany(*store, 20, 20, "bob");
  AppendMany(*store, 40, 5, "alice");
  const Bytes alice_key = WrappedKeyOf("alice");
  ASSERT_EQ(alice_key.size(), kGcmNonceBytes + kKeyBytes + kGcmTagBytes);
  ASSERT_TRUE(FilesContain(alice_key));

  auto erased = store->Erase("alice");
  ASSERT_TRUE(erased) << erased.error().message;
  EXPECT_EQ(*erased, 46u);
  // The wrapped key is gone from the database and the WAL, not just unlinked.
  EXPECT_TRUE(WrappedKeyOf("alice").empty());
  EXPECT_FALSE(FilesContain(alice_key));

  const auto alice = ExportOk(*store, "alice");
  ASSERT_EQ(alice.size(), 26u);  // 25 requests and the erasure record
  for (size_t i = 0; i < 25; ++i) {
    EXPECT_EQ(alice[i].content, ContentState::kErased);
    EXPECT_FALSE(alice[i].record.prompt.has_value());
    EXPECT_EQ(alice[i].record.request_id, MakeRecord(i < 20 ? int(i) : int(i) + 20, "alice").request_id);
  }
  EXPECT_EQ(alice.back().record.kind, EventKind::kErasure);
  EXPECT_EQ(alice.back().record.detail, "destroyed 1 data key(s)");

  const auto bob = ExportOk(*store, "bob");
  ASSERT_EQ(bob.size(), 20u);
  for (size_t i = 0; i < bob.size(); ++i) {
    const AuditRecord expected = MakeRecord(20 + int(i), "bob");
    EXPECT_EQ(bob[i].content, ContentState::kPresent);
    EXPECT_EQ(bob[i].record.prompt, expected.prompt);
    EXPECT_EQ(bob[i].record.response, expected.response);
  }
  const VerifyReport report = VerifyOk(*store);
  EXPECT_EQ(report.records, 48u);  // 45 requests, erasure, two exports

  QueryFilter exports;
  exports.kind = EventKind::kExport;
  auto logged = store->Query(exports);
  ASSERT_TRUE(logged) << logged.error().message;
  ASSERT_EQ(logged->size(), 2u);
  EXPECT_EQ((*logged)[0].record.subject, "alice");
  EXPECT_EQ((*logged)[1].record.detail, "exported 20 record(s)");
}

TEST_F(ErasureTest, ASubjectErasedAndSeenAgainGetsAFreshKey) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  AppendMany(*store, 0, 3, "alice");
  ASSERT_TRUE(store->Erase("alice"));
  AppendMany(*store, 3, 2, "alice");
  const auto alice = ExportOk(*store, "alice");
  ASSERT_EQ(alice.size(), 6u);
  EXPECT_EQ(alice[0].content, ContentState::kErased);
  EXPECT_EQ(alice[4].content, ContentState::kPresent);
  EXPECT_EQ(alice[4].record.prompt, MakeRecord(3, "alice").prompt);
  VerifyOk(*store);
}

TEST_F(ErasureTest, ContentMovedToAnotherRecordDoesNotDecrypt) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  AppendMany(*store, 0, 3, "alice");
  testing::RawSql(db_path_, "UPDATE records SET content = (SELECT content FROM records WHERE seq = 1), "
                            "content_digest = (SELECT content_digest FROM records WHERE seq = 1) WHERE seq = 2");
  EXPECT_FALSE(store->Export("alice"));
}

class PurgeTest : public StoreTest {
 protected:
  static int64_t TimeOf(int i) { return MakeRecord(i, "").time_ms; }
};

TEST_F(PurgeTest, OldContentAndRecordsGoAndTheRestStillVerifies) {
  auto store = OpenStore({.checkpoint_every = 10});
  ASSERT_TRUE(store);
  AppendMany(*store, 0, 55);  // record i has seq i + 1
  auto purged = store->Purge(TimeOf(30), TimeOf(25));
  ASSERT_TRUE(purged) << purged.error().message;
  EXPECT_EQ(purged->content_purged, 30);
  // Seq 26 is the first to keep; the last checkpoint before it is 20.
  EXPECT_EQ(purged->records_deleted, 20);
  EXPECT_EQ(purged->anchor_seq, 20u);

  const VerifyReport report = VerifyOk(*store);
  EXPECT_EQ(report.first_seq, 21u);
  EXPECT_EQ(report.records, 36u);  // 21..55 and the purge record

  const auto rows = ExportOk(*store, "alice");
  ASSERT_EQ(rows.size(), 35u);
  EXPECT_EQ(rows.front().seq, 21u);
  EXPECT_EQ(rows[9].content, ContentState::kPurged);   // seq 30, record 29
  EXPECT_EQ(rows[10].content, ContentState::kPresent);  // seq 31, record 30
  EXPECT_EQ(rows[10].record.prompt, MakeRecord(30, "alice").prompt);

  // The store reopens and appends after a purge.
  store.reset();
  store = OpenStore({.checkpoint_every = 10});
  ASSERT_TRUE(store);
  AppendMany(*store, 55, 5);
  VerifyOk(*store);
}

// After a purge, tampering with what is left is found as before.
const testing::SqlAttack kPostPurgeAttacks[] = {
    {"DeleteFirstRemaining", "DELETE FROM records WHERE seq = 11", 11, BreakReason::kDeleted},
    // Without the anchor the trail must start at 1, and records 1 to 10 are gone.
    {"RemoveAnchor", "DELETE FROM meta WHERE name = 'anchor'", 1, BreakReason::kDeleted},
    {"MoveAnchor", "UPDATE meta SET seq = 20 WHERE name = 'anchor'", 20, BreakReason::kForged},
};

class PostPurgeTest : public PurgeTest, public ::testing::WithParamInterface<testing::SqlAttack> {};

TEST_P(PostPurgeTest, IsFound) {
  auto store = OpenStore({.checkpoint_every = 10});
  ASSERT_TRUE(store);
  AppendMany(*store, 0, 30);
  ASSERT_TRUE(store->Purge(0, TimeOf(15)));
  testing::RawSql(db_path_, GetParam().sql);
  ExpectBroken(*store, GetParam().seq, GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(Purge, PostPurgeTest, ::testing::ValuesIn(kPostPurgeAttacks), testing::AttackName);

TEST_F(PurgeTest, ABrokenTrailIsNotPurged) {
  auto store = OpenStore({.checkpoint_every = 10});
  ASSERT_TRUE(store);
  AppendMany(*store, 0, 30);
  testing::RawSql(db_path_, "UPDATE records SET model = 'x' WHERE seq = 5");
  auto purged = store->Purge(TimeOf(20), TimeOf(20));
  ASSERT_FALSE(purged);
  EXPECT_NE(purged.error().message.find("record 5 edited"), std::string::npos) << purged.error().message;
}

}  // namespace
}  // namespace citadel::audit
