// The chain as the appender builds it: long trails, reopening, concurrent appenders.

#include <gtest/gtest.h>

#include <set>
#include <thread>

#include "audit_fixture.h"

namespace citadel::audit {
namespace {

using testing::MakeRecord;
using testing::StoreTest;

class ChainTest : public StoreTest {};

TEST_F(ChainTest, ThousandRecordsVerifyAndReopeningResumesTheChain) {
  {
    auto store = OpenStore({.checkpoint_every = 100});
    ASSERT_TRUE(store);
    AppendMany(*store, 0, 1000);
    const VerifyReport report = VerifyOk(*store);
    EXPECT_EQ(report.records, 1000u);
    EXPECT_EQ(report.first_seq, 1u);
    EXPECT_EQ(report.last_seq, 1000u);
    EXPECT_EQ(report.checkpoints, 10u);
  }
  auto store = OpenStore({.checkpoint_every = 100});
  ASSERT_TRUE(store);
  EXPECT_EQ(store->last_seq(), 1000u);
  auto seq = store->Append(MakeRecord(1000, "bob"));
  ASSERT_TRUE(seq) << seq.error().message;
  EXPECT_EQ(*seq, 1001u);
  AppendMany(*store, 1001, 49, "bob");
  const VerifyReport report = VerifyOk(*store);
  EXPECT_EQ(report.records, 1050u);
  EXPECT_EQ(report.checkpoints, 10u);
}

TEST_F(ChainTest, SeqsAreConsecutiveFromOne) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  for (uint64_t expected = 1; expected <= 5; ++expected) {
    auto seq = store->Append(MakeRecord(static_cast<int>(expected), "alice", expected % 2 == 0));
    ASSERT_TRUE(seq) << seq.error().message;
    EXPECT_EQ(*seq, expected);
  }
  EXPECT_EQ(VerifyOk(*store).records, 5u);
}

TEST_F(ChainTest, OpeningWithAnotherKeyIsRefused) {
  { ASSERT_TRUE(OpenStore()); }
  auto other = AuditStore::Open(db_path_, testing::TestKey(99));
  ASSERT_FALSE(other);
  EXPECT_NE(other.error().message.find("does not match"), std::string::npos) << other.error().message;
}

TEST_F(ChainTest, EightConcurrentAppendersShareOneIntactChain) {
  auto store = OpenStore({.checkpoint_every = 64});
  ASSERT_TRUE(store);
  constexpr int kThreads = 8, kPerThread = 200;
  std::vector<std::vector<uint64_t>> seqs(kThreads);
  std::vector<std::string> errors(kThreads);
  testing::RunConcurrently(kThreads, kPerThread, [&](int t, int i) {
    auto seq = store->Append(MakeRecord(t * kPerThread + i, fmt::format("subject-{}", t)));
    if (seq) {
      seqs[t].push_back(*seq);
    } else {
      errors[t] = seq.error().message;
    }
  });
  std::set<uint64_t> all;
  for (int t = 0; t < kThreads; ++t) {
    EXPECT_EQ(errors[t], "");
    // A thread's own appends complete in order.
    EXPECT_TRUE(std::is_sorted(seqs[t].begin(), seqs[t].end()));
    all.insert(seqs[t].begin(), seqs[t].end());
  }
  EXPECT_EQ(all.size(), static_cast<size_t>(kThreads * kPerThread));
  EXPECT_EQ(*all.begin(), 1u);
  EXPECT_EQ(*all.rbegin(), static_cast<uint64_t>(kThreads * kPerThread));
  const VerifyReport report = VerifyOk(*store);
  EXPECT_EQ(report.records, static_cast<uint64_t>(kThreads * kPerThread));
  // Each record landed at the seq its Append returned.
  QueryFilter filter;
  filter.subject = "subject-3";
  auto rows = store->Query(filter);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), static_cast<size_t>(kPerThread));
  for (size_t i = 0; i < rows->size(); ++i) EXPECT_EQ((*rows)[i].seq, seqs[3][i]);
}

TEST_F(ChainTest, AppendFailsClosedWhenTheDatabaseIsReadOnly) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  AppendMany(*store, 0, 3);
  // Another connection holds the write lock past the busy timeout would take too long; a trigger
  // that rejects inserts makes the write fail deterministically instead.
  testing::RawSql(db_path_, "CREATE TRIGGER no_insert BEFORE INSERT ON records BEGIN SELECT RAISE(ABORT, 'disk says no'); END");
  auto seq = store->Append(MakeRecord(3, "alice"));
  ASSERT_FALSE(seq);
  EXPECT_NE(seq.error().message.find("disk says no"), std::string::npos) << seq.error().message;
  testing::RawSql(db_path_, "DROP TRIGGER no_insert");
  // Nothing of the failed record remains, and the chain continues at the same seq.
  auto next = store->Append(MakeRecord(4, "carol"));
  ASSERT_TRUE(next) << next.error().message;
  EXPECT_EQ(*next, 4u);
  EXPECT_EQ(VerifyOk(*store).records, 4u);
}


// The server's store and `citadel audit erase` in another process write to one file.
TEST_F(ChainTest, TwoWritersOnOneFileKeepOneChain) {
  auto server = OpenStore();
  auto admin = OpenStore();
  ASSERT_TRUE(server && admin);
  AppendMany(*server, 0, 5, "alice");
  auto erased = admin->Erase("alice");
  ASSERT_TRUE(erased) << erased.error().message;
  EXPECT_EQ(*erased, 6u);
  auto seq = server->Append(MakeRecord(5, "alice"));
  ASSERT_TRUE(seq) << seq.error().message;
  EXPECT_EQ(*seq, 7u);
  EXPECT_EQ(VerifyOk(*server).records, 7u);
  // New content is sealed under a fresh key, not the erased one.
  const auto alice = ExportOk(*admin, "alice");
  ASSERT_EQ(alice.size(), 7u);
  EXPECT_EQ(alice[4].content, ContentState::kErased);
  EXPECT_EQ(alice[6].content, ContentState::kPresent);
  EXPECT_EQ(alice[6].record.prompt, MakeRecord(5, "alice").prompt);
}


// Records the database rejects fail alone, even when group commit put them in a shared transaction.
TEST_F(ChainTest, ARejectedRecordDoesNotFailItsBatch) {
  auto store = OpenStore();
  ASSERT_TRUE(store);
  testing::RawSql(db_path_,
                  "CREATE TRIGGER poison BEFORE INSERT ON records WHEN NEW.tenant = 'poison' "
                  "BEGIN SELECT RAISE(ABORT, 'poisoned'); END");
  constexpr int kThreads = 8, kPerThread = 100;
  std::atomic<int> good_failed{0}, poison_succeeded{0}, poison_failed{0};
  testing::RunConcurrently(kThreads, kPerThread, [&](int t, int i) {
    AuditRecord r = MakeRecord(t * kPerThread + i, "alice");
    const bool poison = (t + i) % 5 == 0;
    if (poison) r.tenant = "poison";
    const bool ok = store->Append(r).has_value();
    if (poison) {
      ++(ok ? poison_succeeded : poison_failed);
    } else if (!ok) {
      ++good_failed;
    }
  });
  EXPECT_EQ(good_failed, 0);
  EXPECT_EQ(poison_succeeded, 0);
  EXPECT_EQ(poison_failed, kThreads * kPerThread / 5);
  EXPECT_EQ(VerifyOk(*store).records, static_cast<uint64_t>(kThreads * kPerThread * 4 / 5));
}

}  // namespace
}  // namespace citadel::audit
