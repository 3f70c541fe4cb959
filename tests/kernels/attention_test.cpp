// AttentionGroup on every compiled Highway target against two scalar twins:
// - llama.cpp's recurrence (running maximum, F16 accumulator rounded after every step), computed
//   with double dot products and std::exp. The kernel differs from it only by float rounding of
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
#include "kernels/for_each_target.h"
#include "testing/random.h"

namespace citadel::kernels {
namespace {

using testing::ForEachTarget;

float RoundToHalf(float v) { return HalfToFloat(FloatToHalf(v)); }

struct Case {
  size_t group, head_dim, length;
  std::vector<float> q;                     // [group][head_dim]
  std::vector<std::vector<uint16_t>> k, v;  // [length][head_dim] binary16
  float scale;
};

Case RandomCase(std::mt19937_64& rng, size_t group, size_t head_dim, size_t length, float score_spread) {
  Case c{group, head_dim, length, ::citadel::testing::RandomFloats(rng, group * head_dim, score_spread), {}, {},
         1.0f / std::sqrt(static_cast<float>(head_dim))};
  for (float& x : c.q) x = RoundToHalf(x);
  for (size_t t = 0; t < length; ++t) {
    std::vector<uint16_t> k(head_dim), v(head_dim);
    for (size_t i = 0; i < head_dim; ++i) {
      k[i] = FloatToHalf(::citadel::testing::RandomFloats(rng, 1)[0]);
      v[i] = FloatToHalf(::citadel::testing::RandomFloats(rng, 1, 2.0f)[0]);
    }
    c.k.push_back(std::move(k));
    c.v.push_back(std::move(v));
  }
  return c;
}

double Score(const Case& c, size_t g, size_t t) {
  double dot = 0;
  for (size_t i = 0; i < c.head_dim; ++i) dot += double{c.q[g * c.head_dim + i]} * HalfToFloat(c.k[t][i]);
  return dot * c.scale;
}

std::vector<float> LlamaCppRecurrence(const Case& c) {
  std::vector<float> out(c.group * c.head_dim, 0.0f);
  for (size_t g = 0; g < c.group; ++g) {
    float* o = out.data() + g * c.head_dim;
    float max = -INFINITY, sum = 0.0f;
    for (size_t t = 0; t < c.length; ++t) {
      const auto s = static_cast<float>(Score(c, g, t));
      float ms = 1.0f, vs = 1.0f;
      if (s > max) {
        ms = std::exp(max - s);
        max = s;
        for (size_t i = 0; i < c.head_dim; ++i) o[i] = RoundToHalf(o[i] * ms);
      } else {
        vs = std::exp(s - max);
      }
      for (size_t i = 0; i < c.head_dim; ++i) o[i] = RoundToHalf(std::fma(HalfToFloat(c.v[t][i]), vs, o[i]));
      sum = sum * ms + vs;
    }
    for (size_t i = 0; i < c.head_dim; ++i) o[i] *= 1.0f / sum;
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
      for (size_t i = 0; i < c.head_dim; ++i) out[g * c.head_dim + i] += s[t] / sum * HalfToFloat(c.v[t][i]);
    }
  }
  return out;
}

std::vector<float> Run(const Case& c) {
  std::vector<const uint16_t*> k_rows, v_rows;
  for (size_t t = 0; t < c.length; ++t) {
    k_rows.push_back(c.k[t].data());
    v_rows.push_back(c.v[t].data());
  }
  std::vector<float> state(2 * c.group), out(c.group * c.head_dim, -1.0f);
  AttentionGroup(c.q, c.group, k_rows, v_rows, c.scale, state, out);
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
  Case c = RandomCase(rng, 2, 64, 40, 0.0f);
  for (size_t g = 0; g < c.group; ++g) c.q[g * c.head_dim] = 1.0f;
  for (size_t t = 0; t < c.length; ++t) c.k[t][0] = FloatToHalf(0.25f * static_cast<float>(t));
  ExpectMatchesTwins(c);
}

}  // namespace
}  // namespace citadel::kernels
