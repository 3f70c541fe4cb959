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
// short enough that idle threads go to sleep within well under a millisecond.
constexpr int kSpinIterations = 1 << 12;

constexpr int kChunkBits = 22;
constexpr uint64_t kChunkMask = (uint64_t{1} << kChunkBits) - 1;
constexpr uint64_t kGenerationMask = (uint64_t{1} << (64 - 2 * kChunkBits)) - 1;

uint64_t Pack(uint64_t generation, uint64_t chunks, uint64_t next) {
  return (generation << (2 * kChunkBits)) | (chunks << kChunkBits) | next;
}
uint64_t Generation(uint64_t state) { return state >> (2 * kChunkBits); }
uint64_t Chunks(uint64_t state) { return (state >> kChunkBits) & kChunkMask; }
uint64_t Next(uint64_t state) { return state & kChunkMask; }

}  // namespace

ThreadPool::ThreadPool(int threads) : threads_(threads) {
  CITADEL_CHECK_MSG(threads >= 1, "a thread pool needs at least the calling thread");
  workers_.reserve(static_cast<size_t>(threads - 1));
  for (int w = 1; w < threads; ++w) workers_.emplace_back([this, w] { WorkerLoop(w); });
}

ThreadPool::~ThreadPool() {
  stop_.store(true, std::memory_order_relaxed);
  wake_.fetch_add(1, std::memory_order_release);
  wake_.notify_all();
  for (auto& t : workers_) t.join();
}

void ThreadPool::RunChunks(ChunkFn fn, void* context, size_t chunks) {
  CITADEL_CHECK_MSG(chunks <= kChunkMask, "too many chunks in one parallel section");
  // No chunk of the previous section is outstanding (we waited for all), so nobody reads these.
  job_fn_ = fn;
  job_context_ = context;
  done_.store(0, std::memory_order_relaxed);
  const uint64_t generation = (Generation(state_.load(std::memory_order_relaxed)) + 1) & kGenerationMask;
  state_.store(Pack(generation, chunks, 0), std::memory_order_release);
  wake_.fetch_add(1, std::memory_order_release);
  wake_.notify_all();
  ClaimChunks(0);
  for (int spin = 0;; ++spin) {
    const uint32_t done = done_.load(std::memory_order_acquire);
    if (done == chunks) break;
    if (spin < kSpinIterations) {
      CITADEL_CPU_RELAX();
    } else {
      done_.wait(done, std::memory_order_acquire);
    }
  }
}

void ThreadPool::ClaimChunks(int thread) {
  uint64_t state = state_.load(std::memory_order_acquire);
  for (;;) {
    const uint64_t chunks = Chunks(state), next = Next(state);
    if (next >= chunks) return;
    // Claiming compares the whole word, generation included: a thread that loaded the state of a
    // finished section fails here instead of taking a chunk that no longer exists.
    if (!state_.compare_exchange_weak(state, state + 1, std::memory_order_acq_rel, std::memory_order_acquire)) {
      continue;
    }
    // The claimed chunk keeps the section open, so job_fn_/job_context_ are still its own.
    job_fn_(job_context_, next, thread);
    if (done_.fetch_add(1, std::memory_order_acq_rel) + 1 == chunks) done_.notify_one();
    state = state_.load(std::memory_order_acquire);
  }
}

void ThreadPool::WorkerLoop(int thread) {
  // The value at construction, not a fresh load: a thread that starts late must still see every
  // bump made since, the destructor's included.
  uint32_t seen = 0;
  for (;;) {
    uint32_t now = wake_.load(std::memory_order_acquire);
    for (int spin = 0; now == seen; ++spin) {
      if (spin < kSpinIterations) {
        CITADEL_CPU_RELAX();
      } else {
        wake_.wait(seen, std::memory_order_acquire);
      }
      now = wake_.load(std::memory_order_acquire);
    }
    seen = now;
    if (stop_.load(std::memory_order_relaxed)) return;
    ClaimChunks(thread);
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
