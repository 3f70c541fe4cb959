#pragma once
// Server-sent events as OpenAI streams them: one `data: <json>` event per chunk, `data: [DONE]` last.

#include <string>
#include <string_view>

namespace citadel::server {

inline constexpr std::string_view kSseDone = "data: [DONE]\n\n";

// "data: <payload>\n\n". payload must not contain a newline (compact JSON never does).
std::string SseEvent(std::string_view payload);

}  // namespace citadel::server
