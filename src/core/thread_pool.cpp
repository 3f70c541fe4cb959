#include "core/thread_pool.h"

#include <fstream>
#include <set>
#include <string>
#include <utility>

#include "core/check.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define CITADEL_CPU_RELAX() _mm_pause()
#elif defined(__aarch64__)
#define CITADEL_CPU_RELAX() asm volatile("yield")
#else
#define CITADEL_CPU_RELAX() ((void)0)
#endif

namespace citadel {
namespace {

// Long enough to catch the next parallel section of a forward pass (a few microseconds away),
// short enough that idle workers go to sleep within well under a millisecond.
constexpr int kSpinIterations = 1 << 12;

}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads) {
  CITADEL_CHECK_MSG(threads >= 1, "a thread pool needs at least the calling thread");
  workers_.reserve(static_cast<size_t>(threads - 1));
  for (int w = 1; w < threads; ++w) workers_.emplace_back([this, w] { WorkerLoop(w); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);
  generation_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::RunErased(Task task, void* arg) {
  const int workers = size();
  if (workers == 1) {
    task(arg, 0, 1);
    return;
  }
  task_ = task;
  arg_ = arg;
  pending_.store(workers - 1, std::memory_order_relaxed);
  generation_.fetch_add(1, std::memory_order_release);  // publishes task_/arg_ with it
  generation_.notify_all();
  task(arg, 0, workers);
  for (int spin = 0; pending_.load(std::memory_order_acquire) != 0; ++spin) {
    if (spin < kSpinIterations) {
      CITADEL_CPU_RELAX();
    } else {
      const int left = pending_.load(std::memory_order_acquire);
      if (left != 0) pending_.wait(left, std::memory_order_acquire);
    }
  }
}

void ThreadPool::WorkerLoop(int worker) {
  uint32_t seen = 0;
  const int workers = size();
  for (;;) {
    uint32_t now = generation_.load(std::memory_order_acquire);
    for (int spin = 0; now == seen; ++spin) {
      if (spin < kSpinIterations) {
        CITADEL_CPU_RELAX();
      } else {
        generation_.wait(seen, std::memory_order_acquire);
      }
      now = generation_.load(std::memory_order_acquire);
    }
    seen = now;
    if (stop_.load(std::memory_order_relaxed)) return;
    task_(arg_, worker, workers);
    if (pending_.fetch_sub(1, std::memory_order_acq_rel) == 1) pending_.notify_one();
  }
}

int ThreadPool::DefaultThreadCount() {
  // Count distinct (package, core) pairs; SMT siblings share a core's execution units, and
  // memory-bound decode gains nothing from them.
  std::set<std::pair<std::string, std::string>> cores;
  const unsigned logical = std::thread::hardware_concurrency();
  for (unsigned cpu = 0; cpu < logical; ++cpu) {
    const std::string base = "/sys/devices/system/cpu/cpu" + std::to_string(cpu) + "/topology/";
    std::ifstream package(base + "physical_package_id"), core(base + "core_id");
    std::string p, c;
    if (!(package >> p) || !(core >> c)) return logical > 0 ? static_cast<int>(logical) : 1;
    cores.emplace(p, c);
  }
  return cores.empty() ? 1 : static_cast<int>(cores.size());
}

}  // namespace citadel
