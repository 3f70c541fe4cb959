#pragma once
// The HTTP/1.1 listener on Boost.Beast: keep-alive, bounded headers and bodies, read and idle
// timeouts (a client that sends slowly or not at all is dropped, so slowloris cannot hold a
// connection), a connection cap (beyond it a new connection gets 503 and is closed), and a
// graceful stop: stop accepting, let in-flight exchanges finish until a deadline, then close the rest.
// Optionally TLS (tls_context.h): the same HTTP code runs over the encrypted stream; the handshake
// must finish within the read timeout.

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "core/result.h"
#include "server/exchange.h"
#include "server/tls_context.h"

namespace citadel::server {

struct ServerLimits {
  size_t max_header_bytes = 16 * 1024;
  size_t max_body_bytes = 4 * 1024 * 1024;
  std::chrono::milliseconds read_timeout{30'000};   // to receive one whole request
  std::chrono::milliseconds idle_timeout{60'000};   // keep-alive wait for the next request
  std::chrono::milliseconds write_timeout{60'000};  // per write to a slow reader
  int max_connections = 1024;
  int io_threads = 2;
};

class HttpServer {
 public:
  // Binds host:port (port 0: an ephemeral one) and starts serving on io_threads threads, over TLS
  // when `tls.enabled()`. Errors: an address that does not parse, a port in use, TLS files that do
  // not load (TlsContext::Create).
  static Result<std::unique_ptr<HttpServer>> Start(const std::string& host, uint16_t port, const ServerLimits& limits,
                                                   Handler handler, const TlsSettings& tls = {});
  ~HttpServer();  // Stop(0) if still running

  uint16_t port() const;
  int open_connections() const;
  bool tls() const;

  // Re-reads the certificate, key and client CA files for connections accepted from now on; open
  // connections keep what they negotiated. On error the current files stay in use. An error too
  // when the server was started without TLS.
  Result<void> ReloadTls();

  // Graceful stop in steps, so that the owner can cancel in-flight work between them: new
  // connections are refused, then WaitIdle waits until every connection has closed (keep-alive
  // connections close after their current exchange) or `drain` passed, returning whether all did.
  void StopAccepting();
  bool WaitIdle(std::chrono::milliseconds drain);
  // StopAccepting, WaitIdle(drain), then closes what is left and joins the threads.
  bool Stop(std::chrono::milliseconds drain);

 private:
  struct State;
  explicit HttpServer(std::shared_ptr<State> state);
  std::shared_ptr<State> state_;
};

}  // namespace citadel::server
