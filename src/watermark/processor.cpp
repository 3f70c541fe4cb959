#include "watermark/processor.h"

#include <array>

#include "watermark/green_list.h"

namespace citadel::watermark {
namespace {

class WatermarkProcessor final : public engine::LogitsProcessor {
 public:
  WatermarkProcessor(const TenantKey& key, const WatermarkSettings& settings)
      : key_(key),
        scheme_(settings.scheme),
        width_(static_cast<size_t>(settings.context_width)),
        threshold_(GreenThreshold(settings.gamma)),
        delta_(static_cast<float>(settings.delta)) {}

  void Process(std::span<float> logits, const engine::SequenceView& context) override {
    // The window is the last h tokens of prompt + generated: the first generated token is seeded
    // by the end of the prompt. Detection never sees the prompt and skips the text's first h
    // tokens, so the two agree on every token they both score.
    const size_t have = context.prompt.size() + context.generated.size();
    if (have < width_) return;  // too short to seed a green list; detection skips these too
    std::array<int32_t, kMaxContextWidth> window{};
    for (size_t i = 0; i < width_; ++i) {
      const size_t pos = have - width_ + i;
      window[i] = pos < context.prompt.size() ? context.prompt[pos] : context.generated[pos - context.prompt.size()];
    }
    const uint64_t seed = ContextSeed(key_, scheme_, std::span<const int32_t>(window.data(), width_));
    AddGreenBias(logits, seed, threshold_, delta_);
  }

 private:
  const TenantKey key_;
  const Scheme scheme_;
  const size_t width_;
  const uint64_t threshold_;
  const float delta_;
};

}  // namespace

std::unique_ptr<engine::LogitsProcessor> MakeProcessor(const TenantKey& key, const WatermarkSettings& settings) {
  const Result<void> valid = settings.Validate();
  CITADEL_CHECK_MSG(valid.has_value(), "watermark settings must be validated before use");
  return std::make_unique<WatermarkProcessor>(key, settings);
}

}  // namespace citadel::watermark
