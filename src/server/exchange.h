#pragma once
// One HTTP request and the ways to answer it, as the application layer (api/) sees them: a whole
// response, or a server-sent-event stream written piece by piece. Everything is a coroutine on the
// connection's executor; Beast types stay inside server/.

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace citadel::server {

struct HttpRequest {
  std::string method;  // as sent, e.g. "POST"
  std::string target;  // path and query
  std::string path;    // target without the query
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
  std::string client_address;  // the peer's IP address, "" when unknown

  std::string_view Header(std::string_view name) const;  // "" when absent
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. Retry-After
};

// Implemented by the connection (http_server.cpp).
class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const HttpRequest& request() const = 0;
  virtual boost::asio::any_io_executor executor() const = 0;

  // Sends a whole response. After it, the exchange is done.
  virtual boost::asio::awaitable<void> Respond(const HttpResponse& response) = 0;

  // Starts a text/event-stream response (status 200, chunked). False when the client is gone.
  virtual boost::asio::awaitable<bool> StartEvents() = 0;
  // Writes one chunk of the stream ("data: ...\n\n" framing is the caller's). False when the client is gone.
  virtual boost::asio::awaitable<bool> WriteEvent(std::string_view chunk) = 0;
  // Ends the stream (the last chunk).
  virtual boost::asio::awaitable<void> EndEvents() = 0;

  // Runs `callback` once, on the connection's executor, if the client closes its connection while
  // this exchange is in progress: a generation waiting for tokens (whole or streamed) learns at
  // once that nobody is waiting for it, not at its next write. Null clears it. The callback is
  // dropped when the exchange ends.
  virtual void OnClientGone(std::function<void()> callback) = 0;
};

// What the server calls for each request; it must answer through the exchange and never throw
// (the server answers 500 if it does, and logs why).
using Handler = std::function<boost::asio::awaitable<void>(Exchange&)>;

}  // namespace citadel::server
