#include "server/metrics.h"

#include <fmt/format.h>

namespace citadel::server {

void Histogram::Observe(double seconds) {
  for (size_t i = 0; i < kBounds.size(); ++i) {
    if (seconds <= kBounds[i]) ++counts_[i];
  }
  ++count_;
  sum_ += seconds;
}

void Histogram::Render(std::string& out, const std::string& name, const std::string& help) const {
  out += fmt::format("# HELP {} {}\n# TYPE {} histogram\n", name, help, name);
  for (size_t i = 0; i < kBounds.size(); ++i) {
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, kBounds[i], counts_[i]);
  }
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, count_, name, sum_, name, count_);
}

void Metrics::CountRequest(const std::string& endpoint, int status) {
  std::lock_guard lock(mutex_);
  ++requests_[{endpoint, status}];
}

void Metrics::CountTokens(int prompt, int completion) {
  std::lock_guard lock(mutex_);
  prompt_tokens_ += static_cast<uint64_t>(prompt);
  completion_tokens_ += static_cast<uint64_t>(completion);
}

void Metrics::CountPiiFindings(const std::map<std::string, int64_t>& by_type) {
  std::lock_guard lock(mutex_);
  for (const auto& [type, count] : by_type) pii_findings_[type] += static_cast<uint64_t>(count);
}

void Metrics::SetSinkStats(std::function<audit::sinks::ShipperStats()> source) {
  std::lock_guard lock(mutex_);
  sink_stats_ = std::move(source);
}

void Metrics::CountAuditFailure() {
  std::lock_guard lock(mutex_);
  ++audit_failures_;
}

void Metrics::ObserveTimeToFirstToken(double seconds) {
  std::lock_guard lock(mutex_);
  ttft_.Observe(seconds);
}

void Metrics::ObserveTimePerOutputToken(double seconds) {
  std::lock_guard lock(mutex_);
  tpot_.Observe(seconds);
}

std::string Metrics::Render(const engine::EngineStats& e) const {
  std::lock_guard lock(mutex_);
  std::string out;
  out += "# HELP citadel_requests_total HTTP requests by endpoint and status.\n# TYPE citadel_requests_total counter\n";
  for (const auto& [key, count] : requests_) {
    out += fmt::format("citadel_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, count);
  }
  const auto counter = [&](const char* name, const char* help, uint64_t value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} counter\n{} {}\n", name, help, name, name, value);
  };
  const auto gauge = [&](const char* name, const char* help, double value) {
    out += fmt::format("# HELP {} {}\n# TYPE {} gauge\n{} {}\n", name, help, name, name, value);
  };
  counter("citadel_prompt_tokens_total", "Prompt tokens of finished requests.", prompt_tokens_);
  counter("citadel_completion_tokens_total", "Generated tokens of finished requests.", completion_tokens_);
  counter("citadel_audit_write_failures_total", "Audit records that could not be made durable.", audit_failures_);
  out += "# HELP citadel_pii_findings_total PII found in requests, by type.\n# TYPE citadel_pii_findings_total counter\n";
  for (const auto& [type, count] : pii_findings_) {
    out += fmt::format("citadel_pii_findings_total{{type=\"{}\"}} {}\n", type, count);
  }
  if (sink_stats_) {
    const audit::sinks::ShipperStats stats = sink_stats_();
    const auto family = [&](const char* name, const char* type, const char* help, auto value) {
      out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
      for (const auto& sink : stats.sinks) {
        out += fmt::format("{}{{sink=\"{}\"}} {}\n", name, sink.sink, value(sink));
      }
    };
    family("citadel_audit_sink_lag_records", "gauge", "Audit records not yet acknowledged by the sink.",
           [](const auto& s) { return s.lag_records; });
    family("citadel_audit_sink_shipped_total", "counter", "Audit records the sink acknowledged.",
           [](const auto& s) { return s.shipped_records_total; });
    family("citadel_audit_sink_failures_total", "counter", "Failed deliveries to the sink.",
           [](const auto& s) { return s.failures_total; });
  }
  ttft_.Render(out, "citadel_time_to_first_token_seconds", "Time from request to first generated token.");
  tpot_.Render(out, "citadel_time_per_output_token_seconds", "Mean time between generated tokens, per request.");
  gauge("citadel_queue_depth", "Requests waiting for the engine.", e.waiting);
  gauge("citadel_running_sequences", "Sequences in the running batch.", e.running);
  gauge("citadel_kv_blocks_used", "KV cache blocks held by running sequences.", e.kv_blocks_used);
  gauge("citadel_kv_blocks_capacity", "KV cache blocks in the pool.", e.kv_blocks_total);
  gauge("citadel_prefix_cache_hit_rate", "Share of looked-up prompt blocks found in the prefix cache.",
        e.prefix_lookups == 0 ? 0.0 : static_cast<double>(e.prefix_hits) / static_cast<double>(e.prefix_lookups));
  counter("citadel_preemptions_total", "Sequences preempted for lack of KV blocks.", e.preemptions);
  return out;
}

}  // namespace citadel::server
