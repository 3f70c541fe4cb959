// Attacks on the database file without the key: each must be detected and located.

#include <gtest/gtest.h>

#include "audit/canonical.h"
#include "audit/schema.h"
#include "audit_fixture.h"

namespace citadel::audit {
namespace {

using testing::RawSql;
using testing::SqlAttack;
using testing::StoreTest;

class TamperTest : public StoreTest {
 protected:
  void SetUp() override {
    StoreTest::SetUp();
    store_ = OpenStore({.checkpoint_every = 50});
    ASSERT_TRUE(store_);
    AppendMany(*store_, 0, 200);
    ASSERT_TRUE(VerifyOk(*store_).intact());
  }

  void ExpectBroken(uint64_t seq, BreakReason reason) const { StoreTest::ExpectBroken(*store_, seq, reason); }

  std::unique_ptr<AuditStore> store_;
};

const SqlAttack kSqlAttacks[] = {
    {"EditedField", "UPDATE records SET tenant = 'acmf' WHERE seq = 77", 77, BreakReason::kEdited},
    {"EditedNumber", "UPDATE records SET completion_tokens = completion_tokens + 1 WHERE seq = 120", 120,
     BreakReason::kEdited},
    // Same meaning, other bytes: still not what was hashed.
    {"ReformattedPiiJson", "UPDATE records SET pii_findings = replace(pii_findings, ':', ': ') WHERE seq = 9", 9,
     BreakReason::kEdited},
    {"EditedDigest", "UPDATE records SET content_digest = randomblob(32), content = NULL WHERE seq = 12", 12,
     BreakReason::kEdited},
    {"DeletedRecord", "DELETE FROM records WHERE seq = 100", 100, BreakReason::kDeleted},
    {"DeletedAndRenumbered",
     "DELETE FROM records WHERE seq = 60; UPDATE records SET seq = -seq WHERE seq > 60;"
     "UPDATE records SET seq = -seq - 1 WHERE seq < 0",
     60, BreakReason::kDeleted},
    {"TruncatedTail", "DELETE FROM records WHERE seq > 190", 191, BreakReason::kDeleted},
    {"TruncatedTailAndHead", "DELETE FROM records WHERE seq > 190; DELETE FROM meta WHERE name = 'head'", 191,
     BreakReason::kDeleted},
    // Exchange whole rows: each lands at the other's seq.
    {"Swapped",
     "UPDATE records SET seq = -1 WHERE seq = 40; UPDATE records SET seq = 40 WHERE seq = 140;"
     "UPDATE records SET seq = 140 WHERE seq = -1",
     40, BreakReason::kReordered},
    {"SwappedNeighbours",
     "UPDATE records SET seq = -1 WHERE seq = 10; UPDATE records SET seq = 10 WHERE seq = 11;"
     "UPDATE records SET seq = 11 WHERE seq = -1",
     10, BreakReason::kReordered},
    {"ForgedCheckpoint", "UPDATE checkpoints SET mac = randomblob(32) WHERE seq = 100", 100, BreakReason::kForged},
    {"ForgedHead", "UPDATE meta SET mac = randomblob(32) WHERE name = 'head'", 200, BreakReason::kForged},
};

class SqlAttackTest : public TamperTest, public ::testing::WithParamInterface<SqlAttack> {};

TEST_P(SqlAttackTest, IsFoundAndLocated) {
  RawSql(db_path_, GetParam().sql);
  ExpectBroken(GetParam().seq, GetParam().reason);
}

INSTANTIATE_TEST_SUITE_P(Tamper, SqlAttackTest, ::testing::ValuesIn(kSqlAttacks), testing::AttackName);

TEST_F(TamperTest, OneFlippedCiphertextByteIsFound) {
  auto db = Database::Open(db_path_, Database::Mode::kReadWriteCreate);
  ASSERT_TRUE(db);
  auto select = db->Prepare("SELECT content FROM records WHERE seq = 31");
  ASSERT_TRUE(select && select->Step().value_or(false));
  Bytes content = select->Blob(0);
  ASSERT_GT(content.size(), 20u);
  content[20] ^= 1;  // past the 12-byte nonce, inside the ciphertext proper
  auto update = db->Prepare("UPDATE records SET content = ? WHERE seq = 31");
  ASSERT_TRUE(update);
  update->Bind(1, ByteSpan(content));
  ASSERT_TRUE(update->Run());
  ExpectBroken(31, BreakReason::kEdited);
}

// The attacker knows the format and recomputes the hash, but has no key for the MAC.
TEST_F(TamperTest, ForgedRecordWithRecomputedHashIsFound) {
  auto db = Database::Open(db_path_, Database::Mode::kReadWriteCreate);
  ASSERT_TRUE(db);
  auto last = db->Prepare("SELECT hash FROM records WHERE seq = 200");
  ASSERT_TRUE(last);
  ASSERT_TRUE(last->Step().value_or(false));
  RecordRow row;
  row.seq = 201;
  row.record = testing::MakeRecord(201, "mallory", false);
  row.prev_hash = last->DigestAt(0).value();
  row.hash = ChainHash(row.prev_hash, Canonical(row.record, row.content));
  row.mac = Sha256(AsBytes("no key, best guess"));
  auto insert = db->Prepare(InsertRecordSql());
  ASSERT_TRUE(insert);
  BindRecordRow(*insert, row);
  ASSERT_TRUE(insert->Run());
  ExpectBroken(201, BreakReason::kForged);
}

TEST_F(TamperTest, EditedRecordWithRecomputedHashIsFound) {
  auto db = Database::Open(db_path_, Database::Mode::kReadWriteCreate);
  ASSERT_TRUE(db);
  auto select = db->Prepare(fmt::format("SELECT {} FROM records WHERE seq = 150", RecordColumns()));
  ASSERT_TRUE(select);
  ASSERT_TRUE(select->Step().value_or(false));
  auto row = ReadRecordRow(*select);
  ASSERT_TRUE(row) << row.error().message;
  row->record.decision = Decision::kAllowed;
  row->record.http_status = 200;
  row->record.tenant = "someone-else";
  row->hash = ChainHash(row->prev_hash, Canonical(row->record, row->content));
  select = db->Prepare("DELETE FROM records WHERE seq = 150");
  ASSERT_TRUE(select && select->Run());
  auto insert = db->Prepare(InsertRecordSql());
  ASSERT_TRUE(insert);
  BindRecordRow(*insert, *row);
  ASSERT_TRUE(insert->Run());
  ExpectBroken(150, BreakReason::kForged);
}

TEST_F(TamperTest, WrongKeyIsAnErrorNotAVerdict) {
  auto db = Database::Open(db_path_, Database::Mode::kReadOnly);
  ASSERT_TRUE(db);
  auto report = VerifyTrail(*db, AuditKeys::Derive(testing::TestKey(1)));
  ASSERT_FALSE(report);
  EXPECT_NE(report.error().message.find("does not match"), std::string::npos);
}

}  // namespace
}  // namespace citadel::audit
