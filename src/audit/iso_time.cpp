#include "audit/iso_time.h"

#include <fmt/format.h>

#include <charconv>
#include <chrono>

namespace citadel::audit {
namespace {

// Reads exactly `digits` decimal digits at `pos`.
bool ReadNumber(std::string_view text, size_t pos, size_t digits, int& out) {
  if (pos + digits > text.size()) return false;
  const char* begin = text.data() + pos;
  const auto [end, ec] = std::from_chars(begin, begin + digits, out);
  return ec == std::errc() && end == begin + digits;
}

bool Expect(std::string_view text, size_t pos, char c) { return pos < text.size() && text[pos] == c; }

}  // namespace

Result<int64_t> ParseIsoUtcMs(std::string_view text) {
  using namespace std::chrono;
  auto bad = [text] { return Err("'{}' is not an ISO 8601 UTC time like 2026-11-25T05:13:02Z", text); };
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, ms = 0;
  if (!ReadNumber(text, 0, 4, y) || !Expect(text, 4, '-') || !ReadNumber(text, 5, 2, mo) || !Expect(text, 7, '-') ||
      !ReadNumber(text, 8, 2, d)) {
    return bad();
  }
  size_t pos = 10;
  if (pos < text.size()) {
    if (!(Expect(text, pos, 'T') || Expect(text, pos, ' ')) || !ReadNumber(text, 11, 2, h) || !Expect(text, 13, ':') ||
        !ReadNumber(text, 14, 2, mi) || !Expect(text, 16, ':') || !ReadNumber(text, 17, 2, s)) {
      return bad();
    }
    pos = 19;
    if (Expect(text, pos, '.')) {
      if (!ReadNumber(text, 20, 3, ms)) return bad();
      pos = 23;
    }
    if (Expect(text, pos, 'Z')) ++pos;
  }
  if (pos != text.size()) return bad();
  const year_month_day date{year(y), month(static_cast<unsigned>(mo)), day(static_cast<unsigned>(d))};
  if (!date.ok() || h > 23 || mi > 59 || s > 59) return bad();
  const auto tp = sys_days(date) + hours(h) + minutes(mi) + seconds(s) + milliseconds(ms);
  return static_cast<int64_t>(duration_cast<milliseconds>(tp.time_since_epoch()).count());
}

std::string FormatIsoUtcMs(int64_t ms) {
  using namespace std::chrono;
  const sys_time<milliseconds> tp{milliseconds(ms)};
  const auto day_start = floor<days>(tp);
  const year_month_day date{day_start};
  const hh_mm_ss<milliseconds> time{tp - day_start};
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}.{:03}Z", static_cast<int>(date.year()),
                     static_cast<unsigned>(date.month()), static_cast<unsigned>(date.day()), time.hours().count(),
                     time.minutes().count(), time.seconds().count(), time.subseconds().count());
}

}  // namespace citadel::audit
