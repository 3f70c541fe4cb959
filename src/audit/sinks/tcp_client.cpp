#include "audit/sinks/tcp_client.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>

#include <array>
#include <optional>

namespace citadel::audit::sinks {
namespace {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using boost::system::error_code;

}  // namespace

struct TcpClient::Impl {
  std::string peer;
  asio::io_context io;
  tcp::socket socket{io};

  // Starts an asynchronous operation and runs the context until it completes or the deadline
  // passes; on timeout the socket is closed, which completes the operation with an error. Sync
  // Asio calls have no timeouts, hence this.
  template <class Start>
  Result<size_t> Run(std::string_view what, std::chrono::milliseconds timeout, Start&& start) {
    std::optional<error_code> done;
    size_t bytes = 0;
    start([&done, &bytes](error_code ec, size_t n) {
      done = ec;
      bytes = n;
    });
    io.restart();
    io.run_for(timeout);
    if (!done) {
      error_code ignored;
      socket.close(ignored);
      io.restart();
      io.run();  // lets the cancelled handler run so nothing refers to this frame afterwards
      return Err("{} {}: timed out after {} ms", what, peer, timeout.count());
    }
    if (*done) return Err("{} {}: {}", what, peer, done->message());
    return bytes;
  }
};

std::chrono::milliseconds TimeLeft(std::chrono::steady_clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

TcpClient::TcpClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
TcpClient::TcpClient(TcpClient&&) noexcept = default;
TcpClient& TcpClient::operator=(TcpClient&&) noexcept = default;
TcpClient::~TcpClient() = default;

Result<TcpClient> TcpClient::Connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout) {
  auto impl = std::make_unique<Impl>();
  impl->peer = host.find(':') != std::string::npos ? fmt::format("[{}]:{}", host, port) : fmt::format("{}:{}", host, port);
  tcp::resolver resolver(impl->io);
  tcp::resolver::results_type endpoints;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  CITADEL_RETURN_IF_ERROR(impl->Run("resolving", timeout, [&](auto handler) {
    resolver.async_resolve(host, std::to_string(port), [&endpoints, handler](error_code ec, tcp::resolver::results_type r) {
      endpoints = std::move(r);
      handler(ec, 0);
    });
  }));
  CITADEL_RETURN_IF_ERROR(impl->Run("connecting to", TimeLeft(deadline), [&](auto handler) {
    asio::async_connect(impl->socket, endpoints, [handler](error_code ec, const tcp::endpoint&) { handler(ec, 0); });
  }));
  error_code ignored;
  impl->socket.set_option(tcp::no_delay(true), ignored);
  return TcpClient(std::move(impl));
}

Result<void> TcpClient::WriteAll(std::string_view data, std::chrono::milliseconds timeout) {
  CITADEL_RETURN_IF_ERROR(impl_->Run("writing to", timeout, [&](auto handler) {
    asio::async_write(impl_->socket, asio::buffer(data.data(), data.size()), handler);
  }));
  return Ok();
}

Result<std::string> TcpClient::ReadSome(std::chrono::milliseconds timeout) {
  std::array<char, 16384> buffer;
  std::optional<error_code> eof;
  auto n = impl_->Run("reading from", timeout, [&](auto handler) {
    impl_->socket.async_read_some(asio::buffer(buffer), [handler](error_code ec, size_t bytes) {
      // End of stream is an answer here, not a failure.
      handler(ec == asio::error::eof ? error_code() : ec, bytes);
    });
  });
  if (!n) return std::move(n).error();
  return std::string(buffer.data(), *n);
}

Result<void> TcpClient::FinishAndAwaitClose(std::chrono::milliseconds timeout) {
  error_code ec;
  impl_->socket.shutdown(tcp::socket::shutdown_send, ec);
  if (ec) return Err("closing the connection to {}: {}", impl_->peer, ec.message());
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return Err("waiting for {} to close: timed out after {} ms", impl_->peer, timeout.count());
    CITADEL_ASSIGN_OR_RETURN(const std::string got, ReadSome(left));
    if (got.empty()) return Ok();
  }
}

}  // namespace citadel::audit::sinks
