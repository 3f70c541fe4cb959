#pragma once
// One conversation's placeholders: the same value always gets the same placeholder ([PHONE_1]),
// numbered per label in order of first appearance, and placeholders can be turned back into the
// originals in model output. Holds the original values, so it lives exactly as long as the
// conversation and is never logged.

#include <map>
#include <string>
#include <string_view>

namespace citadel::guard::pii {

class PlaceholderVault {
 public:
  std::string PlaceholderFor(std::string_view label, std::string_view value);
  // The original for a whole placeholder such as "[PHONE_1]", or nullptr.
  const std::string* Original(std::string_view placeholder) const;
  // Replaces every known placeholder in `text` by its original; unknown brackets stay as they are.
  std::string Restore(std::string_view text) const;
  size_t size() const { return by_placeholder_.size(); }

  // Longest placeholder issued so far; a stream restorer never needs to hold back more.
  size_t longest_placeholder() const { return longest_; }

 private:
  std::map<std::string, std::string, std::less<>> by_value_;  // label + '\0' + value -> placeholder
  std::map<std::string, std::string, std::less<>> by_placeholder_;
  std::map<std::string, int, std::less<>> counters_;
  size_t longest_ = 0;
};

}  // namespace citadel::guard::pii
