#include "engine/engine.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>
#include <unordered_map>

#include "core/thread_pool.h"
#include "engine/kv_manager.h"
#include "engine/scheduler.h"
#include "model/forward.h"
#include "model/kv_cache.h"
#include "model/model.h"
#include "tokenizer/streaming_decoder.h"
#include "tokenizer/tokenizer.h"

namespace citadel::engine {

std::string_view FinishName(Finish finish) {
  switch (finish) {
    case Finish::kStop: return "stop";
    case Finish::kLength: return "length";
    case Finish::kCancelled: return "cancelled";
    case Finish::kError: return "error";
    case Finish::kNone: break;
  }
  return "";
}

namespace {

constexpr int64_t kDefaultKvBytes = int64_t{1} << 30;
constexpr int kDefaultContext = 4096;  // for models that do not state their training context

// A request from Submit until its last event.
struct Active {
  Active(RequestId i, EventSink s, Sampler sam, StopChecker st, const tokenizer::Tokenizer& tok, const Request& r)
      : id(i), sink(std::move(s)), sampler(std::move(sam)), stop(std::move(st)), decoder(tok),
        prompt_tokens(static_cast<int>(r.prompt.size())), max_tokens(r.sampling.max_tokens), deadline(r.deadline),
        logprobs(r.sampling.logprobs) {}

  RequestId id;
  EventSink sink;
  Sampler sampler;
  StopChecker stop;
  tokenizer::StreamingDecoder decoder;
  int prompt_tokens;
  std::optional<int32_t> max_tokens;
  std::optional<Clock::time_point> deadline;
  bool logprobs;
  int generated = 0;
  SampledToken sampled;  // this step's draw
};

struct Submission {
  RequestId id;
  Request request;
  EventSink sink;
  Sampler sampler;
};

}  // namespace

struct Engine::State {
  const model::Model& model;
  const tokenizer::Tokenizer& tokenizer;
  EngineOptions options;
  int max_context = 0;
  int32_t vocab = 0;
  std::vector<int32_t> end_of_generation;

  ThreadPool pool;
  model::KvCache cache;
  KvManager kv;
  Scheduler scheduler;
  std::unique_ptr<model::Forward> forward;

  // Shared with other threads, under `mutex`.
  mutable std::mutex mutex;
  std::condition_variable wake;
  std::vector<Submission> inbox;
  std::vector<RequestId> cancels;
  bool cancel_all = false;
  bool accepting = true;
  bool quit = false;
  RequestId next_id = 1;
  std::mt19937_64 seeder{std::random_device{}()};
  EngineStats stats;

  // Engine thread only.
  std::unordered_map<RequestId, std::unique_ptr<Active>> active;
  std::vector<SamplerWorkspace> workspaces;
  std::vector<float> logits;
  std::vector<int32_t> tokens, positions, sequences;
  std::vector<uint8_t> want;
  std::vector<std::span<const int32_t>> tables;
  std::vector<Active*> sampling;
  // Events of the current iteration, delivered after the stats are published so that a caller who
  // sees a request finish also sees its effect on Stats(). A final event owns its sink (the
  // request is gone by then); the others borrow the live request's.
  struct Outgoing {
    const EventSink* borrowed = nullptr;
    EventSink owned;
    Event event;
  };
  std::vector<Outgoing> outbox;
  uint64_t prompt_computed = 0, prompt_cached = 0, generated = 0, steps = 0, finished = 0;
  bool healthy = true;

  std::thread thread;

  State(const model::Model& m, const tokenizer::Tokenizer& t, const EngineOptions& o, int threads, model::KvCache c,
        int context)
      : model(m), tokenizer(t), options(o), max_context(context), vocab(m.hparams().n_vocab),
        end_of_generation(EndOfGenerationTokens(t)), pool(threads), cache(std::move(c)),
        kv(cache.blocks(), cache.block_tokens(), o.model_id.empty() ? "citadel" : o.model_id),
        scheduler(kv, {o.max_batch_tokens, o.max_running}) {}

