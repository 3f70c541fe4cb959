#pragma once
// A minimal synchronous HTTP/1.1 POST for the HTTP sinks (Loki, Elasticsearch): plain http://,
// one connection per request (Connection: close), a deadline for the whole exchange, the response
// parsed by Boost.Beast. No redirects, no TLS: put a local TLS-terminating proxy in front of a
// remote destination.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"

namespace citadel::audit::sinks {

struct HttpUrl {
  std::string host;
  uint16_t port = 80;
  std::string target = "/";  // path and query
};

// "http://host[:port][/path]"; https, user info and fragments are refused with a reason.
Result<HttpUrl> ParseHttpUrl(std::string_view url);

struct HttpResponse {
  int status = 0;
  std::string body;  // at most 4 MiB; a longer body is an error
};

using HttpHeaders = std::vector<std::pair<std::string, std::string>>;

// Any status is a response; transport and protocol failures are errors.
Result<HttpResponse> HttpPost(const HttpUrl& url, std::string_view content_type, std::string_view body,
                              std::chrono::milliseconds timeout, const HttpHeaders& headers = {});

// "HTTP 500 from host:port/target: <first line of the body>", for a sink's error.
std::string DescribeStatus(const HttpUrl& url, const HttpResponse& response);

}  // namespace citadel::audit::sinks
