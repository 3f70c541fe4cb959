#include "guard/pii/scanner.h"

#include <algorithm>
#include <chrono>
#include <limits>
#include <map>

#include "guard/pii/builtin_patterns.h"
#include "guard/pii/hs_handles.h"
#include "guard/pii/normalize.h"

namespace citadel::guard::pii {

struct Detector {
  PiiType type;
  std::string label;
  Boundary boundary;
  Validator validate;
  size_t max_length;
  int priority;
  bool leading_boundary = false;  // the match includes one boundary byte before the value
};

struct Scanner::Impl {
  HsDatabase db;
  HsScratch prototype;
  std::vector<Detector> detectors;  // indexed by vectorscan expression id
  int today = 0;
  size_t max_bounded = 0;
  bool custom_regex = false;
  size_t longest_phrase = 0;
};

struct ScanScratch::State {
  HsScratch scratch;
};

namespace {

constexpr int kCustomPriority = 3;  // after secrets, before every built-in PII type
constexpr size_t kNoLimit = std::numeric_limits<size_t>::max();

int TodayUtc() {
  const auto days = std::chrono::floor<std::chrono::days>(std::chrono::system_clock::now());
  const std::chrono::year_month_day ymd{days};
  return static_cast<int>(ymd.year()) * 10000 + static_cast<int>(static_cast<unsigned>(ymd.month())) * 100 +
         static_cast<int>(static_cast<unsigned>(ymd.day()));
}

Result<std::string> LabelFor(const std::string& name) {
  if (name.empty()) return Err("custom detector with an empty name");
  std::string label;
  for (char c : name) {
    const bool ok = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!ok) return Err("custom detector '{}': name must be [A-Za-z0-9_]+", name);
    label.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return label;
}

std::string EscapeLiteral(std::string_view phrase) {
  std::string out;
  out.reserve(phrase.size() * 4);
  for (char c : phrase) out.append(fmt::format("\\x{:02x}", static_cast<unsigned char>(c)));
  return out;
}

bool IsAsciiAlnum(char c) { return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z'); }

bool IsEmailLocalChar(char c) { return IsAsciiAlnum(c) || std::string_view("._%+-").find(c) != std::string_view::npos; }

// The e-mail pattern starts at '@': asking vectorscan for the leftmost start of an unbounded local
// part made it track a start at every letter of ordinary text, the scan's largest cost. The local
// part is one character class, so its leftmost start is simply where the run of those characters
// before the '@' begins. The walk back stops after `limit` bytes (a longer candidate is refused
// anyway), so a hostile run of letters costs at most `limit` per match. Returns npos for a run too
// long and `at` when there is none.
size_t EmailStart(std::string_view text, size_t at, size_t limit) {
  size_t start = at;
  while (start > 0 && IsEmailLocalChar(text[start - 1])) {
    if (at - start >= limit) return std::string_view::npos;
    --start;
  }
  return start;
}

struct Candidate {
  uint32_t detector;
  size_t start, end;
};

struct ScanContext {
  const Scanner::Impl* impl;
  std::string_view text;
  std::vector<Candidate> candidates;
  std::vector<size_t> last_of_detector;  // index into candidates, to widen instead of duplicate
  size_t jwt_start = std::string_view::npos;
  bool jwt_valid = false;
};

bool Confirm(ScanContext& c, const Detector& d, size_t start, size_t end) {
  if (end - start > d.max_length || !BoundaryOk(c.text, start, end, d.boundary)) return false;
  if (d.validate == nullptr) return true;
  if (d.type == PiiType::kJwt) {
    // Every end offset of one token shares its start and header: decode the header once, or a long
    // signature would make the scan quadratic.
    if (start != c.jwt_start) {
      c.jwt_start = start;
      c.jwt_valid = d.validate(c.text.substr(start, end - start), c.impl->today);
    }
    return c.jwt_valid;
  }
  return d.validate(c.text.substr(start, end - start), c.impl->today);
}

int OnMatch(unsigned int id, unsigned long long from, unsigned long long to, unsigned int, void* context) {
  auto& c = *static_cast<ScanContext*>(context);
  const Detector& d = c.impl->detectors[id];
  size_t start = static_cast<size_t>(from);
  const size_t end = static_cast<size_t>(to);
  if (d.leading_boundary && !IsAsciiAlnum(c.text[start])) ++start;  // skip the boundary byte
  if (d.type == PiiType::kEmail) {
    start = EmailStart(c.text, start, d.max_length);
    if (start == std::string_view::npos || c.text[start] == '@') return 0;  // too long, or no local part
  }
  if (!Confirm(c, d, start, end)) return 0;
  size_t& last = c.last_of_detector[id];
  if (last != kNoLimit && c.candidates[last].start == start) {
    c.candidates[last].end = end;  // matches arrive by end offset: this one is longer
  } else {
    last = c.candidates.size();
    c.candidates.push_back({id, start, end});
  }
  return 0;
}

// Longest first, then priority; a candidate overlapping an accepted one is dropped.
std::vector<Candidate> ResolveOverlaps(const std::vector<Detector>& detectors, std::vector<Candidate> all) {
  std::sort(all.begin(), all.end(), [&](const Candidate& a, const Candidate& b) {
    const size_t la = a.end - a.start, lb = b.end - b.start;
    if (la != lb) return la > lb;
    const int pa = detectors[a.detector].priority, pb = detectors[b.detector].priority;
    if (pa != pb) return pa < pb;
    return a.start < b.start;
  });
  std::map<size_t, Candidate> accepted;  // by start
  for (const Candidate& c : all) {
    auto next = accepted.lower_bound(c.start);
    if (next != accepted.end() && next->second.start < c.end) continue;
    if (next != accepted.begin() && std::prev(next)->second.end > c.start) continue;
    accepted.emplace(c.start, c);
  }
  std::vector<Candidate> out;
  out.reserve(accepted.size());
  for (const auto& [start, c] : accepted) out.push_back(c);
  return out;
}

}  // namespace

Result<Scanner> Scanner::Build(const ScannerConfig& config) {
  auto impl = std::make_unique<Impl>();
  impl->today = config.today_yyyymmdd != 0 ? config.today_yyyymmdd : TodayUtc();
  std::vector<std::string> expressions;
  std::vector<unsigned int> flags;
  std::vector<std::string> owner;  // detector name per expression, for error messages
  auto add = [&](Detector d, std::string expression, unsigned int extra_flags, std::string name) {
    expressions.push_back(std::move(expression));
    flags.push_back(HS_FLAG_SOM_LEFTMOST | extra_flags);
    owner.push_back(std::move(name));
    impl->detectors.push_back(std::move(d));
  };
  if (config.builtins) {
    for (const BuiltinPattern& p : BuiltinPatterns()) {
      std::string regex = p.regex;
      if (p.leading_boundary) {
        regex = fmt::format("(?:^|{})(?:{})", p.boundary == Boundary::kIpv4 ? "[^0-9A-Za-z.]" : "[^0-9A-Za-z]", p.regex);
      }
      add({p.type, std::string(TypeName(p.type)), p.boundary, p.validate, p.max_length, p.priority,
           p.leading_boundary},
          std::move(regex), 0, std::string(TypeName(p.type)));
      if (p.max_length != kNoLimit) impl->max_bounded = std::max(impl->max_bounded, p.max_length);
    }
  }
  for (const RegexDetector& r : config.regexes) {
    CITADEL_ASSIGN_OR_RETURN(std::string label, LabelFor(r.name));
    if (r.pattern.empty()) return Err("custom detector '{}': empty pattern", r.name);
    add({PiiType::kCustom, std::move(label), Boundary::kNone, nullptr, kNoLimit, kCustomPriority}, r.pattern, 0,
        r.name);
    impl->custom_regex = true;
  }
  for (const DictionaryDetector& dict : config.dictionaries) {
    CITADEL_ASSIGN_OR_RETURN(std::string label, LabelFor(dict.name));
    for (const std::string& phrase : dict.phrases) {
      const NormalizedText normalized(phrase);
      if (normalized.text().empty()) return Err("custom detector '{}': empty phrase", dict.name);
      const size_t n = normalized.text().size();
      add({PiiType::kCustom, label, Boundary::kAlnum, nullptr, n, kCustomPriority}, EscapeLiteral(normalized.text()),
          dict.ignore_case ? HS_FLAG_CASELESS : 0u, dict.name);
      impl->longest_phrase = std::max(impl->longest_phrase, phrase.size());
      impl->max_bounded = std::max(impl->max_bounded, n);
    }
  }
  if (!expressions.empty()) {
    std::vector<const char*> raw;
    std::vector<unsigned int> ids;
    for (size_t i = 0; i < expressions.size(); ++i) {
      raw.push_back(expressions[i].c_str());
      ids.push_back(static_cast<unsigned int>(i));
    }
    hs_database_t* db = nullptr;
    hs_compile_error_t* error = nullptr;
    if (hs_compile_multi(raw.data(), flags.data(), ids.data(), static_cast<unsigned int>(raw.size()), HS_MODE_BLOCK,
                         nullptr, &db, &error) != HS_SUCCESS) {
      const std::string message = error != nullptr ? error->message : "unknown error";
      const int index = error != nullptr ? error->expression : -1;
      hs_free_compile_error(error);
      if (index >= 0) return Err("detector '{}': invalid pattern: {}", owner[static_cast<size_t>(index)], message);
      return Err("compiling PII patterns: {}", message);
    }
    impl->db.reset(db);
    hs_scratch_t* scratch = nullptr;
    if (hs_alloc_scratch(db, &scratch) != HS_SUCCESS) return Err("vectorscan: cannot allocate scratch");
    impl->prototype.reset(scratch);
  }
  return Scanner(std::move(impl));
}

Scanner::Scanner(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Scanner::Scanner(Scanner&&) noexcept = default;
Scanner& Scanner::operator=(Scanner&&) noexcept = default;
Scanner::~Scanner() = default;

size_t Scanner::max_bounded_match() const { return impl_->max_bounded; }
bool Scanner::has_custom_regex() const { return impl_->custom_regex; }
size_t Scanner::longest_phrase() const { return impl_->longest_phrase; }

Result<ScanScratch> Scanner::NewScratch() const {
  auto state = std::make_unique<ScanScratch::State>();
  if (impl_->prototype) {
    hs_scratch_t* clone = nullptr;
    if (hs_clone_scratch(impl_->prototype.get(), &clone) != HS_SUCCESS) return Err("vectorscan: cannot clone scratch");
    state->scratch.reset(clone);
  }
  return ScanScratch(std::move(state));
}

Result<std::vector<Finding>> Scanner::Scan(std::string_view text) const {
  CITADEL_ASSIGN_OR_RETURN(ScanScratch scratch, NewScratch());
  return Scan(text, scratch);
}

Result<std::vector<Finding>> Scanner::Scan(std::string_view text, ScanScratch& scratch) const {
  if (!impl_->db) return std::vector<Finding>{};
  if (text.size() > std::numeric_limits<unsigned int>::max()) return Err("PII scan: input of {} bytes is too large", text.size());
  const NormalizedText normalized(text);
  ScanContext context{impl_.get(), normalized.text(), {}, std::vector<size_t>(impl_->detectors.size(), kNoLimit)};
  const hs_error_t rc = hs_scan(impl_->db.get(), context.text.data(), static_cast<unsigned int>(context.text.size()),
                                0, scratch.state_->scratch.get(), OnMatch, &context);
  if (rc != HS_SUCCESS) return Err("vectorscan scan failed ({})", rc);
  std::vector<Finding> findings;
  for (const Candidate& c : ResolveOverlaps(impl_->detectors, std::move(context.candidates))) {
    const Detector& d = impl_->detectors[c.detector];
    findings.push_back({d.type, d.label, normalized.ToOriginal(c.start), normalized.ToOriginal(c.end)});
  }
  return findings;
}

ScanScratch::ScanScratch(std::unique_ptr<State> state) : state_(std::move(state)) {}
ScanScratch::ScanScratch(ScanScratch&&) noexcept = default;
ScanScratch& ScanScratch::operator=(ScanScratch&&) noexcept = default;
ScanScratch::~ScanScratch() = default;

}  // namespace citadel::guard::pii
