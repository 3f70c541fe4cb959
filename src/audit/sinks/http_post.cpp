#include "audit/sinks/http_post.h"

#include <boost/asio/buffer.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/string_body.hpp>

#include <charconv>

#include "audit/sinks/sink.h"
#include "audit/sinks/tcp_client.h"

namespace citadel::audit::sinks {
namespace {

namespace http = boost::beast::http;
constexpr size_t kMaxBody = 4 << 20;

bool IsTokenOrValueSafe(std::string_view s) {
  for (char c : s) {
    if (c == '\r' || c == '\n' || c == '\0') return false;
  }
  return true;
}

}  // namespace

Result<HttpUrl> ParseHttpUrl(std::string_view url) {
  constexpr std::string_view kScheme = "http://";
  if (url.substr(0, kScheme.size()) != kScheme) return Err("'{}': only http:// URLs are supported", url);
  std::string_view rest = url.substr(kScheme.size());
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  HttpUrl out;
  out.target = slash == std::string_view::npos ? "/" : std::string(rest.substr(slash));
  if (authority.find('@') != std::string_view::npos) return Err("'{}': credentials in the URL are not supported", url);
  if (out.target.find('#') != std::string::npos || !IsTokenOrValueSafe(url) || url.find(' ') != std::string_view::npos) {
    return Err("'{}': not a plain http URL", url);
  }
  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {  // [v6]:port
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Err("'{}': unterminated IPv6 address", url);
    out.host = std::string(authority.substr(1, close - 1));
    std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Err("'{}': bad authority", url);
      port_text = after.substr(1);
    }
  } else {
    const size_t colon = authority.rfind(':');
    out.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (out.host.empty()) return Err("'{}': no host", url);
  if (!port_text.empty()) {
    unsigned port = 0;
    const auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port == 0 || port > 65535) {
      return Err("'{}': bad port '{}'", url, port_text);
    }
    out.port = static_cast<uint16_t>(port);
  }
  return out;
}

Result<HttpResponse> HttpPost(const HttpUrl& url, std::string_view content_type, std::string_view body,
                              std::chrono::milliseconds timeout, const HttpHeaders& headers) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::string request = fmt::format(
      "POST {} HTTP/1.1\r\nHost: {}:{}\r\nUser-Agent: citadel\r\nContent-Type: {}\r\nContent-Length: {}\r\n"
      "Connection: close\r\n",
      url.target, url.host.find(':') != std::string::npos ? "[" + url.host + "]" : url.host, url.port, content_type,
      body.size());
  for (const auto& [name, value] : headers) {
    if (!IsTokenOrValueSafe(name) || !IsTokenOrValueSafe(value)) return Err("header '{}': line break in it", OneLine(name));
    request += fmt::format("{}: {}\r\n", name, value);
  }
  request += "\r\n";

  CITADEL_ASSIGN_OR_RETURN(TcpClient client, TcpClient::Connect(url.host, url.port, timeout));
  CITADEL_RETURN_IF_ERROR(client.WriteAll(request, TimeLeft(deadline)));
  CITADEL_RETURN_IF_ERROR(client.WriteAll(body, TimeLeft(deadline)));

  http::response_parser<http::string_body> parser;
  parser.body_limit(kMaxBody);
  std::string pending;
  while (!parser.is_done()) {
    CITADEL_ASSIGN_OR_RETURN(const std::string got, client.ReadSome(TimeLeft(deadline)));
    boost::system::error_code ec;
    if (got.empty()) {
      parser.put_eof(ec);
      if (ec || !parser.is_done()) return Err("{}:{}: connection closed before a complete response", url.host, url.port);
      break;
    }
    pending += got;
    // put() may consume only part of what it is given (e.g. a header split across reads).
    while (!pending.empty() && !parser.is_done()) {
      const size_t used = parser.put(boost::asio::buffer(pending), ec);
      if (ec == http::error::need_more) {
        ec = {};
        pending.erase(0, used);
        break;
      }
      if (ec) return Err("{}:{}: bad HTTP response: {}", url.host, url.port, ec.message());
      pending.erase(0, used);
    }
  }
  HttpResponse out;
  out.status = static_cast<int>(parser.get().result_int());
  out.body = std::move(parser.get().body());
  return out;
}

std::string DescribeStatus(const HttpUrl& url, const HttpResponse& response) {
  return OneLine(fmt::format("HTTP {} from {}:{}{}: {}", response.status, url.host, url.port, url.target,
                             response.body.substr(0, 200)));
}

}  // namespace citadel::audit::sinks
