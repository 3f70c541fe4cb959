// The outbox and the shipper against an in-memory sink: cursor persistence across restarts,
// back-off and catch-up when the sink is down, metrics, and metadata-only documents.

#include <nlohmann/json.hpp>

#include "audit/sinks/outbox.h"
#include "audit/sinks/sinks_fixture.h"

namespace citadel::audit::sinks::testing {
namespace {

std::vector<uint64_t> Range(uint64_t first, uint64_t last) {
  std::vector<uint64_t> out;
  for (uint64_t s = first; s <= last; ++s) out.push_back(s);
  return out;
}

using ShipperTest = SinkTest;

TEST_F(ShipperTest, ShipsEverythingInOrderAndReportsNoLag) {
  Append(1, 120);
  FakeSink sink;
  auto shipper = Shipper::Start(db_path_, One(sink), FastOptions(50));
  ASSERT_TRUE(shipper) << shipper.error().message;
  ASSERT_TRUE(WaitFor([&] { return StatsOf(**shipper).shipped_seq == 120; }));
  EXPECT_EQ(sink.seqs(), Range(1, 120));
  const SinkStats s = StatsOf(**shipper);
  EXPECT_EQ(s.sink, "fake");
  EXPECT_EQ(s.last_seq, 120u);
  EXPECT_EQ(s.lag_records, 0u);
  EXPECT_EQ(s.consecutive_failures, 0u);
  EXPECT_EQ(s.shipped_records_total, 120u);

  // New records are picked up by the poll (and sooner with Notify).
  Append(121, 5);
  (*shipper)->Notify();
  ASSERT_TRUE(WaitFor([&] { return StatsOf(**shipper).shipped_seq == 125; }));
  EXPECT_EQ(sink.seqs(), Range(1, 125));
}

TEST_F(ShipperTest, ResumesAfterTheLastAcknowledgedSeqWhenRestarted) {
  Append(1, 100);
  FakeSink first;
  auto shipped = Shipper::ShipPending(db_path_, first, 60);
  ASSERT_TRUE(shipped) << shipped.error().message;
  EXPECT_EQ(*shipped, 100u);
  Append(101, 100);
  {
    // Ship half of the rest, then destroy the shipper mid-way.
    FakeSink half("fake");
    auto shipper = Shipper::Start(db_path_, One(half), FastOptions(50));
    ASSERT_TRUE(shipper) << shipper.error().message;
    ASSERT_TRUE(WaitFor([&] { return StatsOf(**shipper).shipped_seq >= 150; }));
    (*shipper)->Stop();
    EXPECT_EQ(half.seqs().front(), 101u) << "the first shipper must resume after 100";
  }
  auto outbox = Outbox::Open(db_path_);
  ASSERT_TRUE(outbox) << outbox.error().message;
  const uint64_t cursor = outbox->ShippedSeq("fake").value();
  EXPECT_GE(cursor, 150u);

  FakeSink second("fake");
  auto shipper = Shipper::Start(db_path_, One(second), FastOptions(50));
  ASSERT_TRUE(shipper) << shipper.error().message;
  ASSERT_TRUE(WaitFor([&] { return StatsOf(**shipper).shipped_seq == 200; }));
  EXPECT_EQ(second.seqs(), Range(cursor + 1, 200));
  // Another sink name has its own cursor and starts from the beginning.
  FakeSink other("other");
  EXPECT_EQ(Shipper::ShipPending(db_path_, other).value(), 200u);
  EXPECT_EQ(other.seqs(), Range(1, 200));
}

TEST_F(ShipperTest, BacksOffWhileTheSinkIsDownAndCatchesUpWithoutLoss) {
  Append(1, 30);
  FakeSink sink;
  sink.SetFailing(true);
  auto shipper = Shipper::Start(db_path_, One(sink), FastOptions(50));
  ASSERT_TRUE(shipper) << shipper.error().message;
  ASSERT_TRUE(WaitFor([&] { return StatsOf(**shipper).consecutive_failures >= 3; }));
  SinkStats s = StatsOf(**shipper);
  EXPECT_EQ(s.shipped_seq, 0u);
  EXPECT_EQ(s.lag_records, 30u);
  EXPECT_EQ(s.last_error, "fake sink is down");
  // Back-off: 20, 40, 80, 160, 200, 200 ms... so about 10 attempts in 1.5 s, not 75 polls.
  std::this_thread::sleep_for(1500ms);
  EXPECT_LT(sink.calls(), 20);

  Append(31, 20);
  sink.SetFailing(false);
  ASSERT_TRUE(WaitFor([&] { return StatsOf(**shipper).shipped_seq == 50; }));
  s = StatsOf(**shipper);
  EXPECT_EQ(s.lag_records, 0u);
  EXPECT_EQ(s.consecutive_failures, 0u);
  EXPECT_GE(s.failures_total, 3u);
  EXPECT_EQ(sink.seqs(), Range(1, 50));
}

TEST_F(ShipperTest, SinksGetMetadataButNeverContent) {
  Append(1, 3);
  FakeSink sink;
  ASSERT_TRUE(Shipper::ShipPending(db_path_, sink));
  ASSERT_EQ(sink.documents().size(), 3u);
  for (const std::string& text : sink.documents()) {
    const auto doc = nlohmann::json::parse(text);
    EXPECT_FALSE(doc.contains("prompt"));
    EXPECT_FALSE(doc.contains("response"));
    EXPECT_EQ(doc["content"], "present");
    EXPECT_EQ(doc["subject"], "alice");
    EXPECT_EQ(text.find("prompt 1"), std::string::npos);
  }
  // Even a decrypted record (as Export returns) loses its content in the sink document.
  StoredRecord decrypted{7, audit::testing::MakeRecord(7, "bob"), ContentState::kPresent, {}};
  const auto doc = SinkDocument(decrypted);
  EXPECT_FALSE(doc.contains("prompt"));
  EXPECT_FALSE(doc.contains("response"));
}

TEST_F(ShipperTest, RefusesAMissingDatabaseAndDuplicateSinkNames) {
  FakeSink a("same"), b("same");
  std::vector<std::unique_ptr<Sink>> sinks;
  sinks.push_back(std::make_unique<SinkRef>(a));
  sinks.push_back(std::make_unique<SinkRef>(b));
  Append(1, 1);
  auto dup = Shipper::Start(db_path_, std::move(sinks));
  ASSERT_FALSE(dup);
  EXPECT_NE(dup.error().message.find("two sinks named 'same'"), std::string::npos);
  auto missing = Shipper::Start((dir_ / "nope.db").string(), One(a));
  ASSERT_FALSE(missing);
  EXPECT_NE(missing.error().message.find("no audit database"), std::string::npos);
}

TEST_F(ShipperTest, CursorTableIsAddedToAnExistingFile) {
  Append(1, 2);
  audit::testing::RawSql(db_path_, "DROP TABLE sink_cursors");  // as a file from before sinks
  FakeSink sink;
  ASSERT_TRUE(Shipper::ShipPending(db_path_, sink));
  EXPECT_EQ(sink.seqs(), Range(1, 2));
  auto store = OpenStore();  // the store still opens and verifies with the extra table
  ASSERT_TRUE(store);
  VerifyOk(*store);
}

}  // namespace
}  // namespace citadel::audit::sinks::testing
