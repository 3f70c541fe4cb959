// The HTTP transport in-process on port 0, over real sockets: keep-alive and pipelining, limits
// answered 413/431/400, a throwing handler answered 500, chunked event streams, and OnClientGone
// (fires when the client closes; not for a pipelined next request).

#include "server/http_server.h"

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "testing/socket_client.h"

namespace citadel::server {
namespace {

namespace asio = boost::asio;
using namespace std::chrono_literals;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable);

using Client = testing::SocketClient;

size_t Count(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const ServerLimits limits{.max_header_bytes = 2048, .max_body_bytes = 1024, .read_timeout = 500ms,
                              .idle_timeout = 500ms, .max_connections = 8, .io_threads = 2};
    auto server = HttpServer::Start("127.0.0.1", 0, limits, [this](Exchange& ex) { return Handle(ex); });
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server);
  }
  void TearDown() override { server_->Stop(0ms); }

  // One connection: sends `bytes`, returns everything received until the server closed it.
  std::string RoundTrip(std::string_view bytes) {
    Client c(server_->port());
    c.Send(bytes);
    std::string text = c.ReadToClose();
    EXPECT_TRUE(c.closed()) << text;
    return text;
  }

  asio::awaitable<void> Handle(Exchange& ex) {
    const std::string& path = ex.request().path;
    if (path == "/throw") throw std::runtime_error("boom");
    if (path == "/stream") {
      co_await ex.StartEvents();
      co_await ex.WriteEvent("data: 1\n\n");
      co_await ex.WriteEvent("data: 2\n\n");
      co_await ex.EndEvents();
      co_return;
    }
    if (path == "/hold") {  // waits up to 300 ms, or until the client is gone
      asio::steady_timer timer(ex.executor(), 300ms);
      ex.OnClientGone([&] {
        gone_ = true;
        timer.cancel();
      });
      held_ = true;
      co_await timer.async_wait(kAwait);
      const HttpResponse held{.content_type = "text/plain", .body = "held"};
      co_await ex.Respond(held);
      co_return;
    }
    // Named, not a temporary inside co_await: g++ 12 destroys such temporaries twice.
    const HttpResponse echo{.content_type = "text/plain", .body = path + ":" + ex.request().body};
    co_await ex.Respond(echo);
  }

  std::unique_ptr<HttpServer> server_;
  std::atomic<bool> held_ = false, gone_ = false;
};

TEST_F(HttpServerTest, KeepAliveAndPipelining) {
  const std::string text =
      RoundTrip("GET /a HTTP/1.1\r\nHost: x\r\n\r\nPOST /b HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nxyz"
                "GET /c HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(Count(text, "HTTP/1.1 200 OK"), 3u) << text;
  EXPECT_LT(text.find("/a:"), text.find("/b:xyz"));
  EXPECT_LT(text.find("/b:xyz"), text.find("/c:"));
}

TEST_F(HttpServerTest, LimitsAndMalformedRequestsAreAnsweredAndClosed) {
  EXPECT_NE(RoundTrip("POST /a HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n").find("HTTP/1.1 413"),
            std::string::npos);
  EXPECT_NE(RoundTrip("GET /a HTTP/1.1\r\nX: " + std::string(4096, 'a') + "\r\n\r\n").find("HTTP/1.1 431"),
            std::string::npos);
  const std::string text = RoundTrip("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(text.find("HTTP/1.1 400"), std::string::npos) << text;
  EXPECT_NE(text.find("{\"error\":{\"message\":"), std::string::npos) << text;
}

TEST_F(HttpServerTest, IdleAndSlowClientsAreClosed) {
  RoundTrip("");                    // says nothing
  RoundTrip("GET /a HTTP/1.1\r\n");  // and never the rest
}

TEST_F(HttpServerTest, AThrowingHandlerIsAnswered500AndTheConnectionGoesOn) {
  const std::string text =
      RoundTrip("GET /throw HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_NE(text.find("HTTP/1.1 500"), std::string::npos) << text;
  EXPECT_NE(text.find("/a:"), std::string::npos) << text;
}

TEST_F(HttpServerTest, EventStreamsAreChunked) {
  Client c(server_->port());
  c.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string text = c.ReadUntil("0\r\n\r\n");
  EXPECT_NE(text.find("text/event-stream"), std::string::npos) << text;
  EXPECT_NE(text.find("9\r\ndata: 1\n\n\r\n9\r\ndata: 2\n\n\r\n0\r\n\r\n"), std::string::npos) << text;
}

TEST_F(HttpServerTest, ClientGoneFiresWhenTheClientCloses) {
  Client c(server_->port());
  c.Send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 200 && !held_; ++i) std::this_thread::sleep_for(5ms);
  ASSERT_TRUE(held_);
  c.Close();
  for (int i = 0; i < 200 && !gone_; ++i) std::this_thread::sleep_for(5ms);
  EXPECT_TRUE(gone_);
}

TEST_F(HttpServerTest, APipelinedRequestIsNotAClientLeaving) {
  const std::string text =
      RoundTrip("GET /hold HTTP/1.1\r\nHost: x\r\n\r\nGET /a HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_FALSE(gone_);
  EXPECT_NE(text.find("held"), std::string::npos) << text;
  EXPECT_NE(text.find("/a:"), std::string::npos) << text;
}

}  // namespace
}  // namespace citadel::server
