// Audit store throughput with durability on (WAL, synchronous=FULL): the latency one request pays
// for its audit record, how group commit scales with concurrent appenders, and verification speed.
// The database lives under the temp directory (TMPDIR), which must be a real disk for fsync to count.

#include <benchmark/benchmark.h>

#include <fmt/format.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <random>
#include <thread>
#include <vector>

#include "audit/store.h"

namespace {

using citadel::audit::AuditRecord;
using citadel::audit::AuditStore;

// A fresh store in its own directory, removed when the benchmark ends.
class BenchStore {
 public:
  BenchStore() {
    dir_ = std::filesystem::temp_directory_path() /
           fmt::format("citadel-audit-bench-{}-{}", ::getpid(), std::random_device{}());
    std::filesystem::create_directories(dir_);
    std::array<uint8_t, 32> key{};
    key.fill(42);
    auto store = AuditStore::Open((dir_ / "audit.db").string(), citadel::SecretKey(key));
    if (store) store_ = std::move(*store);
  }
  ~BenchStore() {
    store_.reset();
    std::filesystem::remove_all(dir_);
  }
  AuditStore* get() { return store_.get(); }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<AuditStore> store_;
};

AuditRecord Record(int64_t i, bool content) {
  AuditRecord r;
  r.request_id = fmt::format("req-{}", i);
  r.time_ms = 1'767'225'600'000 + i;
  r.tenant = "acme";
  r.subject = fmt::format("user-{}", i % 64);
  r.key_id = "key-1";
  r.client_ip = "10.1.2.3";
  r.endpoint = "/v1/chat/completions";
  r.model = "qwen3-8b";
  r.decision = citadel::audit::Decision::kAllowed;
  r.http_status = 200;
  r.prompt_tokens = 412;
  r.completion_tokens = 128;
  r.latency_ms = 930;
  r.pii_findings = {{"email", 1}};
  if (content) {
    r.prompt = std::string(1500, 'p');
    r.response = std::string(600, 'r');
  }
  return r;
}

// One appender: every record is its own durable commit.
void BM_AppendDurable(benchmark::State& state) {
  BenchStore store;
  if (!store.get()) return state.SkipWithError("cannot open the store");
  const bool content = state.range(0) != 0;
  int64_t i = 0;
  for (auto _ : state) {
    auto seq = store.get()->Append(Record(i++, content));
    if (!seq) return state.SkipWithError(seq.error().message.c_str());
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_AppendDurable)->ArgName("content")->Arg(0)->Arg(1)->Unit(benchmark::kMicrosecond)->UseRealTime();

// N appenders at once: group commit lets waiting appenders share one transaction and fsync.
void BM_AppendConcurrent(benchmark::State& state) {
  BenchStore store;
  if (!store.get()) return state.SkipWithError("cannot open the store");
  const int threads = static_cast<int>(state.range(0));
  constexpr int kPerThread = 50;
  std::atomic<int64_t> next{0};
  std::atomic<bool> failed{false};
  for (auto _ : state) {
    std::vector<std::jthread> workers;
    for (int t = 0; t < threads; ++t) {
      workers.emplace_back([&] {
        for (int k = 0; k < kPerThread; ++k) {
          if (!store.get()->Append(Record(next++, true))) failed = true;
        }
      });
    }
  }
  if (failed) return state.SkipWithError("an append failed");
  state.SetItemsProcessed(state.iterations() * threads * kPerThread);
}
BENCHMARK(BM_AppendConcurrent)->ArgName("threads")->Arg(1)->Arg(8)->Unit(benchmark::kMillisecond)->UseRealTime();

void BM_Verify(benchmark::State& state) {
  BenchStore store;
  if (!store.get()) return state.SkipWithError("cannot open the store");
  constexpr int kRecords = 5000, kThreads = 8;
  std::vector<std::jthread> fill;
  for (int t = 0; t < kThreads; ++t) {
    fill.emplace_back([&, t] {
      for (int i = t; i < kRecords; i += kThreads) (void)store.get()->Append(Record(i, true));
    });
  }
  fill.clear();
  for (auto _ : state) {
    auto report = store.get()->Verify();
    if (!report || !report->intact()) return state.SkipWithError("verify failed");
    benchmark::DoNotOptimize(report->records);
  }
  state.SetItemsProcessed(state.iterations() * kRecords);
}
BENCHMARK(BM_Verify)->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
