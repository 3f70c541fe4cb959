#include "core/thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <numeric>
#include <thread>
#include <vector>

namespace citadel {
namespace {

TEST(ThreadPoolTest, EveryWorkerRunsOncePerRun) {
  for (int threads : {1, 2, 3, 8}) {
    ThreadPool pool(threads);
    ASSERT_EQ(pool.size(), threads);
    std::vector<std::atomic<int>> calls(static_cast<size_t>(threads));
    std::atomic<int> bad_count{0};
    constexpr int kRuns = 2000;
    for (int run = 0; run < kRuns; ++run) {
      pool.Run([&](int worker, int workers) {
        if (workers != threads || worker < 0 || worker >= workers) bad_count.fetch_add(1);
        calls[static_cast<size_t>(worker)].fetch_add(1);
      });
    }
    EXPECT_EQ(bad_count.load(), 0);
    for (int w = 0; w < threads; ++w) EXPECT_EQ(calls[static_cast<size_t>(w)].load(), kRuns) << "worker " << w;
  }
}

TEST(ThreadPoolTest, RunReturnsOnlyAfterAllWorkFinished) {
  ThreadPool pool(4);
  std::vector<int> out(1000, 0);
  for (int round = 1; round <= 50; ++round) {
    pool.Run([&](int worker, int workers) {
      auto [begin, end] = SplitRange(out.size(), worker, workers);
      if (worker == workers - 1) std::this_thread::sleep_for(std::chrono::microseconds(200));
      for (size_t i = begin; i < end; ++i) out[i] += 1;
    });
    // Any element not yet written would show a lagging worker.
    for (size_t i = 0; i < out.size(); ++i) ASSERT_EQ(out[i], round) << "element " << i;
  }
}

TEST(ThreadPoolTest, WorkersThatFellAsleepWakeUp) {
  ThreadPool pool(3);
  std::atomic<int> sum{0};
  for (int i = 0; i < 3; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // long past the spin phase
    pool.Run([&](int worker, int) { sum.fetch_add(worker + 1); });
  }
  EXPECT_EQ(sum.load(), 3 * (1 + 2 + 3));
}

TEST(ThreadPoolTest, SplitRangeCoversEverythingOnceInAlignedChunks) {
  for (size_t total : {0ul, 1ul, 7ul, 64ul, 1000ul, 4097ul}) {
    for (int workers : {1, 2, 3, 16}) {
      for (size_t align : {1ul, 16ul}) {
        size_t next = 0;
        for (int w = 0; w < workers; ++w) {
          auto [begin, end] = SplitRange(total, w, workers, align);
          ASSERT_EQ(begin, next) << total << " " << workers << " " << align;
          ASSERT_LE(begin, end);
          if (end < total) {
            ASSERT_EQ(end % align, 0u);
          }
          next = end;
        }
        EXPECT_EQ(next, total);
      }
    }
  }
}

TEST(ThreadPoolTest, DefaultThreadCountIsPositive) { EXPECT_GE(ThreadPool::DefaultThreadCount(), 1); }

}  // namespace
}  // namespace citadel