  void Loop();
  void Step();
  void TakeInbox(std::vector<Submission>& taken, std::vector<RequestId>& cancelled);
  void Finish(Active& a, Finish finish, Event event, std::string error = {});
  void Emit(Active& a, Event& event);
  void PublishStats();
  void Deliver();
};

namespace {

Result<int64_t> PoolTokens(const model::HParams& h, const EngineOptions& o) {
  const auto per_token = static_cast<int64_t>(model::KvCache::BytesPerToken(h, o.kv_type));
  if (o.kv_memory_bytes > 0) return o.kv_memory_bytes / per_token;
  if (o.kv_tokens > 0) return o.kv_tokens;
  const int64_t context = h.n_ctx > 0 ? h.n_ctx : kDefaultContext;
  return std::min(kDefaultKvBytes / per_token, context * o.max_running);
}

}  // namespace

Result<std::unique_ptr<Engine>> Engine::Create(const model::Model& model, const tokenizer::Tokenizer& tokenizer,
                                               const EngineOptions& o) {
  if (o.threads < 0) return Err("engine: threads must be >= 0, not {}", o.threads);
  if (o.block_tokens < 1 || o.block_tokens > 1024) return Err("engine: block_tokens {} is outside [1, 1024]", o.block_tokens);
  if (o.max_batch_tokens < 1) return Err("engine: max_batch_tokens must be >= 1, not {}", o.max_batch_tokens);
  if (o.max_running < 1) return Err("engine: max_running must be >= 1, not {}", o.max_running);
  if (o.kv_memory_bytes < 0 || o.kv_tokens < 0 || o.max_context < 0) {
    return Err("engine: kv_memory_bytes, kv_tokens and max_context must not be negative");
  }
  const model::HParams& h = model.hparams();
  CITADEL_ASSIGN_OR_RETURN(const int64_t pool_tokens, PoolTokens(h, o));
  const int64_t blocks = pool_tokens / o.block_tokens;
  if (blocks < 1) {
    return Err("engine: the KV pool holds {} tokens, less than one block of {} ({} bytes per token)", pool_tokens,
               o.block_tokens, model::KvCache::BytesPerToken(h, o.kv_type));
  }
  if (blocks > (int64_t{1} << 30)) return Err("engine: a KV pool of {} blocks is too large", blocks);
  const int64_t capacity = blocks * o.block_tokens;
  int64_t context = o.max_context > 0 ? o.max_context : (h.n_ctx > 0 ? h.n_ctx : capacity);
  context = std::min(context, capacity);
  CITADEL_ASSIGN_OR_RETURN(auto cache, model::KvCache::Create(h, static_cast<int>(blocks), o.block_tokens, o.kv_type));
  const int threads = o.threads > 0 ? o.threads : ThreadPool::DefaultThreadCount();
  auto state = std::make_unique<State>(model, tokenizer, o, threads, std::move(cache), static_cast<int>(context));
  CITADEL_ASSIGN_OR_RETURN(state->forward, model::Forward::Create(model, state->pool, o.max_batch_tokens,
                                                                  static_cast<int>(context)));
  state->workspaces.resize(static_cast<size_t>(state->pool.size()));
  const size_t logit_rows = static_cast<size_t>(std::min(o.max_running, o.max_batch_tokens));
  state->logits.resize(logit_rows * static_cast<size_t>(h.n_vocab));
  state->stats.kv_blocks_total = static_cast<int>(blocks);
  state->stats.block_tokens = o.block_tokens;
  state->stats.max_context = static_cast<int>(context);
  state->stats.threads = state->pool.size();
  State* raw = state.get();
  state->thread = std::thread([raw] { raw->Loop(); });
  return std::unique_ptr<Engine>(new Engine(std::move(state)));
}

Engine::Engine(std::unique_ptr<State> state) : state_(std::move(state)) {}

Engine::~Engine() {
  {
    std::lock_guard lock(state_->mutex);
    state_->quit = true;
  }
  state_->wake.notify_all();
  state_->thread.join();
}

Result<RequestId> Engine::Submit(Request request, EventSink sink) {
  State& s = *state_;
  const auto invalid = [](Error e) { return std::move(e).WithCode(kInvalidRequest); };
  if (request.prompt.empty()) return invalid(Err("the prompt is empty"));
  for (const int32_t t : request.prompt) {
    if (t < 0 || t >= s.vocab) return invalid(Err("prompt token {} is outside the vocabulary of {}", t, s.vocab));
  }
  const auto prompt = static_cast<int64_t>(request.prompt.size());
  if (prompt >= s.max_context) {
    return Err("the prompt has {} tokens; this model's context holds {} (prompt and output together)", prompt,
               s.max_context)
        .WithCode(kContextLengthExceeded);
  }
  if (request.sampling.max_tokens && prompt + *request.sampling.max_tokens > s.max_context) {
    return Err("{} prompt tokens + {} max_tokens exceed this model's context of {} tokens", prompt,
               *request.sampling.max_tokens, s.max_context)
        .WithCode(kContextLengthExceeded);
  }
  std::unique_lock lock(s.mutex);
  if (!s.accepting) return Err("the engine is shutting down").WithCode(kShuttingDown);
  if (static_cast<size_t>(s.stats.waiting) + s.inbox.size() >= s.options.max_waiting) {
    return Err("{} requests are waiting; try again later", s.options.max_waiting).WithCode(kQueueFull);
  }
  const uint64_t seed = s.seeder();
  auto sampler = Sampler::Create(request.sampling, s.vocab, seed, request.stream);
  if (!sampler) return invalid(std::move(sampler).error());
  for (auto& p : request.processors) sampler->AddProcessor(std::move(p));
  request.processors.clear();
  const RequestId id = s.next_id++;
  s.inbox.push_back({id, std::move(request), std::move(sink), std::move(*sampler)});
  lock.unlock();
  s.wake.notify_one();
  return id;
}

void Engine::Cancel(RequestId id) {
  {
    std::lock_guard lock(state_->mutex);
    state_->cancels.push_back(id);
  }
  state_->wake.notify_one();
}

void Engine::CancelAll() {
  {
    std::lock_guard lock(state_->mutex);
    state_->cancel_all = true;
  }
  state_->wake.notify_one();
}

void Engine::StopAccepting() {
  std::lock_guard lock(state_->mutex);
  state_->accepting = false;
}

EngineStats Engine::Stats() const {
  std::lock_guard lock(state_->mutex);
  EngineStats stats = state_->stats;
  stats.waiting += static_cast<int>(state_->inbox.size());
  return stats;
}

int Engine::max_context() const { return state_->max_context; }
const tokenizer::Tokenizer& Engine::tokenizer() const { return state_->tokenizer; }

void Engine::State::TakeInbox(std::vector<Submission>& taken, std::vector<RequestId>& cancelled) {
  std::unique_lock lock(mutex);
  wake.wait(lock, [&] { return quit || cancel_all || !inbox.empty() || !cancels.empty() || !active.empty(); });
  taken.swap(inbox);
  cancelled.swap(cancels);
  if (cancel_all) {
    cancel_all = false;
    for (const Submission& sub : taken) cancelled.push_back(sub.id);
    for (const auto& [id, a] : active) cancelled.push_back(id);
  }
  stats.waiting += static_cast<int>(taken.size());  // until PublishStats counts them exactly
}

void Engine::State::Loop() {
  std::vector<Submission> taken;
  std::vector<RequestId> cancelled;
  for (;;) {
    taken.clear();
    cancelled.clear();
    TakeInbox(taken, cancelled);
    for (Submission& sub : taken) {
      const std::span<const int32_t> eog =
          sub.request.ignore_end_of_generation ? std::span<const int32_t>() : std::span<const int32_t>(end_of_generation);
      StopChecker stop(sub.request.sampling.stop_token_ids, eog, sub.request.sampling.stop_strings);
      auto a = std::make_unique<Active>(sub.id, std::move(sub.sink), std::move(sub.sampler), std::move(stop),
                                        tokenizer, sub.request);
      scheduler.Add(sub.id, std::move(sub.request.prompt), sub.request.priority);
      active.emplace(sub.id, std::move(a));
    }
    const Clock::time_point now = Clock::now();
    for (const RequestId id : cancelled) {
      if (auto it = active.find(id); it != active.end()) Finish(*it->second, Finish::kCancelled, {});
    }
    std::vector<Active*> expired;
    for (auto& [id, a] : active) {
      if (a->deadline && *a->deadline <= now) expired.push_back(a.get());
    }
    for (Active* a : expired) Finish(*a, Finish::kCancelled, {});
    bool stopping;
    {
      std::lock_guard lock(mutex);
      stopping = quit;
    }
    if (stopping) {
      std::vector<Active*> all;
      for (auto& [id, a] : active) all.push_back(a.get());
      for (Active* a : all) Finish(*a, Finish::kCancelled, {});
      std::vector<Submission> late;
      {
        std::lock_guard lock(mutex);
        late.swap(inbox);
      }
      for (Submission& sub : late) {
        Event e;
        e.id = sub.id;
        e.finish = Finish::kCancelled;
        e.usage.prompt_tokens = static_cast<int>(sub.request.prompt.size());
        e.time = Clock::now();
        sub.sink(std::move(e));
      }
      PublishStats();
      Deliver();
      return;
    }
    if (!active.empty()) Step();
    PublishStats();
    Deliver();
  }
}

void Engine::State::Deliver() {
  for (Outgoing& out : outbox) (out.borrowed != nullptr ? *out.borrowed : out.owned)(std::move(out.event));
  outbox.clear();
}

void Engine::State::Step() {
  const StepPlan plan = scheduler.Plan();
  if (plan.entries.empty()) {
    // Nothing fits now (cannot happen while requests are bounded by the pool, see Submit); wait
    // briefly rather than spin, and let cancellations and deadlines in.
    std::unique_lock lock(mutex);
    wake.wait_for(lock, std::chrono::milliseconds(10));
    return;
  }
  tokens.clear();
  positions.clear();
  sequences.clear();
  want.clear();
  tables.clear();
  sampling.clear();
  for (const StepEntry& e : plan.entries) {
    const std::span<const int32_t> ids = scheduler.Tokens(e.id);
    const auto seq = static_cast<int32_t>(tables.size());
    tables.push_back(scheduler.BlockTable(e.id));
    for (int i = 0; i < e.count; ++i) {
      tokens.push_back(ids[static_cast<size_t>(e.first + i)]);
      positions.push_back(e.first + i);
      sequences.push_back(seq);
      want.push_back(e.wants_logits && i + 1 == e.count ? 1 : 0);
    }
    Active& a = *active.at(e.id);
    if (e.wants_logits) sampling.push_back(&a);
    if (e.first < a.prompt_tokens) prompt_computed += static_cast<uint64_t>(std::min(e.first + e.count, a.prompt_tokens) - e.first);
  }
  const size_t V = static_cast<size_t>(vocab);
  const std::span<float> rows = std::span(logits).first(sampling.size() * V);
  if (auto ok = forward->Run({tokens, positions, sequences, want, tables}, cache, rows); !ok) {
    // Inputs are validated at Submit, so this is a defect: fail every request and stop accepting
    // rather than serve from a cache in an unknown state.
    healthy = false;
    {
      std::lock_guard lock(mutex);
      accepting = false;
    }
    std::vector<Active*> all;
    for (auto& [id, a] : active) all.push_back(a.get());
    for (Active* a : all) Finish(*a, Finish::kError, {}, ok.error().message);
    return;
  }
  scheduler.Completed(plan);
  ++steps;

  // Sampling is per request and independent: spread it over the pool, one workspace per worker.
  pool.ParallelFor(sampling.size(), 1, [&](size_t begin, size_t end, int worker) {
    for (size_t i = begin; i < end; ++i) {
      Active& a = *sampling[i];
      const std::span<const int32_t> all = scheduler.Tokens(a.id);
      const SequenceView view{all.first(static_cast<size_t>(a.prompt_tokens)),
                              all.subspan(static_cast<size_t>(a.prompt_tokens))};
      a.sampled = a.sampler.Sample(rows.subspan(i * V, V), view, workspaces[static_cast<size_t>(worker)]);
    }
  });

  const Clock::time_point now = Clock::now();
  for (Active* a : sampling) {
    Event event;
    event.time = now;
    const int32_t token = a->sampled.token;
    if (a->stop.IsStopToken(token)) {
      Finish(*a, Finish::kStop, std::move(event));
      continue;
    }
    ++a->generated;
    ++generated;
    scheduler.Append(a->id, token);
    event.tokens.push_back(token);
    if (a->logprobs) event.logprobs.push_back(a->sampled);
    event.text = a->stop.Push(a->decoder.Push(token)).text;
    if (a->stop.stopped()) {
      Finish(*a, Finish::kStop, std::move(event));
    } else if ((a->max_tokens && a->generated >= *a->max_tokens) ||
               static_cast<int>(scheduler.Tokens(a->id).size()) >= max_context) {
      Finish(*a, Finish::kLength, std::move(event));
    } else {
      Emit(*a, event);
    }
  }
}

void Engine::State::Emit(Active& a, Event& event) {
  event.id = a.id;
  event.seed = a.sampler.seed();
  event.usage.prompt_tokens = a.prompt_tokens;
  event.usage.cached_prompt_tokens = scheduler.Contains(a.id) ? std::max(0, scheduler.CachedPromptTokens(a.id)) : 0;
  event.usage.completion_tokens = a.generated;
  if (event.finish == Finish::kNone) {
    outbox.push_back({&a.sink, nullptr, std::move(event)});
  } else {
    outbox.push_back({nullptr, std::move(a.sink), std::move(event)});
  }
}

void Engine::State::Finish(Active& a, engine::Finish finish, Event event, std::string error) {
  if (!a.stop.stopped()) event.text += a.stop.Push(a.decoder.Finish()).text;
  event.text += a.stop.Flush();
  event.finish = finish;
  event.error = std::move(error);
  if (event.time == Clock::time_point{}) event.time = Clock::now();
  Emit(a, event);
  if (const int cached = scheduler.Contains(a.id) ? scheduler.CachedPromptTokens(a.id) : -1; cached > 0) {
    prompt_cached += static_cast<uint64_t>(cached);
  }
  const RequestId id = a.id;
  scheduler.Remove(id);
  ++finished;
  active.erase(id);  // destroys `a`
}

void Engine::State::PublishStats() {
  const BlockPoolStats pool_stats = kv.pool().stats();
  std::lock_guard lock(mutex);
  stats.waiting = scheduler.waiting();
  stats.running = scheduler.running();
  stats.kv_blocks_used = pool_stats.used;
  stats.kv_blocks_cached = pool_stats.cached;
  stats.kv_tokens_stored = scheduler.StoredTokens();
  stats.prefix_lookups = pool_stats.lookups;
  stats.prefix_hits = pool_stats.hits;
  stats.prompt_tokens = prompt_computed;
  stats.cached_prompt_tokens = prompt_cached;
  stats.generated_tokens = generated;
  stats.steps = steps;
  stats.preemptions = scheduler.preemptions();
  stats.finished = finished;
  stats.healthy = healthy;
}

// EventQueue ---------------------------------------------------------------------------------

struct EventQueue::Shared {
  std::mutex mutex;
  std::condition_variable ready;
  std::vector<Event> events;
  size_t head = 0;
};

EventQueue::EventQueue() : shared_(std::make_shared<Shared>()) {}

EventSink EventQueue::Sink() {
  return [shared = shared_](Event&& event) {
    {
      std::lock_guard lock(shared->mutex);
      shared->events.push_back(std::move(event));
    }
    shared->ready.notify_all();
  };
}

std::optional<Event> EventQueue::Pop(std::chrono::milliseconds timeout) {
  std::unique_lock lock(shared_->mutex);
  if (!shared_->ready.wait_for(lock, timeout, [&] { return shared_->head < shared_->events.size(); })) {
    return std::nullopt;
  }
  Event event = std::move(shared_->events[shared_->head++]);
  if (shared_->head == shared_->events.size()) {
    shared_->events.clear();
    shared_->head = 0;
  }
  return event;
}

}  // namespace citadel::engine
