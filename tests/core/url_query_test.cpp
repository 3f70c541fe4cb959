#include "core/url_query.h"

#include <gtest/gtest.h>

namespace citadel {
namespace {

using Params = std::vector<std::pair<std::string, std::string>>;

TEST(UrlQuery, SplitsAndDecodesNamesAndValues) {
  EXPECT_EQ(QueryParameters("/a?x=1&y=two%20words&z"), (Params{{"x", "1"}, {"y", "two words"}, {"z", ""}}));
  EXPECT_EQ(QueryParameters("/a?api%5Fkey=k&b=c+d"), (Params{{"api_key", "k"}, {"b", "c d"}}));
  EXPECT_EQ(QueryParameters("/a?&&x=%ZZ&y=%4"), (Params{{"x", "%ZZ"}, {"y", "%4"}})) << "bad escapes stay as written";
  EXPECT_EQ(QueryParameters("/a?t=2026-11-25T10%3A00%3A00Z"), (Params{{"t", "2026-11-25T10:00:00Z"}}));
  EXPECT_TRUE(QueryParameters("/a").empty());
  EXPECT_TRUE(QueryParameters("/a?").empty());
}

TEST(UrlQuery, PercentDecodeAtTheEnd) {
  EXPECT_EQ(PercentDecode("%41"), "A");
  EXPECT_EQ(PercentDecode("a%4"), "a%4");
  EXPECT_EQ(PercentDecode("%"), "%");
}

}  // namespace
}  // namespace citadel
