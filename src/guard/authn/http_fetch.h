#pragma once
// A small synchronous HTTP/1.1 GET client for fetching OIDC discovery documents and JWKS:
// http:// (loopback tests) and https:// (peer verified against the system CA store or a given PEM
// bundle, SNI and host name checked), one deadline for the whole exchange, a body cap, and any
// status other than 200 (redirects included) is an error.

#include <chrono>
#include <cstddef>
#include <functional>
#include <string>

#include "core/result.h"

namespace citadel::guard {

struct HttpFetchOptions {
  // Resolve, connect, TLS handshake, request and response together.
  std::chrono::milliseconds timeout{5000};
  size_t max_body_bytes = size_t{1} << 20;
  // PEM file of trusted CAs; empty: the system store.
  std::string ca_file;
};

Result<std::string> HttpGet(const std::string& url, const HttpFetchOptions& options);

// HttpGet bound to `options`, in the shape JwksCache takes.
std::function<Result<std::string>(const std::string& url)> MakeHttpFetcher(HttpFetchOptions options);

}  // namespace citadel::guard
