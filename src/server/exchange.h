#pragma once
// What a request handler sees of HTTP: the parsed request, and one way to answer it — a whole
// response, or a chunked stream (SSE). The transport (http_server.cpp) owns sockets, limits and
// timeouts; handlers never see Beast.
//
// Threading: handlers and every Exchange method except Post run on the server's I/O thread. Work
// finishing on another thread (the engine's event sink) hands its results over with Post.

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace citadel::server {

struct HttpRequest {
  std::string method;  // "GET", "POST", ...
  std::string target;  // as sent, with the query
  std::string path;    // target without the query
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;

  // The first header of that name (case-insensitive), or "".
  std::string_view Header(std::string_view name) const;
};

struct HttpResponse {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

class Exchange {
 public:
  virtual ~Exchange() = default;
  virtual const HttpRequest& request() const = 0;

  // Sends a whole response; ends the exchange. Later calls are ignored.
  virtual void Respond(HttpResponse response) = 0;
  // Starts a chunked response; Write sends one chunk each; EndStream ends the exchange.
  virtual void StartStream(int status, std::string content_type) = 0;
  virtual void Write(std::string data) = 0;
  virtual void EndStream() = 0;

  // Called once, on the I/O thread, if the client goes away (closed connection, failed write)
  // before the exchange ended: the handler cancels the work it started.
  virtual void OnClientGone(std::function<void()> callback) = 0;
  virtual bool ended() const = 0;

  // Runs `task` on the I/O thread. Safe from any thread.
  virtual void Post(std::function<void()> task) = 0;
};

using Handler = std::function<void(const std::shared_ptr<Exchange>&)>;

}  // namespace citadel::server
