#pragma once
// Finds PII and secrets in text. A Scanner is compiled once from a ScannerConfig (built-in
// detectors plus named regexes and phrase dictionaries) into a single vectorscan database, so a
// scan is one linear pass whatever the number of detectors; candidates are then confirmed by
// validators and overlaps resolved (longest, then highest priority, wins).
//
// A Scanner is immutable and may be shared between threads; each thread scans with its own
// ScanScratch (or lets Scan() make one per call).

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "guard/pii/pii_type.h"

namespace citadel::guard::pii {

struct RegexDetector {
  std::string name;     // [A-Za-z0-9_]+, upper-cased into placeholders: "project" -> [PROJECT_1]
  std::string pattern;  // vectorscan (PCRE subset) syntax, no look-around or back-references
};

struct DictionaryDetector {
  std::string name;
  std::vector<std::string> phrases;  // matched literally; ASCII-alphanumeric edges need word boundaries
  bool ignore_case = false;
};

struct ScannerConfig {
  bool builtins = true;
  std::vector<RegexDetector> regexes;
  std::vector<DictionaryDetector> dictionaries;
  int today_yyyymmdd = 0;  // latest acceptable birth date in ID numbers; 0: today's UTC date at Build
};

// Byte offsets into the scanned (original, un-normalized) text. Never carries the value itself.
struct Finding {
  PiiType type;
  std::string_view label;  // TypeName(type), or the custom detector's upper-cased name; owned by the Scanner
  size_t start = 0;
  size_t end = 0;
  bool operator==(const Finding&) const = default;
};

class ScanScratch;

class Scanner {
 public:
  static Result<Scanner> Build(const ScannerConfig& config);
  Scanner(Scanner&&) noexcept;
  Scanner& operator=(Scanner&&) noexcept;
  ~Scanner();

  // Findings sorted by start, never overlapping.
  Result<std::vector<Finding>> Scan(std::string_view text) const;
  Result<std::vector<Finding>> Scan(std::string_view text, ScanScratch& scratch) const;
  Result<ScanScratch> NewScratch() const;

  // The longest match any bounded detector can produce, in normalized bytes; the streaming masker
  // holds back at most this much (times the 3-byte width of full-width forms).
  size_t max_bounded_match() const;
  // Whether custom regexes exist: their extent is unknown, so streams hold back max_bounded_match.
  bool has_custom_regex() const;
  size_t longest_phrase() const;

  struct Impl;

 private:
  explicit Scanner(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

class ScanScratch {
 public:
  ScanScratch(ScanScratch&&) noexcept;
  ScanScratch& operator=(ScanScratch&&) noexcept;
  ~ScanScratch();

 private:
  friend class Scanner;
  struct State;
  explicit ScanScratch(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace citadel::guard::pii
