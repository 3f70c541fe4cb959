#pragma once
// The server's own counters and histograms, rendered with the engine's gauges as Prometheus text
// (exposition format 0.0.4) for GET /metrics.

#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "engine/engine.h"

namespace citadel::server {

class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double value);
  // The _bucket{le=...}, _sum and _count lines of `name`.
  void Render(std::string& out, std::string_view name) const;

 private:
  std::vector<double> bounds_;
  std::vector<uint64_t> counts_;  // per bucket, not cumulative; the last is +Inf
  double sum_ = 0;
  uint64_t count_ = 0;
};

class Metrics {
 public:
  Metrics();
  // endpoint: the route pattern ("/v1/models/{id}"), never the raw path, so labels stay bounded.
  void CountRequest(std::string_view endpoint, int status);
  void CountUsage(const engine::Usage& usage);
  void ObserveTimeToFirstToken(double seconds);
  void ObserveTimePerOutputToken(double seconds);
  void CountCancelledByClient();

  std::string Render(const engine::EngineStats& stats) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;  // guarded by mu_
  uint64_t prompt_tokens_ = 0, cached_prompt_tokens_ = 0, completion_tokens_ = 0, client_cancels_ = 0;  // mu_
  Histogram ttft_, tpot_;  // guarded by mu_
};

}  // namespace citadel::server
