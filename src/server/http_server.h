#pragma once
// The HTTP/1.1 transport on Boost.Beast: accepts connections, reads one request at a time per
// connection (keep-alive and pipelining), enforces the size limits, timeouts and the connection
// cap, and hands each request to the Handler. Malformed requests are answered 4xx in OpenAI's
// error format and the connection is closed; nothing a client sends can throw past this class.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "server/exchange.h"

namespace boost::asio {
class io_context;
}

namespace citadel::server {

struct HttpLimits {
  size_t max_body_bytes = 1 << 20;
  size_t max_header_bytes = 16 << 10;
  std::chrono::milliseconds idle_timeout{30000};   // waiting for (the headers of) the next request
  std::chrono::milliseconds read_timeout{30000};   // the body, once the headers are in
  std::chrono::milliseconds write_timeout{30000};  // each write
  int max_connections = 256;                       // beyond it: 503 and close
};

class HttpServer {
 public:
  // Binds and listens on host:port (port 0: an ephemeral one). All I/O runs on `io`.
  static Result<std::unique_ptr<HttpServer>> Create(boost::asio::io_context& io, const std::string& host,
                                                    uint16_t port, const HttpLimits& limits, Handler handler);
  ~HttpServer();

  uint16_t port() const;  // the bound port
  std::string address() const;  // "http://127.0.0.1:PORT" ("[::1]" for IPv6)

  // Stops accepting, closes idle connections; requests in flight finish (their connection then
  // closes). On the I/O thread.
  void StopAccepting();
  // Closes every connection now. On the I/O thread.
  void CloseAll();
  int connections() const;

  struct State;  // opaque; public only so the connection code in the .cpp can name it

 private:
  explicit HttpServer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace citadel::server
