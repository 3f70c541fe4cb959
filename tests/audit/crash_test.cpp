// A writer killed with SIGKILL mid-append: the trail must reopen intact and hold every record
// whose Append had returned. The child reports each acknowledged append through a pipe.

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <thread>

#include "audit_fixture.h"
#include "testing/random.h"

namespace citadel::audit {
namespace {

using testing::MakeRecord;
using testing::StoreTest;

struct Ack {
  uint64_t seq;
  int64_t id;  // the request id's number, to check the record at seq is the acknowledged one
};

[[noreturn]] void AppendUntilKilled(const std::string& path, int fd, int first_id) {
  auto store = AuditStore::Open(path, testing::TestKey(), {.checkpoint_every = 50});
  if (!store) _exit(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int64_t i = 0;; ++i) {
        const int64_t id = first_id + t * 1'000'000 + i;
        auto seq = (*store)->Append(MakeRecord(static_cast<int>(id), "crash"));
        if (!seq) _exit(4);
        const Ack ack{*seq, id};
        // Writes under PIPE_BUF are atomic, so acks from four threads never interleave.
        if (::write(fd, &ack, sizeof ack) != static_cast<ssize_t>(sizeof ack)) _exit(5);
      }
    });
  }
  for (auto& t : threads) t.join();
  _exit(6);
}

class CrashTest : public StoreTest {};

TEST_F(CrashTest, KilledWriterLeavesAnIntactTrailWithEveryAcknowledgedRecord) {
  CITADEL_SEEDED_RNG(rng);
  std::map<uint64_t, int64_t> acked;
  for (int round = 0; round < 3; ++round) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
      ::close(fds[0]);
      AppendUntilKilled(db_path_, fds[1], round * 10'000'000);
    }
    ::close(fds[1]);
    const size_t kill_after = std::uniform_int_distribution<size_t>(20, 300)(rng);
    auto read_ack = [&](Ack& ack) {
      size_t got = 0;
      while (got < sizeof ack) {
        const ssize_t n = ::read(fds[0], reinterpret_cast<char*>(&ack) + got, sizeof ack - got);
        if (n <= 0) return false;
        got += static_cast<size_t>(n);
      }
      return true;
    };
    Ack ack{};
    size_t count = 0;
    while (count < kill_after && read_ack(ack)) {
      acked[ack.seq] = ack.id;
      ++count;
    }
    ASSERT_EQ(count, kill_after) << "the writer stopped early";
    ASSERT_EQ(::kill(child, SIGKILL), 0);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status)) << "child exited with " << WEXITSTATUS(status);
    while (read_ack(ack)) acked[ack.seq] = ack.id;  // acks written before the kill
    ::close(fds[0]);

    auto store = OpenStore({.checkpoint_every = 50});
    ASSERT_TRUE(store);
    const VerifyReport report = VerifyOk(*store);
    ASSERT_GE(report.last_seq, acked.rbegin()->first);
    auto rows = store->Query({});
    ASSERT_TRUE(rows) << rows.error().message;
    std::map<uint64_t, std::string> stored;
    for (const StoredRecord& r : *rows) stored[r.seq] = r.record.request_id;
    for (const auto& [seq, id] : acked) {
      ASSERT_TRUE(stored.count(seq)) << "acknowledged seq " << seq << " is missing";
      EXPECT_EQ(stored[seq], fmt::format("req-{}", id)) << "at seq " << seq;
    }
  }
}

}  // namespace
}  // namespace citadel::audit
