// Prometheus text: counters by label, cumulative histogram buckets, the engine's gauges.

#include "server/metrics.h"

#include <gtest/gtest.h>

namespace citadel::server {
namespace {

bool Has(const std::string& text, const std::string& line) { return text.find(line + "\n") != std::string::npos; }

TEST(Histogram, CumulativeBuckets) {
  Histogram h({0.1, 1});
  h.Observe(0.05);
  h.Observe(0.5);
  h.Observe(5);
  std::string out;
  h.Render(out, "x");
  EXPECT_TRUE(Has(out, "x_bucket{le=\"0.1\"} 1")) << out;
  EXPECT_TRUE(Has(out, "x_bucket{le=\"1\"} 2")) << out;
  EXPECT_TRUE(Has(out, "x_bucket{le=\"+Inf\"} 3")) << out;
  EXPECT_TRUE(Has(out, "x_sum 5.55")) << out;
  EXPECT_TRUE(Has(out, "x_count 3")) << out;
}

TEST(Metrics, RendersCountersAndEngineGauges) {
  Metrics m;
  m.CountRequest("/v1/chat/completions", 200);
  m.CountRequest("/v1/chat/completions", 200);
  m.CountRequest("/v1/chat/completions", 429);
  m.CountUsage({.prompt_tokens = 10, .cached_prompt_tokens = 4, .completion_tokens = 5});
  m.ObserveTimeToFirstToken(0.2);
  m.ObserveTimePerOutputToken(0.01);
  const engine::EngineStats stats{
      .waiting = 3, .running = 2, .kv_blocks_total = 64, .kv_blocks_used = 7, .prefix_lookups = 4, .prefix_hits = 1};
  const std::string text = m.Render(stats);
  EXPECT_TRUE(Has(text, "citadel_http_requests_total{endpoint=\"/v1/chat/completions\",status=\"200\"} 2")) << text;
  EXPECT_TRUE(Has(text, "citadel_http_requests_total{endpoint=\"/v1/chat/completions\",status=\"429\"} 1"));
  EXPECT_TRUE(Has(text, "citadel_prompt_tokens_total 10"));
  EXPECT_TRUE(Has(text, "citadel_completion_tokens_total 5"));
  EXPECT_TRUE(Has(text, "citadel_queue_depth 3"));
  EXPECT_TRUE(Has(text, "citadel_running_sequences 2"));
  EXPECT_TRUE(Has(text, "citadel_kv_blocks_used 7"));
  EXPECT_TRUE(Has(text, "citadel_kv_blocks_capacity 64"));
  EXPECT_TRUE(Has(text, "citadel_prefix_cache_hit_rate 0.25"));
  EXPECT_TRUE(Has(text, "citadel_time_to_first_token_seconds_count 1"));
  EXPECT_TRUE(Has(text, "# TYPE citadel_time_per_output_token_seconds histogram"));
}

}  // namespace
}  // namespace citadel::server
