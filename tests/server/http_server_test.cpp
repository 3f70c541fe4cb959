// The transport in-process on port 0, driven over real sockets: keep-alive, pipelining, limits,
// routing errors, chunked streams, and the client-gone callback.

#include "server/http_server.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <chrono>
#include <stdexcept>
#include <thread>

#include "server/metrics.h"
#include "server/router.h"

namespace citadel::server {
namespace {

using namespace std::chrono_literals;

// Connects to 127.0.0.1:port; sends; reads until the server closes or `timeout` passes.
class Client {
 public:
  explicit Client(uint16_t port) : fd_(::socket(AF_INET, SOCK_STREAM, 0)) {
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(port);
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CITADEL_CHECK(::connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0);
    timeval tv{.tv_sec = 0, .tv_usec = 100000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  }
  ~Client() { Close(); }
  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }
  void Send(std::string_view bytes) { CITADEL_CHECK(::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL) >= 0); }
  // Reads until `needle` appears (or the connection closes, or 5 s pass).
  std::string ReadUntil(std::string_view needle) {
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (received_.find(needle) == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      char buf[4096];
      const ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
      if (n == 0) {
        closed_ = true;
        break;
      }
      if (n > 0) received_.append(buf, static_cast<size_t>(n));
    }
    return received_;
  }
  std::string ReadToClose() { return ReadUntil("\x01never\x01"); }
  bool closed() const { return closed_; }

 private:
  int fd_;
  std::string received_;
  bool closed_ = false;
};

size_t Count(const std::string& text, std::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

class HttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    router_.Add("GET", "/hello", [](const std::shared_ptr<Exchange>& ex, const std::string&) {
      ex->Respond({.content_type = "text/plain", .body = "hi"});
    });
    router_.Add("POST", "/echo", [](const std::shared_ptr<Exchange>& ex, const std::string&) {
      ex->Respond({.content_type = "text/plain", .body = ex->request().body});
    });
    router_.Add("GET", "/items/{id}", [](const std::shared_ptr<Exchange>& ex, const std::string& id) {
      ex->Respond({.body = id});
    });
    router_.Add("GET", "/stream", [](const std::shared_ptr<Exchange>& ex, const std::string&) {
      ex->StartStream(200, "text/event-stream");
      ex->Write("data: 1\n\n");
      ex->Write("data: 2\n\n");
      ex->EndStream();
    });
    router_.Add("GET", "/hold", [this](const std::shared_ptr<Exchange>& ex, const std::string&) {
      held_ = ex;
      ex->OnClientGone([this] { gone_ = true; });
    });
    router_.Add("GET", "/throw", [](const std::shared_ptr<Exchange>&, const std::string&) {
      throw std::runtime_error("boom");
    });
    HttpLimits limits{.max_body_bytes = 1024, .max_header_bytes = 2048, .idle_timeout = 500ms,
                      .read_timeout = 500ms, .max_connections = 8};
    auto server = HttpServer::Create(io_, "127.0.0.1", 0, limits,
                                     [this](const std::shared_ptr<Exchange>& ex) { router_.Handle(ex); });
    ASSERT_TRUE(server.has_value()) << server.error().message;
    server_ = std::move(*server);
    thread_ = std::thread([this] { io_.run(); });
  }
  void TearDown() override {
    boost::asio::post(io_, [this] {
      held_.reset();
      server_->CloseAll();
      server_.reset();
    });
    io_.stop();
    thread_.join();
  }

  boost::asio::io_context io_;
  Metrics metrics_;
  Router router_{metrics_};
  std::unique_ptr<HttpServer> server_;
  std::thread thread_;
  std::shared_ptr<Exchange> held_;
  std::atomic<bool> gone_ = false;
};

TEST_F(HttpServerTest, KeepAliveAndPipelining) {
  Client c(server_->port());
  c.Send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc"
         "GET /items/42 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string text = c.ReadToClose();
  EXPECT_EQ(Count(text, "HTTP/1.1 200 OK"), 3u) << text;
  EXPECT_NE(text.find("\r\n\r\nhi"), std::string::npos);
  EXPECT_NE(text.find("\r\n\r\nabc"), std::string::npos);
  EXPECT_NE(text.find("\r\n\r\n42"), std::string::npos);
  EXPECT_TRUE(c.closed());
}

TEST_F(HttpServerTest, RoutingErrors) {
  Client c(server_->port());
  c.Send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\nDELETE /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string text = c.ReadToClose();
  EXPECT_NE(text.find("HTTP/1.1 404 Not Found"), std::string::npos) << text;
  EXPECT_NE(text.find("HTTP/1.1 405 Method Not Allowed"), std::string::npos) << text;
  EXPECT_NE(text.find("Allow: GET"), std::string::npos);
  EXPECT_NE(text.find("\"error\":{\"message\":"), std::string::npos);
}

TEST_F(HttpServerTest, LimitsAnswer413And431AndClose) {
  Client big_body(server_->port());
  big_body.Send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5000\r\n\r\n");
  EXPECT_NE(big_body.ReadToClose().find("HTTP/1.1 413"), std::string::npos);
  EXPECT_TRUE(big_body.closed());
  Client big_header(server_->port());
  big_header.Send("GET /hello HTTP/1.1\r\nX: " + std::string(4096, 'a') + "\r\n\r\n");
  EXPECT_NE(big_header.ReadToClose().find("HTTP/1.1 431"), std::string::npos);
  Client garbage(server_->port());
  garbage.Send("NOT HTTP AT ALL\r\n\r\n");
  EXPECT_NE(garbage.ReadToClose().find("HTTP/1.1 400"), std::string::npos);
}

TEST_F(HttpServerTest, IdleAndSlowClientsAreClosed) {
  Client idle(server_->port());
  idle.ReadToClose();
  EXPECT_TRUE(idle.closed());
  Client slow(server_->port());
  slow.Send("GET /hello HTTP/1.1\r\n");  // and never the rest
  slow.ReadToClose();
  EXPECT_TRUE(slow.closed());
}

TEST_F(HttpServerTest, ChunkedStream) {
  Client c(server_->port());
  c.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n");
  const std::string text = c.ReadUntil("0\r\n\r\n");
  EXPECT_NE(text.find("Transfer-Encoding: chunked"), std::string::npos) << text;
  EXPECT_NE(text.find("9\r\ndata: 1\n\n\r\n9\r\ndata: 2\n\n\r\n0\r\n\r\n"), std::string::npos) << text;
}

TEST_F(HttpServerTest, ClientGoneFiresWhileAHandlerHoldsTheExchange) {
  Client c(server_->port());
  c.Send("GET /hold HTTP/1.1\r\nHost: x\r\n\r\n");
  for (int i = 0; i < 100 && !held_; ++i) std::this_thread::sleep_for(10ms);
  c.Close();
  for (int i = 0; i < 200 && !gone_; ++i) std::this_thread::sleep_for(10ms);
  EXPECT_TRUE(gone_);
}

TEST_F(HttpServerTest, AThrowingHandlerAnswers500AndTheServerGoesOn) {
  Client c(server_->port());
  c.Send("GET /throw HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  const std::string text = c.ReadToClose();
  EXPECT_NE(text.find("HTTP/1.1 500"), std::string::npos) << text;
  EXPECT_NE(text.find("HTTP/1.1 200"), std::string::npos) << text;
}

}  // namespace
}  // namespace citadel::server
