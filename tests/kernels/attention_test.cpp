// AttentionGroup on every compiled Highway target, for F16 and Q8_0 rows, against two scalar twins
// fed the rows' decoded values:
// - llama.cpp's recurrence (running maximum, F16 accumulator rounded after every step), computed
//   with double dot products and std::exp (reference::AttentionHead, which the reference forward
//   pass uses too). The kernel differs from it only by float rounding of
//   the scores and the vector exponential (1 ulp), each of which can flip an F16 rounding of the
//   accumulator by one F16 ulp (2^-11 relative); a few such flips are allowed, a wrong lane,
//   position or head is far outside.
// - the exact softmax in double, loosely: the F16 accumulator drifts by up to ~2^-11 per step.

#include "kernels/attention.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "core/float16.h"
#include "kernels/attention_reference.h"
#include "kernels/for_each_target.h"
#include "quant/quant.h"
#include "testing/random.h"

namespace citadel::kernels {
namespace {

using testing::ForEachTarget;

float RoundToHalf(float v) { return HalfToFloat(FloatToHalf(v)); }

struct Case {
  size_t group, head_dim, length;
  KvRowFormat format;
  std::vector<float> q;                       // [group][head_dim]
  std::vector<std::vector<std::byte>> k, v;   // [length] rows as stored
  std::vector<std::vector<float>> kf, vf;     // [length][head_dim] their decoded values
  float scale;
};

// One cache row of `values` in `format`, and what it decodes to.
std::pair<std::vector<std::byte>, std::vector<float>> Encode(KvRowFormat format, const std::vector<float>& values) {
  const auto type = format == KvRowFormat::kF16 ? gguf::TensorType::kF16 : gguf::TensorType::kQ8_0;
  std::vector<std::byte> row(gguf::Info(type).block_bytes * values.size() / gguf::Info(type).block_elements);
  std::vector<float> decoded(values.size());
  EXPECT_TRUE(quant::Quantize(type, values, row).has_value());
  EXPECT_TRUE(quant::Dequantize(type, row, decoded).has_value());
  return {std::move(row), std::move(decoded)};
}

Case RandomCase(std::mt19937_64& rng, size_t group, size_t head_dim, size_t length, float score_spread,
                KvRowFormat format = KvRowFormat::kF16) {
  Case c{group, head_dim, length, format, ::citadel::testing::RandomFloats(rng, group * head_dim, score_spread),
         {}, {}, {}, {}, 1.0f / std::sqrt(static_cast<float>(head_dim))};
  for (float& x : c.q) x = RoundToHalf(x);
  for (size_t t = 0; t < length; ++t) {
    auto [k, kf] = Encode(format, ::citadel::testing::RandomFloats(rng, head_dim));
    auto [v, vf] = Encode(format, ::citadel::testing::RandomFloats(rng, head_dim, 2.0f));
    c.k.push_back(std::move(k));
    c.kf.push_back(std::move(kf));
    c.v.push_back(std::move(v));
    c.vf.push_back(std::move(vf));
  }
  return c;
}

// Changes K value i of position t (and its decoded twin), for cases built by hand.
void SetK(Case& c, size_t t, size_t i, float value) {
  std::vector<float> row = c.kf[t];
  row[i] = value;
  std::tie(c.k[t], c.kf[t]) = Encode(c.format, row);
}

double Score(const Case& c, size_t g, size_t t) {
  double dot = 0;
  for (size_t i = 0; i < c.head_dim; ++i) dot += double{c.q[g * c.head_dim + i]} * c.kf[t][i];
  return dot * c.scale;
}

std::vector<float> LlamaCppRecurrence(const Case& c) {
  std::vector<float> out(c.group * c.head_dim);
  std::vector<const float*> k_rows, v_rows;
  for (size_t t = 0; t < c.length; ++t) {
    k_rows.push_back(c.kf[t].data());
    v_rows.push_back(c.vf[t].data());
  }
  for (size_t g = 0; g < c.group; ++g) {
    reference::AttentionHead(std::span(c.q).subspan(g * c.head_dim, c.head_dim), k_rows, v_rows, c.scale,
                             std::span(out).subspan(g * c.head_dim, c.head_dim));
  }
  return out;
}

std::vector<double> ExactSoftmax(const Case& c) {
  std::vector<double> out(c.group * c.head_dim, 0.0);
  for (size_t g = 0; g < c.group; ++g) {
    std::vector<double> s(c.length);
    for (size_t t = 0; t < c.length; ++t) s[t] = Score(c, g, t);
    const double max = *std::max_element(s.begin(), s.end());
    double sum = 0;
    for (double& x : s) sum += (x = std::exp(x - max));
    for (size_t t = 0; t < c.length; ++t) {
      for (size_t i = 0; i < c.head_dim; ++i) out[g * c.head_dim + i] += s[t] / sum * c.vf[t][i];
    }
  }
  return out;
}

std::vector<float> Run(const Case& c) {
  std::vector<const std::byte*> k_rows, v_rows;
  for (size_t t = 0; t < c.length; ++t) {
    k_rows.push_back(c.k[t].data());
    v_rows.push_back(c.v[t].data());
  }
  std::vector<float> state(2 * c.group), out(c.group * c.head_dim, -1.0f);
  AttentionGroup(c.q, c.group, c.format, k_rows, v_rows, c.scale, state, out);
  return out;
}

void ExpectMatchesTwins(const Case& c) {
  const std::vector<float> twin = LlamaCppRecurrence(c);
  const std::vector<double> exact = ExactSoftmax(c);
  ForEachTarget([&] {
    const std::vector<float> got = Run(c);
    for (size_t i = 0; i < got.size(); ++i) {
      // |v| <= 2 (times a few for the normal draw's tail); one F16 ulp of the accumulator is 2^-11
      // relative, and its rounding drifts by at most that per position.
      ASSERT_NEAR(got[i], twin[i], 8.0 / 2048) << "exact " << exact[i] << " head " << i / c.head_dim << " dim " << i % c.head_dim;
      ASSERT_NEAR(got[i], exact[i], 0.02 + 4.0 * static_cast<double>(c.length) / 2048)
          << "head " << i / c.head_dim << " dim " << i % c.head_dim;
    }
  });
}

TEST(AttentionTest, MatchesTheScalarTwinsAcrossBlockEdgesGroupsAndHeadSizes) {
  CITADEL_SEEDED_RNG(rng);
  for (const size_t length : {1, 2, 15, 16, 17, 33, 130}) {
    for (const auto& [group, head_dim] : {std::pair<size_t, size_t>{1, 64}, {7, 64}, {4, 128}, {3, 40}, {2, 20}}) {
      SCOPED_TRACE(::testing::Message() << "length " << length << " group " << group << " head_dim " << head_dim);
      ExpectMatchesTwins(RandomCase(rng, group, head_dim, length, 1.0f));
    }
  }
}

TEST(AttentionTest, PeakedScoresRescaleTheAccumulator) {
  // Large query norms make the maximum jump often and weights underflow: the rescale path and
  // exponentials of very negative arguments.
  CITADEL_SEEDED_RNG(rng);
  for (const size_t length : {5, 64, 200}) {
    SCOPED_TRACE(length);
    ExpectMatchesTwins(RandomCase(rng, 7, 64, length, 12.0f));
  }
}

TEST(AttentionTest, RisingScoresRescaleAtEveryPosition) {
  CITADEL_SEEDED_RNG(rng);
  for (const KvRowFormat format : {KvRowFormat::kF16, KvRowFormat::kQ8_0}) {
    Case c = RandomCase(rng, 2, 64, 40, 0.0f, format);
    for (size_t g = 0; g < c.group; ++g) c.q[g * c.head_dim] = 1.0f;
    for (size_t t = 0; t < c.length; ++t) SetK(c, t, 0, 0.25f * static_cast<float>(t));
    ExpectMatchesTwins(c);
  }
}

TEST(AttentionTest, Q8_0RowsAreDecodedAsQuantized) {
  CITADEL_SEEDED_RNG(rng);
  for (const size_t length : {1, 16, 17, 130}) {
    for (const auto& [group, head_dim] : {std::pair<size_t, size_t>{7, 64}, {4, 128}, {1, 32}}) {
      SCOPED_TRACE(::testing::Message() << "length " << length << " group " << group << " head_dim " << head_dim);
      ExpectMatchesTwins(RandomCase(rng, group, head_dim, length, 1.0f, KvRowFormat::kQ8_0));
    }
  }
}

}  // namespace
}  // namespace citadel::kernels
