#pragma once
// HTTP/1.1 response bytes as they go on the wire: status line, headers, body or chunks. Kept apart
// from the socket code so the framing can be tested byte for byte.

#include <string>
#include <string_view>

#include "server/exchange.h"

namespace citadel::server {

inline constexpr std::string_view kLastChunk = "0\r\n\r\n";

// "OK", "Not Found", ...; "Unknown" for codes we never send.
std::string_view ReasonPhrase(int status);

// A whole response with Content-Length and `Connection: keep-alive|close`.
std::string SerializeResponse(const HttpResponse& response, bool keep_alive);
// The head of a chunked response (SSE): no-cache, no proxy buffering.
std::string SerializeStreamHead(int status, std::string_view content_type);
// One chunk: size in hex, CRLF, data, CRLF. data must not be empty (that is the last chunk).
std::string SerializeChunk(std::string_view data);

}  // namespace citadel::server
