#pragma once
// The serving engine: requests in, token streams out. One engine thread runs the scheduler's steps
// (continuous batching over the paged KV cache, chunked prefill, preemption), the forward pass on
// the inference thread pool, and every request's sampler; it hands each request's events to that
// request's sink. Submit, Cancel and Stats may be called from any thread.
//
// Batching never changes a result: a request's tokens are the same whether it ran alone or among
// many others (for weight types whose kernels are batch invariant, see model/forward.h), because
// the forward pass computes each token's row independently and the sampler's draws depend only on
// (seed, step).

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "engine/logits_processor.h"
#include "engine/sampler.h"
#include "engine/sampling_params.h"
#include "engine/stop_checker.h"
#include "model/kv_cache.h"

namespace citadel::model {
class Model;
}
namespace citadel::tokenizer {
class Tokenizer;
}

namespace citadel::engine {

// Error::code values of Submit's rejections.
inline constexpr std::string_view kInvalidRequest = "invalid_request";            // bad tokens/params
inline constexpr std::string_view kContextLengthExceeded = "context_length_exceeded";  // can never fit
inline constexpr std::string_view kQueueFull = "queue_full";                      // try again later
inline constexpr std::string_view kShuttingDown = "shutting_down";                // engine stopped

struct EngineOptions {
  int threads = 0;                // inference threads; 0 = physical cores
  int64_t kv_memory_bytes = 0;    // KV pool size; 0 = kv_tokens, or a default of 1 GiB
  int kv_tokens = 0;              // KV pool size in tokens when kv_memory_bytes is 0
  int block_tokens = 16;          // tokens per KV block
  model::KvType kv_type = model::KvType::kF16;  // Q8_0 holds about twice the tokens in the same memory
  int max_batch_tokens = 512;     // tokens per step (decode tokens + prefill chunks)
  int max_running = 64;           // sequences in the running batch
  int max_context = 0;            // per request (prompt + output); 0 = the model's, capped by the pool
  size_t max_waiting = 1024;      // queued requests beyond which Submit answers kQueueFull
  std::string model_id;           // keys the prefix cache; default: the file's name and size
};

using RequestId = uint64_t;
using Clock = std::chrono::steady_clock;

struct Request {
  std::vector<int32_t> prompt;  // token ids, non-empty
  SamplingParams sampling;
  uint32_t stream = 0;          // choice index of an n > 1 request: separates equal seeds' draws
  int priority = 0;             // higher runs first and is preempted last; FCFS within a priority
  std::optional<Clock::time_point> deadline;  // past it the request finishes as cancelled
  bool ignore_end_of_generation = false;  // the model's EOS/EOT do not stop it (benchmarks)
  std::vector<std::unique_ptr<LogitsProcessor>> processors;  // after the built-in ones
};

struct Usage {
  int prompt_tokens = 0;
  int cached_prompt_tokens = 0;  // of the prompt, served by the prefix cache (first admission)
  int completion_tokens = 0;
};

enum class Finish { kNone, kStop, kLength, kCancelled, kError };
// "stop", "length", "cancelled", "error", or "" for kNone.
std::string_view FinishName(Finish finish);

// One step's news for one request. Events of a request arrive in order, on the engine thread; the
// last one has finish != kNone and carries the final usage.
struct Event {
  RequestId id = 0;
  std::string text;                  // complete UTF-8 released by this step (may be empty)
  std::vector<int32_t> tokens;       // ids generated this step (stop tokens excluded)
  std::vector<SampledToken> logprobs;  // one per token when the request asked for logprobs
  Finish finish = Finish::kNone;
  std::string error;                 // with kError
  Usage usage;
  uint64_t seed = 0;                 // the seed the sampler used (reported so output can be reproduced)
  Clock::time_point time;            // when the step's tokens were sampled
};

// Called on the engine thread: must return quickly and must not call back into the engine's
// Submit/Cancel synchronously with a lock the caller of those holds.
using EventSink = std::function<void(Event&&)>;

struct EngineStats {
  int waiting = 0;
  int running = 0;
  int kv_blocks_total = 0;
  int kv_blocks_used = 0;
  int kv_blocks_cached = 0;
  int block_tokens = 0;
  int64_t kv_tokens_stored = 0;        // tokens held by running sequences
  uint64_t prefix_lookups = 0;         // full prompt blocks looked up
  uint64_t prefix_hits = 0;            // of those, found cached
  uint64_t prompt_tokens = 0;          // computed (cache hits excluded)
  uint64_t cached_prompt_tokens = 0;   // served from the prefix cache
  uint64_t generated_tokens = 0;
  uint64_t steps = 0;
  uint64_t preemptions = 0;
  uint64_t finished = 0;
  int max_context = 0;
  int threads = 0;                     // of the inference pool
  bool healthy = true;                 // false after a forward-pass failure stopped the engine
};

class Engine {
 public:
  // Sizes the KV pool and the forward pass and starts the engine thread. The model and tokenizer
  // must outlive the engine. Errors: options out of range, a pool too small for one block.
  static Result<std::unique_ptr<Engine>> Create(const model::Model& model, const tokenizer::Tokenizer& tokenizer,
                                                const EngineOptions& options);
  // Cancels whatever is still queued or running (their sinks get kCancelled) and joins the thread.
  ~Engine();

  // Queues a request; its events go to `sink`. Rejections (Error::code): kInvalidRequest (empty
  // prompt, token outside the vocabulary, sampling params out of range), kContextLengthExceeded
  // (prompt + max_tokens over max_context, with both numbers in the message), kQueueFull,
  // kShuttingDown. A rejected request never reaches the sink.
  Result<RequestId> Submit(Request request, EventSink sink);

  // Finishes the request as kCancelled at the next step and frees its KV blocks. Unknown or
  // finished ids are ignored.
  void Cancel(RequestId id);

  // New submissions are refused with kShuttingDown; queued and running requests go on.
  void StopAccepting();
  // Finishes every queued and running request as kCancelled at the next step (a shutdown past its
  // drain deadline).
  void CancelAll();

  EngineStats Stats() const;
  int max_context() const;
  const tokenizer::Tokenizer& tokenizer() const;

 private:
  struct State;
  explicit Engine(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

// A sink that queues events for a thread that waits on them (the CLI and tests).
class EventQueue {
 public:
  EventQueue();
  EventSink Sink();
  // The next event, or nullopt when `timeout` passes first.
  std::optional<Event> Pop(std::chrono::milliseconds timeout);

 private:
  struct Shared;
  std::shared_ptr<Shared> shared_;
};

}  // namespace citadel::engine
