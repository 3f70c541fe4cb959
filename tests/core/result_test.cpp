// Result<T>, Result<void> and the early-return macros: the error path must carry the message
// through unchanged, and the value path must move rather than copy.

#include "core/result.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

namespace citadel {
namespace {

Result<int> ParsePositive(int x) {
  if (x <= 0) return Err("{} is not positive", x);
  return x;
}

Result<int> DoubledPositive(int x) {
  CITADEL_ASSIGN_OR_RETURN(const int v, ParsePositive(x));
  return 2 * v;
}

Result<void> CheckEven(int x) {
  if (x % 2 != 0) return Err("{} is odd", x);
  return Ok();
}

Result<int> HalfOfEven(int x) {
  CITADEL_RETURN_IF_ERROR(CheckEven(x));
  return x / 2;
}

Result<void> BothEven(int a, int b) {
  CITADEL_RETURN_IF_ERROR(CheckEven(a));
  CITADEL_RETURN_IF_ERROR(CheckEven(b));
  return Ok();
}

TEST(ResultTest, HoldsValue) {
  Result<int> r = 7;
  ASSERT_TRUE(r.has_value());
  EXPECT_TRUE(static_cast<bool>(r));
  EXPECT_EQ(*r, 7);
  EXPECT_EQ(r.value(), 7);
  EXPECT_EQ(r.value_or(3), 7);
}

TEST(ResultTest, HoldsError) {
  Result<int> r = Err("bad {} at {}", "thing", 12);
  ASSERT_FALSE(r.has_value());
  EXPECT_FALSE(static_cast<bool>(r));
  EXPECT_EQ(r.error().message, "bad thing at 12");
  EXPECT_EQ(r.value_or(3), 3);
}

TEST(ResultTest, ErrorWrapPrependsContext) {
  const Error e = Error{"truncated"}.Wrap("tensor 'x'").Wrap("file 'a.gguf'");
  EXPECT_EQ(e.message, "file 'a.gguf': tensor 'x': truncated");
}

TEST(ResultTest, ConvertingConstructor) {
  // A const char* builds a std::string value, not an Error.
  Result<std::string> r = "hello";
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(*r, "hello");
  EXPECT_EQ(r->size(), 5u);
}

TEST(ResultTest, MoveOnlyValue) {
  Result<std::unique_ptr<int>> r = std::make_unique<int>(5);
  ASSERT_TRUE(r.has_value());
  std::unique_ptr<int> p = std::move(r).value();
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(*p, 5);
}

TEST(ResultTest, ErrorCanBeMovedOut) {
  Result<std::vector<int>> r = Err("nope");
  Error e = std::move(r).error();
  EXPECT_EQ(e.message, "nope");
}

TEST(ResultTest, VoidOkAndError) {
  Result<void> ok = Ok();
  EXPECT_TRUE(ok.has_value());
  ok.value();  // does not abort
  Result<void> bad = Err("broken {}", 1);
  ASSERT_FALSE(bad.has_value());
  EXPECT_FALSE(static_cast<bool>(bad));
  EXPECT_EQ(bad.error().message, "broken 1");
  EXPECT_EQ(std::move(bad).error().message, "broken 1");
}

TEST(ResultTest, AssignOrReturnPassesValue) {
  auto r = DoubledPositive(21);
  ASSERT_TRUE(r.has_value()) << r.error().message;
  EXPECT_EQ(*r, 42);
}

TEST(ResultTest, AssignOrReturnPropagatesError) {
  auto r = DoubledPositive(-3);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "-3 is not positive");
}

TEST(ResultTest, AssignOrReturnTwiceInOneFunction) {
  // Two uses in one scope need distinct temporaries (__LINE__-based names).
  auto sum = [](int a, int b) -> Result<int> {
    CITADEL_ASSIGN_OR_RETURN(const int x, ParsePositive(a));
    CITADEL_ASSIGN_OR_RETURN(const int y, ParsePositive(b));
    return x + y;
  };
  EXPECT_EQ(*sum(1, 2), 3);
  EXPECT_EQ(sum(1, 0).error().message, "0 is not positive");
  EXPECT_EQ(sum(-1, 0).error().message, "-1 is not positive");
}

TEST(ResultTest, AssignOrReturnIntoExistingVariable) {
  auto f = [](int a) -> Result<int> {
    int x = 0;
    CITADEL_ASSIGN_OR_RETURN(x, ParsePositive(a));
    return x + 1;
  };
  EXPECT_EQ(*f(4), 5);
  EXPECT_FALSE(f(0).has_value());
}

TEST(ResultTest, ReturnIfErrorFromVoidIntoValue) {
  EXPECT_EQ(*HalfOfEven(10), 5);
  auto r = HalfOfEven(7);
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().message, "7 is odd");
}

TEST(ResultTest, ReturnIfErrorStopsAtFirstError) {
  EXPECT_TRUE(BothEven(2, 4).has_value());
  EXPECT_EQ(BothEven(3, 5).error().message, "3 is odd");
  EXPECT_EQ(BothEven(2, 5).error().message, "5 is odd");
}

TEST(ResultTest, ReturnIfErrorAcceptsValueResults) {
  auto f = [](int a) -> Result<void> {
    CITADEL_RETURN_IF_ERROR(ParsePositive(a));
    return Ok();
  };
  EXPECT_TRUE(f(1).has_value());
  EXPECT_EQ(f(0).error().message, "0 is not positive");
}

TEST(ResultDeathTest, ValueOfErrorAbortsWithMessage) {
  Result<int> r = Err("the reason");
  EXPECT_DEATH((void)r.value(), "the reason");
  Result<void> v = Err("void reason");
  EXPECT_DEATH(v.value(), "void reason");
}

TEST(ResultDeathTest, ErrorOfValueAborts) {
  Result<int> r = 1;
  EXPECT_DEATH((void)r.error(), "check failed");
}

}  // namespace
}  // namespace citadel
