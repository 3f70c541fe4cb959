#pragma once
// The server's Prometheus metrics: request counts by endpoint and status, token counters, and
// latency histograms, rendered with the engine's gauges in the text exposition format (0.0.4).
// Thread-safe: connections record from any io thread.

#include <array>
#include <functional>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

#include "audit/sinks/shipper.h"
#include "engine/engine.h"

namespace citadel::server {

class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30};
  void Observe(double seconds);
  void Render(std::string& out, const std::string& name, const std::string& help) const;

 private:
  std::array<uint64_t, kBounds.size()> counts_{};
  uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  void CountRequest(const std::string& endpoint, int status);
  void CountTokens(int prompt, int completion);
  void ObserveTimeToFirstToken(double seconds);
  void ObserveTimePerOutputToken(double seconds);
  // PII findings by type in requests (values are never seen here).
  void CountPiiFindings(const std::map<std::string, int64_t>& by_type);
  void CountAuditFailure();

  // Where the audit sinks stand (lag, failures), sampled at render time; set once at start.
  void SetSinkStats(std::function<audit::sinks::ShipperStats()> source);

  // With the engine's gauges, sampled by the caller at render time.
  std::string Render(const engine::EngineStats& engine) const;

 private:
  mutable std::mutex mutex_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  uint64_t prompt_tokens_ = 0, completion_tokens_ = 0, audit_failures_ = 0;
  std::map<std::string, uint64_t> pii_findings_;
  Histogram ttft_, tpot_;
  std::function<audit::sinks::ShipperStats()> sink_stats_;
};

}  // namespace citadel::server
