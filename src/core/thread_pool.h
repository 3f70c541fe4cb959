#pragma once
// A fixed set of persistent workers for data-parallel kernels: Run(fn) calls fn(worker, workers) on
// every worker (the caller is worker 0) and returns when all have finished. Made for thousands of
// short parallel sections per second (one per matrix multiply in a forward pass): waking and joining
// spin briefly before sleeping, and nothing allocates after construction.
//
// One caller at a time: Run is not reentrant and must not be called concurrently (the engine thread
// owns the pool).

#include <atomic>
#include <cstdint>
#include <thread>
#include <type_traits>
#include <utility>
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

  // fn(int worker, int workers) runs once on each worker; Run returns after the last one returns.
  template <class Fn>
  void Run(Fn&& fn) {
    using F = std::remove_reference_t<Fn>;
    RunErased(+[](void* f, int worker, int workers) { (*static_cast<F*>(f))(worker, workers); },
              const_cast<void*>(static_cast<const void*>(&fn)));
  }

  // Physical cores of this machine (logical CPUs divided by SMT siblings), at least 1.
  static int DefaultThreadCount();

 private:
  using Task = void (*)(void*, int, int);
  void RunErased(Task task, void* arg);
  void WorkerLoop(int worker);

  const int threads_;
  std::vector<std::thread> workers_;
  // The published task; read by workers after they observe a new generation.
  Task task_ = nullptr;
  void* arg_ = nullptr;
  alignas(64) std::atomic<uint32_t> generation_{0};  // bumped to start a task; waited on by workers
  alignas(64) std::atomic<int> pending_{0};           // workers still running the current task
  std::atomic<bool> stop_{false};
};

// [begin, end) of `total` items for worker `worker` of `workers`, in chunks that are multiples of
// `align` (except the last), so that neighbouring workers never share a cache line of output.
inline std::pair<size_t, size_t> SplitRange(size_t total, int worker, int workers, size_t align = 1) {
  const size_t units = (total + align - 1) / align;
  const size_t per = units / static_cast<size_t>(workers), extra = units % static_cast<size_t>(workers);
  const auto w = static_cast<size_t>(worker);
  const size_t begin_unit = w * per + (w < extra ? w : extra);
  const size_t end_unit = begin_unit + per + (w < extra ? 1 : 0);
  const size_t begin = begin_unit * align, end = end_unit * align;
  return {begin < total ? begin : total, end < total ? end : total};
}

}  // namespace citadel
