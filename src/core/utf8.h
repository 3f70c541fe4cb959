#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace citadel {

// Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text);

// Length of the valid UTF-8 sequence starting at text[i], or 0 if none starts there.
size_t ValidUtf8SequenceLength(std::string_view text, size_t i);

// Appends the UTF-8 encoding of a code point (<= U+10FFFF).
void AppendUtf8(std::string& out, uint32_t code_point);

}  // namespace citadel
