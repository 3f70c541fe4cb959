#include "guard/quota/limiter.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace citadel::guard::quota {
namespace {

// 2026-11-25T12:00:00Z
constexpr double kNoon = 1795608000.0;

struct FakeClock {
  double now = kNoon;
  Limiter::Clock Fn() {
    return [this] { return now; };
  }
};

Scope KeyScope(Limits l) { return {"key:k", "API key k", l}; }

bool Admitted(const std::variant<Limiter::Ticket, Denial>& v) { return std::holds_alternative<Limiter::Ticket>(v); }

TEST(Limiter, RequestsPerMinuteRefillContinuously) {
  FakeClock clock;
  Limiter limiter(MemoryUsageStore(), clock.Fn());
  const Scope s[] = {KeyScope({.requests_per_minute = 3})};
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(Admitted(limiter.Admit(s, 1))) << i;
  auto refused = limiter.Admit(s, 1);
  ASSERT_FALSE(Admitted(refused));
  const Denial& d = std::get<Denial>(refused);
  EXPECT_EQ(d.status, 429);
  EXPECT_EQ(d.code, "rate_limit_exceeded");
  EXPECT_EQ(d.retry_after_seconds, 20);  // one request per 20 s
  clock.now += 20;
  EXPECT_TRUE(Admitted(limiter.Admit(s, 1)));
  EXPECT_FALSE(Admitted(limiter.Admit(s, 1)));
}

TEST(Limiter, TokensPerMinuteAreChargedAsGeneratedAndMayOverdrawOnce) {
  FakeClock clock;
  Limiter limiter(MemoryUsageStore(), clock.Fn());
  const Scope s[] = {KeyScope({.tokens_per_minute = 100})};
  int64_t spent = 0;
  while (true) {
    auto v = limiter.Admit(s, 10);
    if (!Admitted(v)) {
      EXPECT_EQ(std::get<Denial>(v).code, "rate_limit_exceeded");
      break;
    }
    spent += 10;
    auto& t = std::get<Limiter::Ticket>(v);
    for (int i = 0; i < 30; ++i) t.Charge(1);
    spent += 30;
  }
  EXPECT_GE(spent, 100);
  EXPECT_LE(spent, 100 + 40) << "no more than one request beyond the limit";
}

TEST(Limiter, ConcurrencyIsReleasedWhenTheTicketGoes) {
  Limiter limiter(MemoryUsageStore());
  const Scope s[] = {KeyScope({.concurrent = 2})};
  auto a = limiter.Admit(s, 0);
  auto b = limiter.Admit(s, 0);
  ASSERT_TRUE(Admitted(a) && Admitted(b));
  EXPECT_FALSE(Admitted(limiter.Admit(s, 0)));
  EXPECT_EQ(limiter.Usage(s)[0].in_flight, 2);
  a = Denial{};  // drops the first ticket
  EXPECT_TRUE(Admitted(limiter.Admit(s, 0)));
}

TEST(Limiter, AllScopesOrNone) {
  Limiter limiter(MemoryUsageStore());
  const Scope s[] = {KeyScope({.concurrent = 5}), {"tenant:t", "tenant 't'", {.concurrent = 1}}};
  auto first = limiter.Admit(s, 0);
  ASSERT_TRUE(Admitted(first));
  auto second = limiter.Admit(s, 0);
  ASSERT_FALSE(Admitted(second));
  EXPECT_NE(std::get<Denial>(second).message.find("tenant 't'"), std::string::npos);
  EXPECT_EQ(limiter.Usage(s)[0].in_flight, 1) << "a refused request holds no slot in any scope";
}

TEST(Limiter, DailyQuotaPersistsAndResetsAtMidnightUtc) {
  const auto path = std::filesystem::temp_directory_path() /
                    ("citadel-usage-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) + ".db");
  std::filesystem::remove(path);
  FakeClock clock;
  const Scope s[] = {KeyScope({.tokens_per_day = 50})};
  {
    auto store = OpenSqliteUsageStore(path.string());
    ASSERT_TRUE(store) << store.error().message;
    Limiter limiter(std::move(*store), clock.Fn());
    auto t = limiter.Admit(s, 20);
    ASSERT_TRUE(Admitted(t));
    std::get<Limiter::Ticket>(t).Charge(25);
  }
  {  // a restart
    auto store = OpenSqliteUsageStore(path.string());
    ASSERT_TRUE(store);
    Limiter limiter(std::move(*store), clock.Fn());
    EXPECT_EQ(limiter.Usage(s)[0].tokens_today, 45);
    EXPECT_EQ(limiter.Usage(s)[0].tokens_this_month, 45);
    {
      auto t = limiter.Admit(s, 10);
      ASSERT_TRUE(Admitted(t));
    }
    auto over = limiter.Admit(s, 1);
    ASSERT_FALSE(Admitted(over));
    EXPECT_EQ(std::get<Denial>(over).code, "insufficient_quota");
    EXPECT_EQ(std::get<Denial>(over).retry_after_seconds, 12 * 3600);
    clock.now += 12 * 3600;  // the next UTC day
    EXPECT_TRUE(Admitted(limiter.Admit(s, 1)));
    EXPECT_EQ(limiter.Usage(s)[0].tokens_this_month, 56);
  }
  std::filesystem::remove(path);
  std::filesystem::remove(path.string() + "-wal");
  std::filesystem::remove(path.string() + "-shm");
}

TEST(Limiter, MonthlyQuotaRetryAfterPointsAtTheNextMonth) {
  FakeClock clock;
  Limiter limiter(MemoryUsageStore(), clock.Fn());
  const Scope s[] = {KeyScope({.tokens_per_month = 5})};
  ASSERT_TRUE(Admitted(limiter.Admit(s, 5)));
  auto over = limiter.Admit(s, 1);
  ASSERT_FALSE(Admitted(over));
  EXPECT_EQ(std::get<Denial>(over).retry_after_seconds, 5 * 86400 + 12 * 3600);  // to 2026-12-01T00:00Z
}

}  // namespace
}  // namespace citadel::guard::quota
