#include "guard/authn/http_fetch.h"

#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>

#include <algorithm>
#include <string_view>

namespace citadel::guard {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;

struct Url {
  bool https = false;
  std::string host;         // without brackets
  std::string port;
  std::string host_header;  // as the Host header writes it
  std::string target;       // path and query
};

Result<Url> ParseUrl(std::string_view text) {
  Url url;
  if (text.starts_with("https://")) {
    url.https = true, url.port = "443", text.remove_prefix(8);
  } else if (text.starts_with("http://")) {
    url.port = "80", text.remove_prefix(7);
  } else {
    return Err("URL is not http:// or https://");
  }
  const size_t end = std::min(text.find_first_of("/?#"), text.size());
  std::string_view authority = text.substr(0, end);
  std::string_view rest = text.substr(end);
  rest = rest.substr(0, rest.find('#'));
  url.target = rest.empty() || rest[0] != '/' ? "/" + std::string(rest) : std::string(rest);
  if (authority.find('@') != std::string_view::npos) return Err("URL must not carry user information");
  url.host_header = authority;
  std::string_view port;
  if (authority.starts_with("[")) {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Err("URL has an unterminated IPv6 address");
    url.host = authority.substr(1, close - 1);
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Err("URL has junk after the IPv6 address");
      port = authority.substr(close + 2);
    }
  } else {
    const size_t colon = authority.find(':');
    url.host = authority.substr(0, colon);
    if (colon != std::string_view::npos) port = authority.substr(colon + 1);
  }
  if (url.host.empty()) return Err("URL has no host");
  if (!port.empty()) {
    if (port.size() > 5 || !std::all_of(port.begin(), port.end(), [](char c) { return c >= '0' && c <= '9'; })) {
      return Err("URL has an invalid port");
    }
    url.port = port;
  }
  return url;
}

// Runs one asynchronous operation to completion and returns its error. The stream's own expiry
// (beast::tcp_stream) bounds the time, so run() cannot hang past the deadline.
template <class Start>
beast::error_code RunOne(asio::io_context& ioc, Start&& start) {
  beast::error_code result = asio::error::would_block;
  std::forward<Start>(start)([&result](beast::error_code ec, auto&&...) { result = ec; });
  ioc.restart();
  ioc.run();
  return result;
}

Result<tcp::resolver::results_type> Resolve(asio::io_context& ioc, const Url& url, Clock::time_point deadline) {
  tcp::resolver resolver(ioc);
  tcp::resolver::results_type results;
  beast::error_code result = asio::error::would_block;
  resolver.async_resolve(url.host, url.port, [&](beast::error_code ec, tcp::resolver::results_type r) {
    result = ec;
    results = std::move(r);
  });
  ioc.restart();
  ioc.run_until(deadline);
  if (result == asio::error::would_block) {
    resolver.cancel();
    ioc.restart();
    ioc.run();
    return Err("resolving '{}' timed out", url.host);
  }
  if (result) return Err("cannot resolve '{}': {}", url.host, result.message());
  return results;
}

std::string Describe(const beast::error_code& ec, std::string_view step) {
  if (ec == beast::error::timeout) return fmt::format("{} timed out", step);
  return fmt::format("{} failed: {}", step, ec.message());
}

template <class Stream>
Result<std::string> Exchange(asio::io_context& ioc, Stream& stream, const Url& url, const HttpFetchOptions& options) {
  http::request<http::empty_body> request{http::verb::get, url.target, 11};
  request.set(http::field::host, url.host_header);
  request.set(http::field::user_agent, "citadel-oidc");
  request.set(http::field::accept, "application/json");
  request.keep_alive(false);
  if (auto ec = RunOne(ioc, [&](auto handler) { http::async_write(stream, request, std::move(handler)); })) {
    return Err("{}", Describe(ec, "sending the request"));
  }
  beast::flat_buffer buffer;
  http::response_parser<http::string_body> parser;
  parser.body_limit(options.max_body_bytes);
  auto ec = RunOne(ioc, [&](auto handler) { http::async_read(stream, buffer, parser, std::move(handler)); });
  if (ec == ssl::error::stream_truncated && parser.is_header_done() && !parser.is_done()) {
    // Many servers end a body that runs to the end of the connection without TLS close_notify;
    // the body is complete all the same.
    parser.put_eof(ec);
  }
  if (ec == http::error::body_limit) return Err("response body is larger than {} bytes", options.max_body_bytes);
  if (ec) return Err("{}", Describe(ec, "reading the response"));
  const unsigned status = parser.get().result_int();
  if (status != 200) return Err("HTTP status {}", status);
  return std::move(parser.get().body());
}

Result<std::string> Get(const std::string& text, const HttpFetchOptions& options) {
  CITADEL_ASSIGN_OR_RETURN(const Url url, ParseUrl(text));
  const Clock::time_point deadline = Clock::now() + options.timeout;
  asio::io_context ioc;
  CITADEL_ASSIGN_OR_RETURN(const tcp::resolver::results_type endpoints, Resolve(ioc, url, deadline));
  const auto connect = [&](beast::tcp_stream& tcp_layer) {
    tcp_layer.expires_at(deadline);
    return RunOne(ioc, [&](auto handler) { tcp_layer.async_connect(endpoints, std::move(handler)); });
  };
  if (!url.https) {
    beast::tcp_stream stream(ioc);
    if (auto ec = connect(stream)) return Err("{}", Describe(ec, "connecting"));
    return Exchange(ioc, stream, url, options);
  }
  ssl::context tls(ssl::context::tls_client);
  SSL_CTX_set_min_proto_version(tls.native_handle(), TLS1_2_VERSION);
  tls.set_verify_mode(ssl::verify_peer);
  beast::error_code ec;
  if (options.ca_file.empty()) {
    tls.set_default_verify_paths(ec);
  } else {
    tls.load_verify_file(options.ca_file, ec);
  }
  if (ec) return Err("cannot load trusted CAs: {}", ec.message());
  beast::ssl_stream<beast::tcp_stream> stream(ioc, tls);
  SSL* ssl_handle = stream.native_handle();
  boost::system::error_code not_ip;
  asio::ip::make_address(url.host, not_ip);
  if (!not_ip) {
    // An IP literal is checked against the certificate's IP SANs and is never sent as SNI.
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_handle), url.host.c_str()) != 1) return Err("bad IP host");
  } else if (SSL_set_tlsext_host_name(ssl_handle, url.host.c_str()) != 1 || SSL_set1_host(ssl_handle, url.host.c_str()) != 1) {
    return Err("cannot set the TLS host name");
  }
  if (auto ec2 = connect(beast::get_lowest_layer(stream))) return Err("{}", Describe(ec2, "connecting"));
  if (auto ec2 = RunOne(ioc, [&](auto handler) { stream.async_handshake(ssl::stream_base::client, std::move(handler)); })) {
    return Err("{}", Describe(ec2, "TLS handshake"));
  }
  return Exchange(ioc, stream, url, options);
}

}  // namespace

Result<std::string> HttpGet(const std::string& url, const HttpFetchOptions& options) {
  auto body = Get(url, options);
  // The URL is configuration (or from the discovery document), never a credential.
  if (!body) return std::move(body).error().Wrap(fmt::format("GET {}", url));
  return body;
}

std::function<Result<std::string>(const std::string& url)> MakeHttpFetcher(HttpFetchOptions options) {
  return [options = std::move(options)](const std::string& url) { return HttpGet(url, options); };
}

}  // namespace citadel::guard
