#pragma once
// A fixed set of persistent workers for data-parallel kernels. ParallelFor splits [0, total) into
// chunks that the caller and the workers claim as they go, and returns when every chunk is done —
// not when every worker has checked in: a worker the OS has descheduled (another process on its
// core, a container's CPU limit) simply claims nothing, instead of stalling each of the thousands
// of parallel sections a forward pass runs per second. Waking and waiting spin briefly before
// sleeping; nothing allocates after construction.
//
// One caller at a time: ParallelFor is not reentrant and must not be called concurrently (the
// engine thread owns the pool).

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <vector>

namespace citadel {

class ThreadPool {
 public:
  // `threads` >= 1 counts the calling thread; threads - 1 workers are started.
  explicit ThreadPool(int threads);
  ~ThreadPool();
  ThreadPool(const ThreadPool&) = delete;
  ThreadPool& operator=(const ThreadPool&) = delete;

  int size() const { return threads_; }

  // Calls fn(begin, end, thread) for consecutive chunks of `grain` items covering [0, total) (the
  // last may be shorter); `thread` in [0, size()) names the executing thread (0 is the caller), for
  // per-thread scratch. A single chunk runs on the caller without waking anyone.
  template <class Fn>
  void ParallelFor(size_t total, size_t grain, Fn&& fn) {
    if (total == 0) return;
    if (grain == 0) grain = 1;
    const size_t chunks = (total - 1) / grain + 1;
    if (chunks == 1 || threads_ == 1) {
      // Nobody to share with: run the chunks in order on the caller.
      for (size_t begin = 0; begin < total; begin += grain) fn(begin, begin + grain < total ? begin + grain : total, 0);
      return;
    }
    struct Context {
      Fn* fn;
      size_t total, grain;
    } context{&fn, total, grain};
    RunChunks(
        +[](void* c, size_t chunk, int thread) {
          auto* ctx = static_cast<Context*>(c);
          const size_t begin = chunk * ctx->grain;
          (*ctx->fn)(begin, begin + ctx->grain < ctx->total ? begin + ctx->grain : ctx->total, thread);
        },
        &context, chunks);
  }

  // Physical cores of this machine (logical CPUs divided by SMT siblings), at least 1.
  static int DefaultThreadCount();

 private:
  using ChunkFn = void (*)(void*, size_t, int);
  void RunChunks(ChunkFn fn, void* context, size_t chunks);
  void ClaimChunks(int thread);
  void WorkerLoop(int thread);

  const int threads_;
  std::vector<std::thread> workers_;
  // The current section. job_fn_/job_context_ are written only while no chunk is outstanding.
  ChunkFn job_fn_ = nullptr;
  void* job_context_ = nullptr;
  // [generation: 20 bits][chunks: 22 bits][next chunk: 22 bits], claimed by compare-and-swap so a
  // late worker can never claim a chunk of a finished section.
  alignas(64) std::atomic<uint64_t> state_{0};
  alignas(64) std::atomic<uint32_t> done_{0};  // chunks finished in the current section
  alignas(64) std::atomic<uint32_t> wake_{0};  // bumped per section; idle workers sleep on it
  std::atomic<bool> stop_{false};
};

}  // namespace citadel
