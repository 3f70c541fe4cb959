#include "guard/pii/normalize.h"

#include <gtest/gtest.h>

namespace citadel::guard::pii {
namespace {

TEST(NormalizedText, AsciiAndChineseStayUncopied) {
  const std::string text = "电话，138。";
  const NormalizedText n(text);
  EXPECT_EQ(n.text().data(), text.data());
  EXPECT_EQ(n.ToOriginal(3), 3u);
}

TEST(NormalizedText, FullWidthFormsFoldWithAnOffsetMap) {
  const std::string text = "号１３８－Ａ（x）＠　，";
  const NormalizedText n(text);
  EXPECT_EQ(n.text(), "号138-A(x)@ ，");
  EXPECT_EQ(n.ToOriginal(3), 3u);    // '1' starts at byte 3
  EXPECT_EQ(n.ToOriginal(4), 6u);    // '3'
  EXPECT_EQ(n.ToOriginal(9), 21u);   // "x" is ASCII in the original too
  EXPECT_EQ(n.ToOriginal(n.text().size()), text.size());
}

TEST(NormalizedText, TruncatedSequencesAreLeftAlone) {
  const std::string text = "1\xEF\xBC";
  const NormalizedText n(text);
  EXPECT_EQ(n.text(), text);
}

}  // namespace
}  // namespace citadel::guard::pii
