#pragma once
// The built-in detectors: a vectorscan pattern that finds candidates and the checks that confirm
// them. Patterns carry no boundary logic (vectorscan has no look-around); Boundary says which
// neighbours disqualify a candidate.

#include <cstddef>
#include <span>
#include <string_view>

#include "guard/pii/pii_type.h"

namespace citadel::guard::pii {

enum class Boundary : uint8_t {
  kNone,        // whole construct is self-delimiting (PEM block)
  kAlnum,       // an ASCII letter or digit may not touch an alphanumeric edge of the match
  kIpv4,        // kAlnum, and no '.' before, no ".<digit>" after
  kIpv6,        // no hex digit, ':' or letter on either side
  kEmail,       // no local-part character before, no domain character after
  kToken,       // no [A-Za-z0-9_.-] on either side (JWT, API keys)
};

// today: yyyymmdd, the latest acceptable birth date.
using Validator = bool (*)(std::string_view candidate, int today);

struct BuiltinPattern {
  PiiType type;
  const char* regex;
  Boundary boundary;
  Validator validate;  // nullptr: the pattern is the whole check
  size_t max_length;   // longer candidates are rejected before validation (keeps scans linear)
  int priority;        // lower wins between equally long overlapping findings
  // The match must start at the text's start or after a non-alphanumeric byte, which is then part
  // of the vectorscan match. Inside long digit or letter runs this stops candidates at the source
  // instead of rejecting one per byte.
  bool leading_boundary = false;
};

std::span<const BuiltinPattern> BuiltinPatterns();

// Whether `text[start, end)` is delimited as `boundary` requires.
bool BoundaryOk(std::string_view text, size_t start, size_t end, Boundary boundary);

}  // namespace citadel::guard::pii
