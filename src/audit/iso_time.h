#pragma once
// UTC timestamps in milliseconds <-> ISO 8601 text, for the CLI and JSON output.

#include <cstdint>
#include <string>
#include <string_view>

#include "core/result.h"

namespace citadel::audit {

// Accepts "2026-11-25", "2026-11-25T05:13:02Z" and "2026-11-25T05:13:02.123Z" (the Z optional);
// always UTC.
Result<int64_t> ParseIsoUtcMs(std::string_view text);
// "2026-11-25T05:13:02.123Z"
std::string FormatIsoUtcMs(int64_t ms);

}  // namespace citadel::audit
