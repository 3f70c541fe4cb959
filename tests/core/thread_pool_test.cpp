#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

namespace citadel {
namespace {

TEST(ThreadPoolTest, ParallelForCoversEveryItemOnce) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.size(), threads);
    for (size_t total : {0ul, 1ul, 5ul, 1000ul}) {
      for (size_t grain : {1ul, 7ul, 64ul}) {
        std::vector<std::atomic<int>> seen(total);
        std::atomic<int> bad{0};
        pool.ParallelFor(total, grain, [&](size_t begin, size_t end, int thread) {
          if (thread < 0 || thread >= threads || end <= begin || end - begin > grain || end > total || begin % grain != 0) {
            bad.fetch_add(1);
          }
          for (size_t i = begin; i < end; ++i) seen[i].fetch_add(1);
        });
        EXPECT_EQ(bad.load(), 0);
        for (size_t i = 0; i < total; ++i) ASSERT_EQ(seen[i].load(), 1) << threads << " " << total << " " << grain << " " << i;
      }
    }
  }
}

TEST(ThreadPoolTest, ManySmallSectionsReturnOnlyWhenDone) {
  ThreadPool pool(3);
  std::vector<int> out(256, 0);
  for (int round = 1; round <= 3000; ++round) {
    pool.ParallelFor(out.size(), 16, [&](size_t begin, size_t end, int) {
      for (size_t i = begin; i < end; ++i) out[i] += 1;
    });
    if (round % 500 == 0) {
      for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], round) << "element " << i;
    }
  }
}

// A thread that is slow (here: sleeping in its chunk) delays only its own chunk; the other chunks
// are claimed by whoever is free, so the section still completes with every item done once.
TEST(ThreadPoolTest, SlowThreadsLeaveTheirShareToOthers) {
  ThreadPool pool(2);
  std::vector<std::atomic<int>> seen(64);
  std::atomic<int> by_caller{0};
  pool.ParallelFor(64, 1, [&](size_t begin, size_t, int thread) {
    if (thread != 0 && begin == 1) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (thread == 0) by_caller.fetch_add(1);
    seen[begin].fetch_add(1);
  });
  for (auto& s : seen) EXPECT_EQ(s.load(), 1);
  EXPECT_GT(by_caller.load(), 0);
}

TEST(ThreadPoolTest, WorkersThatFellAsleepWakeUp) {
  ThreadPool pool(3);
  std::atomic<int> sum{0};
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // long past the spin phase
    pool.ParallelFor(30, 1, [&](size_t begin, size_t, int) { sum.fetch_add(static_cast<int>(begin)); });
  }
  EXPECT_EQ(sum.load(), 3 * (29 * 30 / 2));
}

TEST(ThreadPoolTest, DefaultThreadCountIsPositive) { EXPECT_GE(ThreadPool::DefaultThreadCount(), 1); }

}  // namespace
}  // namespace citadel
