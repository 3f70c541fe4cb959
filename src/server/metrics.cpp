#include "server/metrics.h"

#include <fmt/format.h>

#include <algorithm>

namespace citadel::server {
namespace {

void Header(std::string& out, std::string_view name, std::string_view type, std::string_view help) {
  out += fmt::format("# HELP {} {}\n# TYPE {} {}\n", name, help, name, type);
}

void Single(std::string& out, std::string_view name, std::string_view type, std::string_view help, double value) {
  Header(out, name, type, help);
  out += fmt::format("{} {}\n", name, value);
}

}  // namespace

Histogram::Histogram(std::vector<double> upper_bounds)
    : bounds_(std::move(upper_bounds)), counts_(bounds_.size() + 1, 0) {}

void Histogram::Observe(double value) {
  const size_t bucket = static_cast<size_t>(std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin());
  ++counts_[bucket];
  sum_ += value;
  ++count_;
}

void Histogram::Render(std::string& out, std::string_view name) const {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < bounds_.size(); ++i) {
    cumulative += counts_[i];
    out += fmt::format("{}_bucket{{le=\"{}\"}} {}\n", name, bounds_[i], cumulative);
  }
  out += fmt::format("{}_bucket{{le=\"+Inf\"}} {}\n{}_sum {}\n{}_count {}\n", name, count_, name, sum_, name, count_);
}

Metrics::Metrics()
    : ttft_({0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60}),
      tpot_({0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}) {}

void Metrics::CountRequest(std::string_view endpoint, int status) {
  std::lock_guard lock(mu_);
  ++requests_[{std::string(endpoint), status}];
}

void Metrics::CountUsage(const engine::Usage& usage) {
  std::lock_guard lock(mu_);
  prompt_tokens_ += static_cast<uint64_t>(usage.prompt_tokens);
  cached_prompt_tokens_ += static_cast<uint64_t>(usage.cached_prompt_tokens);
  completion_tokens_ += static_cast<uint64_t>(usage.completion_tokens);
}

void Metrics::ObserveTimeToFirstToken(double seconds) {
  std::lock_guard lock(mu_);
  ttft_.Observe(seconds);
}

void Metrics::ObserveTimePerOutputToken(double seconds) {
  std::lock_guard lock(mu_);
  tpot_.Observe(seconds);
}

void Metrics::CountCancelledByClient() {
  std::lock_guard lock(mu_);
  ++client_cancels_;
}

std::string Metrics::Render(const engine::EngineStats& s) const {
  std::lock_guard lock(mu_);
  std::string out;
  Header(out, "citadel_http_requests_total", "counter", "HTTP requests answered, by endpoint and status.");
  for (const auto& [key, count] : requests_) {
    out += fmt::format("citadel_http_requests_total{{endpoint=\"{}\",status=\"{}\"}} {}\n", key.first, key.second, count);
  }
  Single(out, "citadel_prompt_tokens_total", "counter", "Prompt tokens of finished requests.", static_cast<double>(prompt_tokens_));
  Single(out, "citadel_cached_prompt_tokens_total", "counter", "Of those, served by the prefix cache.",
         static_cast<double>(cached_prompt_tokens_));
  Single(out, "citadel_completion_tokens_total", "counter", "Generated tokens of finished requests.",
         static_cast<double>(completion_tokens_));
  Single(out, "citadel_client_disconnect_cancels_total", "counter", "Generations cancelled because the client left.",
         static_cast<double>(client_cancels_));
  Header(out, "citadel_time_to_first_token_seconds", "histogram", "From submission to the first generated token.");
  ttft_.Render(out, "citadel_time_to_first_token_seconds");
  Header(out, "citadel_time_per_output_token_seconds", "histogram", "Mean time between generated tokens, per request.");
  tpot_.Render(out, "citadel_time_per_output_token_seconds");
  Single(out, "citadel_queue_depth", "gauge", "Requests waiting for admission.", s.waiting);
  Single(out, "citadel_running_sequences", "gauge", "Sequences in the running batch.", s.running);
  Single(out, "citadel_kv_blocks_used", "gauge", "KV cache blocks in use.", s.kv_blocks_used);
  Single(out, "citadel_kv_blocks_capacity", "gauge", "KV cache blocks in the pool (used + free).", s.kv_blocks_total);
  Single(out, "citadel_kv_blocks_cached", "gauge", "KV cache blocks held by the prefix cache.", s.kv_blocks_cached);
  Single(out, "citadel_prefix_cache_lookups_total", "counter", "Full prompt blocks looked up in the prefix cache.",
         static_cast<double>(s.prefix_lookups));
  Single(out, "citadel_prefix_cache_hits_total", "counter", "Of those, found cached.", static_cast<double>(s.prefix_hits));
  Single(out, "citadel_prefix_cache_hit_rate", "gauge", "prefix_cache_hits / prefix_cache_lookups (0 before any).",
         s.prefix_lookups > 0 ? static_cast<double>(s.prefix_hits) / static_cast<double>(s.prefix_lookups) : 0.0);
  Single(out, "citadel_engine_preemptions_total", "counter", "Sequences preempted for KV space.",
         static_cast<double>(s.preemptions));
  Single(out, "citadel_engine_healthy", "gauge", "1 while the engine can serve, 0 after a failure.", s.healthy ? 1 : 0);
  return out;
}

}  // namespace citadel::server
