// Global functions: range, namespace, dict, raise_exception, strftime_now.
#include <array>
#include <cmath>

#include "jinja/evaluator.h"

namespace citadel::jinja {
namespace {

constexpr std::array<const char*, 12> kMonths = {"January", "February", "March", "April", "May", "June", "July",
                                                 "August", "September", "October", "November", "December"};
constexpr std::array<const char*, 7> kWeekdays = {"Monday", "Tuesday", "Wednesday", "Thursday",
                                                  "Friday", "Saturday", "Sunday"};

// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// The C-locale strftime directives templates use; the time of day is midnight.
Result<std::string> FormatDate(const std::string& format, const CivilDate& date) {
  if (date.month < 1 || date.month > 12 || date.day < 1 || date.day > 31) return Err("strftime_now: invalid date");
  const std::int64_t days = DaysFromCivil(date.year, static_cast<unsigned>(date.month), static_cast<unsigned>(date.day));
  const auto weekday = static_cast<std::size_t>(((days % 7) + 7 + 3) % 7);  // 1970-01-01 was a Thursday
  const std::int64_t day_of_year = days - DaysFromCivil(date.year, 1, 1) + 1;
  const std::string month = kMonths[static_cast<std::size_t>(date.month - 1)];
  const std::string weekday_name = kWeekdays[weekday];
  std::string out;
  for (std::size_t i = 0; i < format.size(); ++i) {
    if (format[i] != '%' || i + 1 == format.size()) {
      out += format[i];
      continue;
    }
    char c = format[++i];
    // glibc's `%-d` (no padding) works through Python's strftime on Linux.
    const bool unpadded = c == '-' && i + 1 < format.size();
    if (unpadded) c = format[++i];
    auto number = [&](std::int64_t v, int width) {
      return unpadded ? std::to_string(v) : fmt::format("{:0{}}", v, width);
    };
    switch (c) {
      case 'Y': out += std::to_string(date.year); break;
      case 'y': out += number(date.year % 100, 2); break;
      case 'm': out += number(date.month, 2); break;
      case 'd': out += number(date.day, 2); break;
      case 'e': out += fmt::format("{:2}", date.day); break;
      case 'j': out += number(day_of_year, 3); break;
      case 'B': out += month; break;
      case 'b':
      case 'h': out += month.substr(0, 3); break;
      case 'A': out += weekday_name; break;
      case 'a': out += weekday_name.substr(0, 3); break;
      case 'u': out += std::to_string(weekday + 1); break;
      case 'w': out += std::to_string((weekday + 1) % 7); break;
      case 'H':
      case 'M':
      case 'S': out += unpadded ? "0" : "00"; break;
      case 'I': out += "12"; break;
      case 'p': out += "AM"; break;
      case 'F': out += fmt::format("{}-{:02}-{:02}", date.year, date.month, date.day); break;
      case '%': out += '%'; break;
      default:
        out += '%';
        out += c;
    }
  }
  return out;
}

Value MakeBuiltin(Builtin builtin, std::string name) {
  auto callable = std::make_shared<Callable>();
  callable->kind = Callable::Kind::kBuiltin;
  callable->builtin = builtin;
  callable->name = std::move(name);
  return Value(std::shared_ptr<const Callable>(std::move(callable)));
}

}  // namespace

void Evaluator::InstallGlobals() {
  auto& globals = frames_[0].vars;
  globals["range"] = MakeBuiltin(Builtin::kRange, "range");
  globals["namespace"] = MakeBuiltin(Builtin::kNamespace, "namespace");
  globals["dict"] = MakeBuiltin(Builtin::kDict, "dict");
  globals["raise_exception"] = MakeBuiltin(Builtin::kRaiseException, "raise_exception");
  if (options_.today) globals["strftime_now"] = MakeBuiltin(Builtin::kStrftimeNow, "strftime_now");
}

Result<Value> Evaluator::CallBuiltin(Builtin builtin, const CallArgs& args) {
  switch (builtin) {
    case Builtin::kRange: {
      if (!args.kwargs.empty() || args.positional.empty() || args.positional.size() > 3) {
        return Err("range expects 1 to 3 integer arguments");
      }
      std::int64_t bounds[3] = {0, 0, 1};
      for (std::size_t i = 0; i < args.positional.size(); ++i) {
        const Value& v = args.positional[i];
        if (!v.is_int() && !v.is_bool()) return Err("range: '{}' object cannot be interpreted as an integer", v.TypeName());
        bounds[args.positional.size() == 1 ? 1 : i] = v.AsInt();
      }
      const std::int64_t start = bounds[0], stop = bounds[1], step = bounds[2];
      if (step == 0) return Err("range() arg 3 must not be zero");
      const double span = (static_cast<double>(stop) - static_cast<double>(start)) / static_cast<double>(step);
      const double count = span <= 0 ? 0 : std::ceil(span);
      // A range longer than the loop budget could never be iterated anyway; refuse to allocate it.
      if (count > static_cast<double>(options_.limits.max_loop_iterations)) {
        return Err("range of {} items exceeds max_loop_iterations ({})", count, options_.limits.max_loop_iterations);
      }
      const auto n = static_cast<std::size_t>(count);
      CITADEL_RETURN_IF_ERROR(budget_.ChargeElements(n));
      List items;
      items.reserve(n);
      for (std::size_t i = 0; i < n; ++i) items.emplace_back(start + static_cast<std::int64_t>(i) * step);
      return Value(std::move(items));
    }
    case Builtin::kNamespace:
    case Builtin::kDict: {
      Dict dict;
      if (args.positional.size() > 1) return Err("expected at most 1 positional argument");
      if (!args.positional.empty()) {
        const Value& init = args.positional[0];
        if (init.is_dict()) {
          for (const auto& [key, value] : init.AsDict().entries()) CITADEL_RETURN_IF_ERROR(dict.TrySet(key, value));
        } else if (init.is_list()) {
          for (const Value& pair : init.AsList()) {
            if (!pair.is_list() || pair.AsList().size() != 2) return Err("dict: sequence elements must be pairs");
            CITADEL_RETURN_IF_ERROR(dict.TrySet(pair.AsList()[0], pair.AsList()[1]));
          }
        } else {
          return Err("cannot build a mapping from {}", init.TypeName());
        }
      }
      for (const auto& [key, value] : args.kwargs) dict.Set(key, value);
      if (builtin == Builtin::kDict) return Value(std::move(dict));
      auto ns = std::make_shared<Namespace>();
      ns->attributes = std::move(dict);
      return Value(std::move(ns));
    }
    case Builtin::kRaiseException: {
      const Value* message = args.Get(0, "message");
      return Err("raise_exception: {}", message != nullptr ? message->Str() : std::string("(no message)"));
    }
    case Builtin::kStrftimeNow: {
      if (args.positional.size() != 1 || !args.positional[0].is_string()) return Err("strftime_now expects a format string");
      CITADEL_ASSIGN_OR_RETURN(std::string text, FormatDate(args.positional[0].AsString(), *options_.today));
      return Value(std::move(text));
    }
  }
  return Err("unknown builtin");
}

}  // namespace citadel::jinja
